import { parseArgs } from 'node:util';
import type { AuditEntry } from '../core/audit.ts';
import { UsageError, type CliCommand } from './command.ts';
import { withDefaultContext } from './context.ts';

const CSV_COLUMNS = ['id', 'at', 'actor', 'action', 'subject', 'details'] as const;

/**
 * One CSV field (RFC 4180 quoting). A field a spreadsheet would run as a formula (=, +, -, @, tab,
 * CR at the start) gets a leading apostrophe: subjects and details carry lead and provider text.
 */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvRow(entry: AuditEntry): string {
  const cells: Record<(typeof CSV_COLUMNS)[number], string> = {
    id: entry.id ?? '',
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: entry.details ? JSON.stringify(entry.details) : '',
  };
  return CSV_COLUMNS.map((c) => csvField(cells[c])).join(',');
}

/** `--since`: a date (2026-11-01, midnight UTC) or an ISO time (2026-11-01T09:30:00Z). */
function parseSince(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at.getTime())) throw new UsageError(`--since must be a date (2026-11-01) or an ISO time (2026-11-01T09:30:00Z) (got "${value}")`);
  return at;
}

export const audit: CliCommand = {
  helpLines: [['caio audit [--since DATE] [--format jsonl|csv] [--count N]', 'the audit stream as JSON lines or CSV']],
  usage: `Usage: caio audit [--since DATE] [--format jsonl|csv] [--count N]

Prints the audit stream (runs, stops, resumes, decisions, edits, sends, refusals, policy changes)
on stdout, oldest first; logs go to stderr, so the output can be piped or redirected as it is.

  --since DATE     only entries from then on: a date (2026-11-01, UTC midnight) or an ISO time
  --format FORMAT  jsonl (default): one JSON object a line; csv: a header row, then
                   id,at,actor,action,subject,details (details as JSON)
  --count N        only the newest N (of those since DATE)`,

  async run(args, out) {
    const { values } = parseArgs({ args, options: { count: { type: 'string' }, since: { type: 'string' }, format: { type: 'string', default: 'jsonl' } }, strict: true });
    const count = values.count === undefined ? undefined : Number(values.count);
    if (count !== undefined && !(Number.isInteger(count) && count > 0)) throw new UsageError(`--count must be a positive whole number (got "${values.count}")`);
    const format = values.format;
    if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format must be jsonl or csv (got "${format}")`);
    const since = parseSince(values.since);
    return withDefaultContext(async (ctx) => {
      const entries = await ctx.audit.list({ ...(count === undefined ? {} : { count }), ...(since ? { since } : {}) });
      if (format === 'csv') out.log(CSV_COLUMNS.join(','));
      for (const entry of entries) out.log(format === 'csv' ? csvRow(entry) : JSON.stringify(entry));
      return 0;
    });
  },
};
