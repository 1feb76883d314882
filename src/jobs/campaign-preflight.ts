import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Audit } from '../core/audit.ts';
import { campaignProblems, campaignStatusName, emailStepCount, type CampaignCheck } from '../core/campaign.ts';
import type { Config } from '../core/config.ts';
import { ProviderDeferredError } from '../core/http-client.ts';
import type { Keys } from '../core/keys.ts';
import type { Logger } from '../core/logger.ts';
import type { Notifier } from '../core/notifier.ts';
import type { PolicyStore } from '../core/policy.ts';
import { createPreflightStore, type PreflightResult } from '../core/preflight-store.ts';
import type { SafetyGate } from '../core/safety-gate.ts';
import type { CampaignRead } from '../providers/campaign-types.ts';
import type { Providers } from '../providers/types.ts';
import { describeError as describe } from './provider-pause.ts';

/**
 * Campaign preflight (DESIGN §9): before the first live send of each process and then at least
 * every `providers.preflight_interval_ms`, the Instantly campaign is read and checked
 * (src/core/campaign.ts). The result is shared through Redis, so every process agrees; while it
 * fails, live sends park and one CRITICAL alert names the campaign and each failing check.
 */
export type { PreflightResult } from '../core/preflight-store.ts';

export type CampaignPreflightDeps = {
  config: Config;
  logger: Logger;
  redis: Redis;
  keys: Keys;
  audit: Audit;
  notifier: Notifier;
  policy: Pick<PolicyStore, 'safety'>;
  gate: Pick<SafetyGate, 'sendsToday'>;
  providers: Pick<Providers, 'campaigns'>;
};

export interface CampaignPreflight {
  /**
   * Whether a live send may go ahead now: true when the policy does not send for real (shadow
   * mode records only), else the shared result, refreshed when it is older than the interval.
   */
  ready(): Promise<boolean>;
  /** When a send parked by a failing preflight should look again. */
  recheckAt(): number;
  /** Reads and checks the campaign now, stores the result, alerts on a change, and syncs daily_limit. */
  check(): Promise<PreflightResult | null>;
  /** `check()` when the policy sends for real (`/caio resume`); nothing in shadow mode, where it gates nothing. */
  checkIfLive(): Promise<void>;
  /** The shared result, as last stored (null before any check). */
  last(): Promise<PreflightResult | null>;
  /** Keeps the campaign's daily_limit at the effective cap (PATCH when they differ). */
  syncDailyLimit(): Promise<void>;
  /** One look by the periodic watch: a stale result is refreshed, else daily_limit synced. */
  tick(): Promise<void>;
}

/** A local copy of the shared result is trusted this long, so a burst of sends costs one Redis read. */
const LOCAL_CACHE_MS = 1_000;

const READ_FAILURES: Record<Exclude<CampaignRead, { ok: true }>['reason'], CampaignCheck> = {
  not_found: 'campaign_exists',
  unauthorized: 'api_key',
  malformed: 'readable',
};

