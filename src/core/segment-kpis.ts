import type { Redis } from 'ioredis';
import { utcDay, type UtcDay } from './days.ts';
import { createLeadIndex } from './lead-index.ts';
import type { Keys } from './keys.ts';
import type { Notifier } from './notifier.ts';
import { loadScripts } from './lua.ts';
import { tickBatch } from './tick-batch.ts';
import type { IcpScore, Lead } from './types.ts';

/**
 * KPI counters per day, campaign and segment (issue 12, point 1). A segment is the lead's source
 * times its ICP tier, e.g. `competitor_gong/A`. Every counter is a hash field `{segment}|{metric}`
 * (and `all|{metric}` for the whole system), so a day, a campaign or the lifetime totals are one
 * HGETALL each: cheap enough for App Home and /caio autonomy.
 */

/** Decision metrics: a person's approve (unedited), edit or reject; `auto` is an auto-approval (no person). */
export const DECISION_METRICS = ['approved', 'edited', 'rejected', 'auto'] as const;
/** Email metrics, one per Instantly event; `positive` is a reply a person marked Interested. */
export const EMAIL_METRICS = ['sent', 'opened', 'replied', 'bounced', 'unsubscribed', 'positive'] as const;
/** Interventions counted on the day they happen (all-system only). */
export const INTERVENTION_METRICS = ['stop', 'resume', 'critical'] as const;

export type DecisionMetric = (typeof DECISION_METRICS)[number];
export type EmailMetric = (typeof EMAIL_METRICS)[number];
export type InterventionMetric = (typeof INTERVENTION_METRICS)[number];
export type Metric = DecisionMetric | EmailMetric | InterventionMetric;

/** Counters of one scope (a day, a campaign, all time): segment → metric → count; `all` is the total. */
export type Counters = Record<string, Partial<Record<Metric, number>>>;

export const ALL = 'all';

/** How long day and campaign counters and the per-lead outcome records are kept. */
const RETENTION_S = 400 * 24 * 3600;
const LEAD_RETENTION_S = 120 * 24 * 3600;
const COUNTED_TTL_S = 30 * 24 * 3600;
const DAY_MS = 86_400_000;

/** The segment of a lead: its source and ICP tier (`unscored` before the segment stage). */
export function segmentOf(lead: Pick<Lead, 'source'> & { icp?: Pick<IcpScore, 'tier'> | undefined }): string {
  return `${lead.source}/${lead.icp?.tier ?? 'unscored'}`;
}

/** `competitor_gong/A` → its parts; null for anything else. */
export function parseSegment(id: string): { source: string; tier: string } | null {
  const m = /^([a-z0-9_]+)\/(A|B|C|disqualified|unscored)$/.exec(id);
  return m ? { source: m[1]!, tier: m[2]! } : null;
}

/** The `n` UTC days ending with `last`, oldest first. */
export function daysEnding(last: Date, n: number): UtcDay[] {
  const end = Date.UTC(last.getUTCFullYear(), last.getUTCMonth(), last.getUTCDate());
  return Array.from({ length: n }, (_, i) => utcDay(end - (n - 1 - i) * DAY_MS));
}

/** Whole UTC days from `a` to `b` (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

function parseCounters(hash: Record<string, string>): Counters {
  const out: Counters = {};
  for (const [field, value] of Object.entries(hash)) {
    const at = field.lastIndexOf('|');
    if (at <= 0) continue;
    const segment = field.slice(0, at);
    const metric = field.slice(at + 1) as Metric;
    (out[segment] ??= {})[metric] = Number(value);
  }
  return out;
}

/** Adds counters (for a range of days). */
export function sumCounters(list: Counters[]): Counters {
  const out: Counters = {};
  for (const counters of list) {
    for (const [segment, metrics] of Object.entries(counters)) {
      const into = (out[segment] ??= {});
      for (const [metric, n] of Object.entries(metrics) as [Metric, number][]) into[metric] = (into[metric] ?? 0) + n;
    }
  }
  return out;
}

