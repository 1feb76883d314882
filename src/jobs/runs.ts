import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Audit } from '../core/audit.ts';
import type { Emergency } from '../core/emergency.ts';
import type { Store } from '../core/store.ts';
import type { ProviderMode, Source } from '../core/types.ts';
import type { Queues } from './queues.ts';

/** Sources a person can start a run from (website_visitor leads arrive by webhook). */
export const RUN_SOURCES = ['default', 'competitor_gong', 'event_saastr'] as const;
export const MAX_LEADS = 10_000;

export const runRequestSchema = z.object({
  source: z.string().refine((s): s is (typeof RUN_SOURCES)[number] => (RUN_SOURCES as readonly string[]).includes(s), {
    error: (issue) => `unknown source "${String(issue.input)}"; known sources: ${RUN_SOURCES.join(', ')}`,
  }),
  limit: z
    .number({ error: `--leads must be a whole number from 1 to ${MAX_LEADS}` })
    .int(`--leads must be a whole number from 1 to ${MAX_LEADS}`)
    .min(1, `--leads must be from 1 to ${MAX_LEADS}`)
    .max(MAX_LEADS, `--leads must be from 1 to ${MAX_LEADS}`),
  startedBy: z.string().min(1),
  runId: z
    .string()
    .regex(/^run_\d{8}_\d{6}_[a-z0-9]{6}$/, 'run id must look like run_YYYYMMDD_HHMMSS_xxxxxx')
    .optional(),
  slackChannel: z.string().optional(),
});

export type RunRequest = z.input<typeof runRequestSchema>;

/** `run_YYYYMMDD_HHMMSS_xxxxxx` in UTC. */
export function newRunId(now = new Date()): string {
  const iso = now.toISOString();
  const date = iso.slice(0, 10).replaceAll('-', '');
  const time = iso.slice(11, 19).replaceAll(':', '');
  const suffix = randomBytes(6).toString('hex').replace(/[^a-z0-9]/g, '').slice(0, 6);
  return `run_${date}_${time}_${suffix}`;
}

export class RunRequestError extends Error {
  readonly code = 'RUN_REQUEST_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'RunRequestError';
  }
}

/** Validates a run request, or throws RunRequestError with every problem in one message. */
export function parseRunRequest(input: RunRequest) {
  const parsed = runRequestSchema.safeParse(input);
  if (!parsed.success) throw new RunRequestError(parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

/**
 * Starts a run: the run record and its scrape job. Starting the same run id again changes
 * nothing (the record and the job id are both idempotent).
 */
export async function startRun(
  deps: { store: Store; queues: Queues; audit: Audit; emergency?: Emergency; providers: { kind: ProviderMode } },
  input: RunRequest,
): Promise<{ runId: string; created: boolean; stopped: boolean }> {
  const request = parseRunRequest(input);
  const runId = request.runId ?? newRunId();
  const source = request.source as Source;
  const providers = deps.providers.kind;
  const created = await deps.store.createRun({ id: runId, source, limit: request.limit, started_by: request.startedBy, slack_channel: request.slackChannel, providers });
  // A run started during an emergency stop waits, visibly, for the resume (the queues are paused).
  const stopped = (await deps.emergency?.state())?.stopped ?? false;
  if (created) {
    if (stopped) await deps.store.setRunStatus(runId, 'stopped');
    await deps.audit.append({ actor: request.startedBy, action: 'run.start', subject: runId, details: { source, limit: request.limit, providers, ...(stopped ? { waiting_for_resume: true } : {}) } });
  }
  await deps.queues.addScrape({ runId, source, limit: request.limit, providers });
  return { runId, created, stopped };
}
