import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { HttpStatusError } from '../core/http-client.ts';
import { createProviderControlStore, type ProviderControlRecord } from '../core/provider-control-store.ts';
import { createProviderSends } from '../core/provider-sends.ts';
import { bullPrefix, stalledJobOptions } from '../core/queue.ts';
import { CAMPAIGN_PROVIDERS, type CampaignAction, type CampaignProvider } from '../providers/campaign-types.ts';
import type { CampaignPreflightDeps } from './campaign-preflight.ts';

/**
 * Stop at the providers (DESIGN §9): the Instantly and HeyReach campaigns are paused on a stop
 * and activated on a resume, retried until the provider confirms. Each provider has one wanted
 * state in Redis (the latest request wins: a resume replaces a pending pause and vice versa) and at
 * most one job on the `provider-control` queue, so its calls never overlap and the last one sent
 * is the latest wanted. The queue is not one of the pipeline's, so a stop never pauses it.
 */
export const PROVIDER_CONTROL_QUEUE = 'provider-control';

/** The wanted and confirmed state of one provider's campaign, as status shows it (src/core/provider-control-store.ts). */
export type ProviderControlState = ProviderControlRecord<CampaignProvider>;

export interface ProviderControlJob {
  provider: CampaignProvider;
}

/** Asks a worker to run the campaign preflight at once (`/caio resume`). */
export interface PreflightJob {
  preflight: true;
}

export type ProviderControlDeps = Pick<CampaignPreflightDeps, 'config' | 'logger' | 'redis' | 'keys' | 'audit' | 'notifier' | 'providers'>;

export interface ProviderControl {
  queue: Queue;
  /**
   * Wants every configured provider campaign (or only `only`) paused or active, and queues the
   * call. Returns at once: the job retries until the provider confirms.
   */
  request(action: CampaignAction, by: string, reason: string, only?: readonly CampaignProvider[]): Promise<void>;
  /** Queues a campaign preflight to run at once on a worker. */
  requestPreflight(): Promise<void>;
  /** Per configured provider: what is wanted and whether the provider confirmed it. */
  states(): Promise<ProviderControlState[]>;
  /** Queues the job again for a provider whose wanted state is neither confirmed nor given up (a lost job). */
  reconcile(): Promise<void>;
  close(): Promise<void>;
}

const PREFLIGHT_JOB_ID = 'preflight';

/** A provider failure in a few words for status and logs (`HTTP 500`, `ECONNREFUSED`), never a body. */
export function describeError(err: unknown): string {
  if (err instanceof HttpStatusError) return `HTTP ${err.status}`;
  if (err instanceof Error) return (err as Error & { code?: string }).code ?? err.message;
  return String(err);
}

export function createProviderControl(deps: ProviderControlDeps): ProviderControl {
  const { redis, keys, config } = deps;
  const settings = config.providers;
  const queue = new Queue(PROVIDER_CONTROL_QUEUE, { connection: redis, prefix: bullPrefix(keys.prefix) });
  const configured = () => CAMPAIGN_PROVIDERS.filter((p) => deps.providers.campaigns[p] !== null);
  const control = createProviderControlStore(redis, keys);

  const read = (provider: CampaignProvider): Promise<ProviderControlState | null> => control.read(provider, deps.providers.campaigns[provider]?.id ?? '');

  const jobOptions = { attempts: settings.control_attempts, backoff: { type: 'capped' }, removeOnComplete: true, removeOnFail: true };

  async function enqueue(provider: CampaignProvider, fresh: boolean): Promise<void> {
    const existing = await queue.getJob(provider);
    // A job asleep on its backoff is replaced, so the new request goes at once with fresh attempts.
    // An active one is left alone: it reads the wanted state again before it finishes.
    if (existing && fresh && (await existing.isDelayed())) await existing.remove().catch(() => undefined);
    await queue.add(`control-${provider}`, { provider } satisfies ProviderControlJob, { ...jobOptions, jobId: provider });
  }

  return {
    queue,
    async request(action, by, reason, only) {
      for (const provider of configured()) {
        if (only && !only.includes(provider)) continue;
        await control.request(provider, { want: action, campaign_id: deps.providers.campaigns[provider]?.id ?? '', requested_by: by, reason });
        await enqueue(provider, true);
        deps.logger.info({ provider, action, by }, 'provider campaign control requested');
      }
    },
    async requestPreflight() {
      await queue.add('preflight', { preflight: true } satisfies PreflightJob, { jobId: PREFLIGHT_JOB_ID, attempts: 1, removeOnComplete: true, removeOnFail: true });
    },
    async states() {
      const states = await Promise.all(configured().map((p) => read(p)));
      return states.filter((s): s is ProviderControlState => s !== null);
    },
    async reconcile() {
      for (const provider of configured()) {
        const state = await read(provider);
        if (!state || state.gave_up || state.confirmed?.seq === state.seq) continue;
        if (await queue.getJob(provider)) continue;
        await enqueue(provider, false);
      }
    },
    async close() {
      await queue.close();
    },
  };
}

