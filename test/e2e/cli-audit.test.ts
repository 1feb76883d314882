import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys, deleteByPrefix } from '../../src/core/keys.ts';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/harness.ts';
import { spawnCaio } from '../helpers/worker-process.ts';

// `caio audit --since DATE --format csv|jsonl`: an export an operator can hand to a spreadsheet.

const prefix = uniquePrefix('cli-audit');
const env = { REDIS_URL: TEST_REDIS_URL, CAIO_REDIS_PREFIX: prefix };

/** Entries appended on three days (stream ids carry the append time, as XADD * would give). */
const ENTRIES = [
  { id: `${Date.parse('2026-10-30T23:59:59Z')}-0`, at: '2026-10-30T23:59:59.000Z', actor: 'U1', action: 'run.start', subject: 'run_a', details: { leads: 5 } },
  { id: `${Date.parse('2026-11-01T00:00:00Z')}-0`, at: '2026-11-01T00:00:00.000Z', actor: 'U2', action: 'approve', subject: 'Doe, "Jane"', details: { note: 'line one\nline two' } },
  { id: `${Date.parse('2026-11-02T09:30:00Z')}-0`, at: '2026-11-02T09:30:00.000Z', actor: 'cli:ops', action: 'edit', subject: '=HYPERLINK("http://x.example")', details: undefined },
];

beforeAll(async () => {
  const redis = new Redis(TEST_REDIS_URL);
  const key = createKeys(prefix).audit;
  for (const e of ENTRIES) {
    const fields = ['at', e.at, 'actor', e.actor, 'action', e.action, 'subject', e.subject];
    if (e.details) fields.push('details', JSON.stringify(e.details));
    await redis.xadd(key, e.id, ...fields);
  }
  redis.disconnect();
});

afterAll(async () => {
  const redis = new Redis(TEST_REDIS_URL);
  await deleteByPrefix(redis, prefix);
  redis.disconnect();
});

async function audit(args: string[]): Promise<{ code: number | string; stdout: string; output: string }> {
  const caio = spawnCaio(['audit', ...args], env);
  let stdout = '';
  caio.child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await caio.exited;
  return { code, stdout, output: caio.output() };
}

describe('caio audit --since --format', () => {
  it('--since DATE keeps the entries from UTC midnight of that date on, as JSON lines by default', async () => {
    const { code, stdout } = await audit(['--since', '2026-11-01']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; action: string; details?: unknown });
    expect(lines.map((l) => l.action)).toEqual(['approve', 'edit']);
    expect(lines[0]).toMatchObject({ id: ENTRIES[1]!.id, subject: 'Doe, "Jane"', details: { note: 'line one\nline two' } });
  });

  it('--format csv: a header, RFC 4180 quoting, details as JSON, and no spreadsheet formulas', async () => {
    const { code, stdout } = await audit(['--since', '2026-10-30T12:00:00Z', '--format', 'csv']);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'id,at,actor,action,subject,details',
        `${ENTRIES[0]!.id},2026-10-30T23:59:59.000Z,U1,run.start,run_a,"{""leads"":5}"`,
        `${ENTRIES[1]!.id},2026-11-01T00:00:00.000Z,U2,approve,"Doe, ""Jane""","{""note"":""line one\\nline two""}"`,
        `${ENTRIES[2]!.id},2026-11-02T09:30:00.000Z,cli:ops,edit,"'=HYPERLINK(""http://x.example"")",`,
        '',
      ].join('\n'),
    );
  });

  it('--count N with --since gives the newest N of those entries', async () => {
    const { stdout } = await audit(['--since', '2026-10-01', '--count', '2']);
    expect(stdout.trim().split('\n').map((l) => (JSON.parse(l) as { action: string }).action)).toEqual(['approve', 'edit']);
  });

  it.each([
    [['--since', 'yesterday'], '--since must be a date (2026-11-01) or an ISO time'],
    [['--since', '2026-13-45'], '--since must be a date (2026-11-01) or an ISO time'],
    [['--format', 'xml'], '--format must be jsonl or csv (got "xml")'],
  ])('refuses %j with exit 2 and the usage', async (args, message) => {
    const { code, output } = await audit(args);
    expect(code).toBe(2);
    expect(output).toContain(message);
    expect(output).toContain('Usage: caio audit [--since DATE] [--format jsonl|csv] [--count N]');
  });
});