/** One count of a metric, 0 when absent. */
export const metricOf = (counters: Counters, segment: string, metric: Metric): number => counters[segment]?.[metric] ?? 0;

/** A lead's features and outcomes, as the annealing reads them. */
export interface LeadOutcome {
  ref: string;
  segment: string;
  /** When it reached approval (ms). */
  at: number;
  /** Share (0..1) of each ICP component the lead earned, whatever the weights were. */
  features: Record<string, number>;
  mailed: boolean;
  replied: boolean;
  positive: boolean;
  bounced: boolean;
}

/** Who an Instantly event is about, in segment terms. */
export interface LeadSegment {
  ref: string;
  segment: string;
  runId: string | null;
  /** The lead has an outcome record (it reached approval since these records exist). */
  recorded: boolean;
}

/** The outcome field an email metric sets on the lead's record. */
const OUTCOME_FIELD: Partial<Record<EmailMetric, string>> = { sent: 'mailed', replied: 'replied', positive: 'positive', bounced: 'bounced' };

export interface SegmentKpis {
  /** Counts one approval decision (once: the caller records only the decision that applied). */
  recordDecision(segment: string, metric: DecisionMetric, at?: Date): Promise<void>;
  /**
   * Counts one email event of a lead's segment for its day and campaign, once per `eventId`
   * (a redelivered webhook or a retried job counts nothing twice), and marks the outcome on the
   * lead's record when `ref` names one (`LeadSegment.recorded`). Returns false when already counted.
   */
  recordEmailEvent(input: { eventId: string; segment: string; metric: EmailMetric; day: UtcDay; campaignId: string | null; ref?: string | null }): Promise<boolean>;
  /** Marks today (or `at`'s day) as a day with an intervention. */
  recordIntervention(metric: InterventionMetric, at?: Date): Promise<void>;
  /** A run that really sent an email (counted once). */
  recordRunWithSends(runId: string): Promise<void>;
  /** Stores the lead's features and segment when it reaches approval (for annealing and event lookups). */
  recordLead(input: { ref: string; runId: string; segment: string; features: Record<string, number>; at?: Date }): Promise<void>;
  /** The segment of the lead CAIO mailed at this address (its own record, else the lead itself); null if unknown. */
  segmentForEmail(email: string): Promise<LeadSegment | null>;
  segmentForRef(ref: string): Promise<LeadSegment | null>;
  /** Counters of each of these days, in the same order. */
  readDays(days: UtcDay[]): Promise<Counters[]>;
  readTotal(): Promise<Counters>;
  readCampaign(campaignId: string): Promise<Counters>;
  /** Decisions since each segment last lost auto-approval. */
  readEarning(): Promise<Counters>;
  /** Forgets a segment's earning decisions (it lost auto-approval: it earns it from zero). */
  resetEarning(segment: string): Promise<void>;
  runsWithSends(): Promise<number>;
  /** Leads first mailed between these times (ms). */
  mailedBetween(fromMs: number, toMs: number): Promise<number>;
  /** The first day anything was counted, and the latest day with an intervention (null: none). */
  interventions(): Promise<{ firstDay: string | null; lastDay: string | null }>;
  /** Leads that reached approval between these times (ms), with their outcomes. */
  outcomes(fromMs: number, toMs: number): Promise<LeadOutcome[]>;
}

/** Counts in one MULTI: the day, the lifetime totals, and the campaign when given, each for the segment and `all`. */
function countInto(multi: ReturnType<Redis['multi']>, keys: string[], segment: string, metric: Metric, expire: boolean, by = 1): void {
  for (const key of keys) {
    multi.hincrby(key, `${segment}|${metric}`, by);
    if (segment !== ALL) multi.hincrby(key, `${ALL}|${metric}`, by);
    if (expire) multi.expire(key, RETENTION_S);
  }
}

type DecisionCount = { segment: string; metric: DecisionMetric; day: UtcDay };
type LeadRecord = { ref: string; runId: string; segment: string; features: Record<string, number>; at: Date };