/** What the worker needs beyond the control itself: the preflight it runs on request. */
export type ProviderControlWorkerDeps = ProviderControlDeps & {
  providerControl: ProviderControl;
  preflight: { checkIfLive(): Promise<void> };
};

/**
 * Works the provider-control queue (role `worker`): one call per job attempt, retried with a
 * doubling backoff capped at `providers.control_backoff_max_ms` until the provider confirms. A
 * definite refusal (404, 401) or the last attempt posts one CRITICAL alert: pause it by hand.
 */
export function startProviderControlWorker(deps: ProviderControlWorkerDeps): Worker {
  const { redis, keys, config, logger, providerControl } = deps;
  const settings = config.providers;
  const control = createProviderControlStore(redis, keys);

  async function process(job: Job<ProviderControlJob | PreflightJob>): Promise<void> {
    if ('preflight' in job.data) {
      await deps.preflight.checkIfLive();
      return;
    }
    const provider = job.data.provider;
    const campaign = deps.providers.campaigns[provider];
    if (!campaign) return;
    // A request that arrives while a call is in flight is seen here on the next turn: the loop ends
    // only when what the provider confirmed is the latest wanted state.
    for (;;) {
      const state = (await providerControl.states()).find((s) => s.provider === provider);
      if (!state || state.gave_up || state.confirmed?.seq === state.seq) return;
      await control.countAttempt(provider);
      try {
        await (state.want === 'pause' ? campaign.pause() : campaign.activate());
      } catch (err) {
        await control.recordError(provider, describeError(err));
        logger.warn({ provider, action: state.want, attempt: state.attempts + 1, error: describeError(err) }, 'provider campaign control not confirmed yet');
        // Our key or campaign id is wrong: repeating cannot help, a person must act.
        if (err instanceof HttpStatusError && [400, 401, 403, 404].includes(err.status)) throw new UnrecoverableError(`${provider} refused to ${state.want} campaign ${campaign.id}: HTTP ${err.status}`);
        throw err;
      }
      await control.confirm(provider, state.seq, state.want);
      await deps.audit.append({ actor: state.requested_by || 'system', action: `provider.${state.want}`, subject: `${provider}:${campaign.id}`, details: { attempts: state.attempts + 1, reason: state.reason } });
      logger.info({ provider, action: state.want, attempts: state.attempts + 1 }, 'provider confirmed the campaign control');
    }
  }

  const worker = new Worker(PROVIDER_CONTROL_QUEUE, process, {
    connection: redis,
    prefix: bullPrefix(keys.prefix),
    // One job per provider plus the preflight: they never wait for each other.
    concurrency: CAMPAIGN_PROVIDERS.length + 1,
    ...stalledJobOptions(config.pipeline),
    settings: { backoffStrategy: (attemptsMade: number) => Math.min(settings.control_backoff_max_ms, settings.control_backoff_ms * 2 ** Math.max(0, attemptsMade - 1)) },
  });
  worker.on('error', (err) => logger.error({ err, queue: PROVIDER_CONTROL_QUEUE }, 'worker error'));
  // A request made in the instant between the job's last look and its removal would have found
  // the job still there: look again once it is gone.
  worker.on('completed', (job) => {
    if ('provider' in job.data) providerControl.reconcile().catch((err: unknown) => logger.warn({ err }, 'provider control reconcile failed'));
  });
  worker.on('failed', (job, err) => {
    // Only the final failure (attempts used up, or a definite refusal): earlier ones are retried.
    if (!job?.finishedOn || !('provider' in job.data)) return;
    const provider = job.data.provider;
    void (async () => {
      const state = (await providerControl.states()).find((s) => s.provider === provider);
      if (!state) return;
      await control.giveUp(provider, state.seq);
      await deps.notifier.alert(
        'CRITICAL',
        `Could not ${state.want} the ${provider} campaign ${state.campaign_id} after ${state.attempts} attempt(s) (${err.message}): ${state.want === 'pause' ? 'it may still be sending. Pause it by hand in ' + provider : 'activate it by hand in ' + provider}, then check its API key and campaign id.`,
        { provider, action: state.want, attempts: state.attempts },
      );
    })().catch((alertErr: unknown) => logger.error({ err: alertErr }, 'provider control failure alert failed'));
  });
  return worker;
}