export function createCampaignPreflight(deps: CampaignPreflightDeps): CampaignPreflight {
  const { config, logger } = deps;
  const shared = createPreflightStore(deps.redis, deps.keys);
  const settings = config.providers;
  const campaign = deps.providers.campaigns.instantly;
  let firstCheck: Promise<PreflightResult | null> | null = null;
  let local: { at: number; value: PreflightResult | null } | null = null;
  /** A daily_limit write that failed is not repeated for the same cap before the next interval. */
  let failedSync: { cap: number; at: number } | null = null;

  async function sendsForReal(): Promise<boolean> {
    const safety = await deps.policy.safety();
    return safety !== null && !safety.shadow_mode && safety.actually_send;
  }

  async function last(): Promise<PreflightResult | null> {
    const value = await shared.read();
    local = { at: Date.now(), value };
    return value;
  }

  async function store(result: PreflightResult): Promise<void> {
    await shared.save(result);
    local = { at: Date.now(), value: result };
  }

  function alertText(result: PreflightResult): string {
    const name = result.campaign_name ? `"${result.campaign_name}" (${result.campaign_id})` : result.campaign_id;
    const list = result.problems.map((p, i) => `${i + 1}) ${p.message}`).join('; ');
    const minutes = Math.max(1, Math.round(settings.preflight_interval_ms / 60_000));
    return `Instantly campaign ${name} fails the preflight, so CAIO sends no email until it is fixed: ${list}. Sends resume by themselves at the next check (at most ${minutes} min), or at once with /caio resume.`;
  }

  /** One alert per distinct failing result, cluster-wide; an INFO when it passes again. */
  async function announce(result: PreflightResult): Promise<void> {
    if (result.ok) {
      const was = await shared.clearAlerted();
      if (was) await deps.notifier.alert('INFO', `Instantly campaign ${result.campaign_id} passes the preflight again: sends resume.`, { campaign: result.campaign_id });
      return;
    }
    const signature = createHash('sha256').update(JSON.stringify([result.campaign_id, result.problems])).digest('hex').slice(0, 16);
    const previous = await shared.swapAlerted(signature);
    if (previous === signature) return;
    // Unreachable alone is an outage (the breaker alerts too), not a wrong campaign.
    const level = result.problems.every((p) => p.check === 'reachable') ? 'WARNING' : 'CRITICAL';
    logger.error({ campaign: result.campaign_id, problems: result.problems.map((p) => p.check) }, 'campaign preflight failed: live sends park');
    await deps.notifier.alert(level, alertText(result), { campaign: result.campaign_id, checks: result.problems.map((p) => p.check) });
  }

  async function syncDailyLimit(current?: number | null): Promise<void> {
    if (!campaign || !(await sendsForReal())) return;
    const { cap } = await deps.gate.sendsToday();
    const known = current !== undefined ? current : (await last())?.daily_limit;
    if (known === cap) return;
    if (failedSync?.cap === cap && Date.now() - failedSync.at < settings.preflight_interval_ms) return;
    // One writer per value at a time cluster-wide: a process that finds the same value just claimed leaves it.
    const claim = `${campaign.id}|${cap}`;
    if (!(await shared.claimDailyLimitWrite(claim, settings.preflight_recheck_ms))) return;
    try {
      await campaign.setDailyLimit(cap);
    } catch (err) {
      await shared.releaseDailyLimitWrite();
      failedSync = { cap, at: Date.now() };
      logger.warn({ campaign: campaign.id, cap, error: describe(err) }, 'could not set the campaign daily_limit to the effective cap');
      return;
    }
    failedSync = null;
    const stored = await last();
    if (stored && stored.campaign_id === campaign.id) await store({ ...stored, daily_limit: cap });
    await deps.audit.append({ actor: 'system', action: 'campaign.daily_limit', subject: `instantly:${campaign.id}`, details: { before: known ?? null, after: cap } });
    logger.info({ campaign: campaign.id, before: known ?? null, after: cap }, 'campaign daily_limit set to the effective cap');
  }

  /** One read at a time in this process: the first send and the watch share it. */
  let inflight: Promise<PreflightResult | null> | null = null;
  function check(): Promise<PreflightResult | null> {
    inflight ??= runCheck().finally(() => (inflight = null));
    return inflight;
  }

  async function runCheck(): Promise<PreflightResult | null> {
    if (!campaign) return null;
    const now = new Date().toISOString();
    const base = { campaign_id: campaign.id, campaign_name: null, checked_at: now, status: null, daily_limit: null, email_steps: 0, stop_on_reply: null, stale_error: null };
    let read: CampaignRead;
    try {
      read = await campaign.read();
    } catch (err) {
      const previous = await last();
      // The emergency stop forbids the read; the gate refuses every send anyway, so nothing is stored or alerted.
      if (err instanceof ProviderDeferredError && err.code === 'EMERGENCY_STOPPED') return previous;
      // Passing trouble (5xx, no answer, breaker open): the last definite answer stands.
      if (previous && previous.campaign_id === campaign.id && !previous.problems.some((p) => p.check === 'reachable')) {
        const kept = { ...previous, stale_error: describe(err) };
        await store(kept);
        logger.warn({ campaign: campaign.id, error: describe(err) }, 'could not read the campaign: keeping the last preflight result');
        return kept;
      }
      const result: PreflightResult = { ...base, ok: false, problems: [{ check: 'reachable', message: `the campaign could not be read (${describe(err)})` }] };
      await store(result);
      await announce(result);
      return result;
    }
    let result: PreflightResult;
    if (!read.ok) {
      result = { ...base, ok: false, problems: [{ check: READ_FAILURES[read.reason], message: read.detail }] };
    } else {
      const c = read.campaign;
      const problems = campaignProblems(c);
      result = { ...base, campaign_name: c.name, ok: problems.length === 0, problems, status: c.status, daily_limit: c.daily_limit, email_steps: emailStepCount(c), stop_on_reply: c.stop_on_reply };
    }
    await store(result);
    logger.info({ campaign: campaign.id, ok: result.ok, checks: result.problems.map((p) => p.check), status: campaignStatusName(result.status) }, 'campaign preflight');
    await announce(result);
    if (read.ok) await syncDailyLimit(read.campaign.daily_limit);
    return result;
  }

  /** One process refreshes a stale result at a time; the others use the shared one meanwhile. */
  async function refreshIfStale(result: PreflightResult | null): Promise<PreflightResult | null> {
    if (!campaign) return null;
    // An unreachable campaign is looked at again every recheck period, not once an interval.
    const definite = result && result.campaign_id === campaign.id && !result.problems.some((p) => p.check === 'reachable');
    const fresh = definite && Date.now() - Date.parse(result.checked_at) < settings.preflight_interval_ms;
    if (fresh) return result;
    const token = randomBytes(8).toString('hex');
    // Expires by itself (no release): at most one read per recheck period, cluster-wide.
    if (!(await shared.claimRefresh(token, settings.preflight_recheck_ms))) return result;
    return check();
  }

  return {
    async ready() {
      if (!campaign || !(await sendsForReal())) return true;
      // Before this process's first send: a fresh read, whatever the shared result says.
      if (!firstCheck) {
        firstCheck = check();
        firstCheck.catch(() => (firstCheck = null));
      }
      await firstCheck;
      const cached = local && Date.now() - local.at < LOCAL_CACHE_MS ? local.value : await last();
      const result = await refreshIfStale(cached);
      return result?.ok === true && result.campaign_id === campaign.id;
    },
    recheckAt() {
      return Date.now() + settings.preflight_recheck_ms;
    },
    check,
    async checkIfLive() {
      if (campaign && (await sendsForReal())) await check();
    },
    last,
    syncDailyLimit: () => syncDailyLimit(),
    async tick() {
      if (!campaign || !(await sendsForReal())) return;
      const before = await last();
      const after = await refreshIfStale(before);
      // A fresh check syncs daily_limit itself; otherwise compare with the cap (policy, warm-up day).
      if (after === before) await syncDailyLimit();
    },
  };
}

export interface CampaignWatch {
  close(): Promise<void>;
}

/**
 * The periodic look (worker role): refreshes a stale preflight (so the alert and the resume do not
 * wait for a send), keeps daily_limit at the cap when the policy or the warm-up day changes it,
 * and re-queues a lost pause/activate.
 */
export function startCampaignWatch(deps: { logger: Logger; config: Config; preflight: CampaignPreflight; providerControl: { reconcile(): Promise<void> } }): CampaignWatch {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = Promise.all([deps.preflight.tick(), deps.providerControl.reconcile()])
      .then(() => undefined)
      .catch((err: unknown) => deps.logger.warn({ err }, 'campaign watch failed (next tick tries again)'))
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, deps.config.providers.campaign_sync_ms);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