export function createSegmentKpis(redis: Redis, allKeys: Pick<Keys, 'autonomy' | 'leadByEmail' | 'leadByLinkedIn' | 'leadTags' | 'lead'>): SegmentKpis {
  const keys = allKeys.autonomy;
  const leadIndex = createLeadIndex(redis, allKeys);
  // The decisions of one event-loop tick are counted in one MULTI, the same ones together (HINCRBY
  // by their number): a pipeline auto-approving many leads at once costs a few commands, not ten each.
  const countDecisions = tickBatch(async (decisions: DecisionCount[]) => {
    const groups = new Map<string, DecisionCount & { n: number }>();
    for (const d of decisions) {
      const id = `${d.day}|${d.segment}|${d.metric}`;
      const group = groups.get(id);
      if (group) group.n++;
      else groups.set(id, { ...d, n: 1 });
    }
    const multi = redis.multi();
    // Oldest day first, so the first-day marker is the day counted first.
    for (const { segment, metric, day, n } of [...groups.values()].sort((a, b) => a.day.localeCompare(b.day))) {
      countInto(multi, [keys.day(day)], segment, metric, true, n);
      countInto(multi, [keys.total, keys.earning], segment, metric, false, n);
      // A rejected or edited email is an intervention: the streak of days without one starts again.
      if (metric === 'rejected' || metric === 'edited') multi.zadd(keys.interventions, Date.parse(`${day}T00:00:00Z`), day);
      multi.set(keys.firstDay, day, 'NX');
    }
    await multi.exec();
    return decisions.map(() => undefined);
  });
  // The leads of one tick in one script call (lua/record-kpi-leads.lua), the old ones trimmed from the index once.
  const scripts = loadScripts(redis);
  const recordLeads = tickBatch(async (leads: LeadRecord[]) => {
    const latest = Math.max(...leads.map((l) => l.at.getTime()));
    await scripts.recordKpiLeads(
      { index: keys.leads },
      { ttlS: LEAD_RETENTION_S, dropBeforeMs: latest - LEAD_RETENTION_S * 1000 },
      { keys: leads.map((l) => keys.lead(l.ref)), args: leads.flatMap((l) => [l.ref, l.at.getTime(), l.segment, l.runId, JSON.stringify(l.features)]) },
    );
    return leads.map(() => undefined);
  });
  const kpis: SegmentKpis = {
    async recordDecision(segment, metric, at = new Date()) {
      await countDecisions({ segment, metric, day: utcDay(at) });
    },
    async recordEmailEvent({ eventId, segment, metric, day, campaignId, ref }) {
      const first = await redis.set(keys.counted(eventId), '1', 'EX', COUNTED_TTL_S, 'NX');
      if (first !== 'OK') return false;
      const multi = redis.multi();
      countInto(multi, [keys.day(day), ...(campaignId ? [keys.campaign(campaignId)] : [])], segment, metric, true);
      countInto(multi, [keys.total], segment, metric, false);
      const outcome = ref ? OUTCOME_FIELD[metric] : undefined;
      if (ref && outcome) multi.hset(keys.lead(ref), outcome, '1');
      // The first email of a lead makes it one more outcome the annealing can learn from.
      if (ref && metric === 'sent') multi.zadd(keys.mailed, 'NX', Date.parse(`${day}T00:00:00Z`), ref);
      multi.set(keys.firstDay, day, 'NX');
      await multi.exec();
      return true;
    },
    async recordIntervention(metric, at = new Date()) {
      const day = utcDay(at);
      const multi = redis.multi();
      countInto(multi, [keys.day(day)], ALL, metric, true);
      multi.zadd(keys.interventions, Date.parse(`${day}T00:00:00Z`), day);
      await multi.exec();
    },
    async recordRunWithSends(runId) {
      await redis.sadd(keys.runsWithSends, runId);
    },
    async recordLead({ ref, runId, segment, features, at = new Date() }) {
      await recordLeads({ ref, runId, segment, features, at });
    },
    async segmentForEmail(email) {
      const ref = await leadIndex.refByEmail(email);
      return ref ? kpis.segmentForRef(ref) : null;
    },
    async segmentForRef(ref) {
      const [segment, run] = await redis.hmget(keys.lead(ref), 'segment', 'run');
      if (segment) return { ref, segment, runId: run ?? null, recorded: true };
      // A lead approved before these records existed: its own fields say the same.
      const [source, icp, runId] = await redis.hmget(allKeys.lead(ref), 'source', 'icp', 'runId');
      if (!source) return null;
      const parse = (v: string | null | undefined) => (v ? (JSON.parse(v) as unknown) : undefined);
      return { ref, segment: segmentOf({ source: parse(source) as Lead['source'], icp: parse(icp) as IcpScore | undefined }), runId: (parse(runId) as string | undefined) ?? null, recorded: false };
    },
    async readDays(days) {
      const hashes = await Promise.all(days.map((day) => redis.hgetall(keys.day(day))));
      return hashes.map(parseCounters);
    },
    async readTotal() {
      return parseCounters(await redis.hgetall(keys.total));
    },
    async readCampaign(campaignId) {
      return parseCounters(await redis.hgetall(keys.campaign(campaignId)));
    },
    async readEarning() {
      return parseCounters(await redis.hgetall(keys.earning));
    },
    async resetEarning(segment) {
      await redis.hdel(keys.earning, ...DECISION_METRICS.map((m) => `${segment}|${m}`));
    },
    async runsWithSends() {
      return redis.scard(keys.runsWithSends);
    },
    async mailedBetween(fromMs, toMs) {
      return redis.zcount(keys.mailed, String(fromMs), String(toMs));
    },
    async interventions() {
      const [firstDay, last] = await Promise.all([redis.get(keys.firstDay), redis.zrange(keys.interventions, '-1', '-1')]);
      return { firstDay, lastDay: last[0] ?? null };
    },
    async outcomes(fromMs, toMs) {
      const refs = await redis.zrangebyscore(keys.leads, String(fromMs), String(toMs));
      const rows = await Promise.all(refs.map((ref) => redis.hgetall(keys.lead(ref))));
      return rows.flatMap((row, i) => {
        if (!row.segment || !row.features) return [];
        return [
          {
            ref: refs[i]!,
            segment: row.segment,
            at: Number(row.at),
            features: JSON.parse(row.features) as Record<string, number>,
            mailed: row.mailed === '1',
            replied: row.replied === '1',
            positive: row.positive === '1',
            bounced: row.bounced === '1',
          },
        ];
      });
    },
  };
  return kpis;
}