/** One line per provider for status: `pause confirmed at …` or `pending (attempt n)`. */
export function describeControl(state: ProviderControlState): string {
  const name = state.provider === 'instantly' ? 'Instantly' : 'HeyReach';
  const verb = state.want === 'pause' ? 'pause' : 'activate';
  if (state.confirmed?.seq === state.seq) return `${name} campaign ${state.campaign_id}: ${verb} confirmed at ${state.confirmed.at}`;
  const error = state.last_error ? `, last: ${state.last_error}` : '';
  if (state.gave_up) return `${name} campaign ${state.campaign_id}: ${verb} NOT confirmed, given up after ${state.attempts} attempt(s)${error}: do it by hand`;
  return `${name} campaign ${state.campaign_id}: ${verb} pending (attempt ${Math.max(1, state.attempts)}${error})`;
}

export type ProviderSendDeps = Pick<CampaignPreflightDeps, 'redis' | 'keys' | 'logger' | 'notifier' | 'policy' | 'gate' | 'providers'> & {
  providerControl: Pick<ProviderControl, 'request'>;
};

/**
 * Counts one `email_sent` event of our Instantly campaign toward the day's provider-side total
 * (every step, not only the first email CAIO adds), idempotently by event id. When the policy
 * sends for real and the total passes the effective cap: one CRITICAL alert and the Instantly
 * campaign is paused, once a day. Events of other campaigns are not ours to count.
 */
export async function countProviderSend(deps: ProviderSendDeps, event: { id: string; campaign_id: string | null; at: string }): Promise<void> {
  const campaign = deps.providers.campaigns.instantly;
  if (!campaign || event.campaign_id !== campaign.id) return;
  const at = new Date(event.at);
  const { day, cap } = await deps.gate.sendsToday(Number.isNaN(at.getTime()) ? new Date() : at);
  const sends = createProviderSends(deps.redis, deps.keys);
  const count = await sends.count(day, event.id);
  if (count <= cap) return;
  const safety = await deps.policy.safety();
  if (!safety || safety.shadow_mode || !safety.actually_send) return;
  if (!(await sends.claimCapPause(day))) return;
  const reason = `Instantly sent ${count} emails on ${day}, above the daily cap of ${cap}`;
  deps.logger.error({ day, count, cap, campaign: campaign.id }, 'provider-side sends above the cap: pausing the campaign');
  await deps.notifier.alert('CRITICAL', `${reason} (all steps of campaign ${campaign.id}): the campaign is being paused. Check its daily_limit in Instantly; /caio resume activates it again.`, { day, count, cap });
  await deps.providerControl.request('pause', 'system', `cap: ${reason}`, ['instantly']);
}

/** Today's provider-side total (all steps), for status. */
export async function providerSendsToday(deps: Pick<ProviderSendDeps, 'redis' | 'keys' | 'gate'>): Promise<{ day: string; count: number; cap: number }> {
  const { day, cap } = await deps.gate.sendsToday();
  return { day, count: await createProviderSends(deps.redis, deps.keys).total(day), cap };
}
