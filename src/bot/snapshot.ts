import type { AppContext } from '../context.ts';
import { utcDay } from '../core/days.ts';
import { checkHealth } from '../health.ts';
import { readKpis } from '../core/kpis.ts';
import { createLinkedInSenders } from '../core/linkedin-senders.ts';
import { loadCampaignStatus } from '../jobs/campaign-status.ts';
import type { CrafterStatus, Snapshot } from './blocks-control.ts';
import { readCrafterDay, readCrafterRun } from '../core/crafter-usage.ts';
import type { Run } from '../core/store.ts';

/** Everything /caio status and App Home show, read fresh from Redis. */
export async function loadSnapshot(ctx: AppContext): Promise<Snapshot> {
  // The webhook KPIs count per UTC day.
  const day = utcDay();
  // Preflight and provider pause state (DESIGN §9); unreadable reads as unknown, never as a failed status.
  const campaign = loadCampaignStatus(ctx).catch(() => null);
  const senders = createLinkedInSenders({ redis: ctx.redis, keys: ctx.keys, linkedin: ctx.config.linkedin, dayMs: ctx.config.cadence.day_ms, senderIds: ctx.config.env.HEYREACH_SENDER_IDS });
  const [health, stop, runs, kpis, policy, linkedin] = await Promise.all([
    checkHealth(ctx),
    ctx.emergency.state(),
    ctx.store.listRuns(5),
    readKpis(ctx.redis, ctx.keys.webhooks, { day }),
    ctx.policy.read(),
    senders.usage().catch(() => null),
  ]);
  const crafter = await loadCrafterStatus(ctx, runs).catch(() => null);
  return { at: new Date().toISOString(), health, stop, runs, policy, kpis: { day, ...kpis }, linkedin, campaign: await campaign, crafter };
}

/** The LLM crafter's figures today and per listed run; `off` when LLM_API_KEY is unset. */
async function loadCrafterStatus(ctx: AppContext, runs: Run[]): Promise<CrafterStatus> {
  if (!ctx.crafter) return { on: false };
  const [today, perRun] = await Promise.all([readCrafterDay(ctx.redis, ctx.keys), Promise.all(runs.map(async (r) => ({ id: r.id, figures: await readCrafterRun(ctx.redis, ctx.keys, r.id) })))]);
  const { budget } = ctx.config.crafter;
  return { on: true, model: ctx.crafter.model, prompt: `v${ctx.crafter.prompts.version} ${ctx.crafter.prompts.hash}`, budget, today, runs: perRun.filter((r) => r.figures.model + r.figures.template > 0) };
}

export interface SnapshotCache {
  /** A snapshot at most `ttlMs` old, loading one if needed (concurrent callers share the load). */
  get(): Promise<Snapshot>;
  /**
   * The cached snapshot without any I/O (so it can go into an ack), or null when there is none
   * younger than `maxAgeMs`. Once it is older than `ttlMs` a refresh starts in the background.
   */
  fresh(): Snapshot | null;
  /** Forgets the cache (after a stop or resume in this process, the next status reads fresh). */
  invalidate(): void;
}

/**
 * /caio status reads through a short cache: a burst of status commands costs one set of Redis
 * reads per second, and nobody waits for that refresh while a recent answer exists.
 */
export function createSnapshotCache(ctx: AppContext, ttlMs = 1_000, maxAgeMs = 3_000): SnapshotCache {
  let loading: { at: number; value: Promise<Snapshot> } | null = null;
  let done: { at: number; value: Snapshot } | null = null;
  const cache: SnapshotCache = {
    get() {
      const now = Date.now();
      if (loading && now - loading.at < ttlMs) return loading.value;
      const at = now;
      const value = loadSnapshot(ctx);
      loading = { at, value };
      value.then(
        (snapshot) => (done = { at, value: snapshot }),
        () => (loading = null),
      );
      return value;
    },
    fresh() {
      if (!done) return null;
      const age = Date.now() - done.at;
      if (age >= ttlMs) cache.get().catch((err: unknown) => ctx.logger.warn({ err }, 'status snapshot refresh failed'));
      return age < maxAgeMs ? done.value : null;
    },
    invalidate() {
      loading = null;
      done = null;
    },
  };
  return cache;
}