/**
 * A notifier that also marks the day of every CRITICAL alert as a day with an intervention.
 * CAIO has no acknowledgement of alerts, so a CRITICAL alert counts as unresolved on its day.
 */
export function countingCriticalAlerts<N extends Notifier>(notifier: N, kpis: Pick<SegmentKpis, 'recordIntervention'>, onError: (err: unknown) => void): N {
  const alert: Notifier['alert'] = async (level, text, details) => {
    if (level === 'CRITICAL') await kpis.recordIntervention('critical').catch(onError);
    return notifier.alert(level, text, details);
  };
  // A proxy, not a copy: everything else still reaches the notifier as it is now (tests spy on it).
  return new Proxy(notifier, { get: (target, prop, receiver) => (prop === 'alert' ? alert : Reflect.get(target, prop, receiver)) });
}

/** A reply a person marked Interested: one positive reply for its lead's segment, the day and its campaign. */
export async function countPositiveReply(kpis: Pick<SegmentKpis, 'segmentForRef' | 'recordEmailEvent'>, reply: { id: string; ref: string; campaign_id: string | null }, at = new Date()): Promise<void> {
  const lead = await kpis.segmentForRef(reply.ref);
  await kpis.recordEmailEvent({ eventId: `positive-${reply.id}`, segment: lead?.segment ?? 'unknown', metric: 'positive', day: utcDay(at), campaignId: reply.campaign_id, ref: lead?.recorded ? lead.ref : null });
}
