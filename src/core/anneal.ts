import { createHash } from 'node:crypto';
import type { AutonomyConfig, IcpConfig } from './config.ts';
import { ICP_FEATURES, scoreFractions, tierFor } from './icp-score.ts';
import type { LeadOutcome } from './segment-kpis.ts';
import type { IcpTier } from './types.ts';

/**
 * Self-annealing (issue 12, point 4): compares reply and positive-reply rates of leads that have
 * an ICP feature with those that lack it, and proposes new weights. Each change is bounded
 * (`anneal.max_change`) and only made where the difference is clear (a two-proportion z test),
 * so noise never moves a weight. Pure: the caller loads the outcomes and applies nothing itself.
 */

export type Feature = (typeof ICP_FEATURES)[number];

/** A lead "has" a feature when it earned at least this share of its weight. */
const HAS_FEATURE = 0.5;

/** How strongly a relative lift in reply rate moves the weight (capped by max_change). */
const LIFT_TO_CHANGE = 0.5;

export interface Group {
  n: number;
  replied: number;
  positive: number;
}

export interface FeatureEvidence {
  feature: Feature;
  with: Group;
  without: Group;
  /** Reply rate with minus without (null: a group is empty). */
  reply_lift: number | null;
  reply_z: number;
  positive_lift: number | null;
  positive_z: number;
  /** Relative change proposed, e.g. 0.2 for +20%. */
  change: number;
  before: number;
  after: number;
  verdict: 'up' | 'down' | 'hold' | 'not_enough_data';
  why: string;
}

export interface AnnealProposal {
  /** The outcome window compared (ms, inclusive): the same window re-read tells whether the data changed. */
  window: { from: number; to: number };
  mailed: number;
  replied: number;
  positive: number;
  features: FeatureEvidence[];
  before: IcpConfig['weights'];
  after: IcpConfig['weights'];
  /** Leads of the window (mailed or not) whose tier the new weights would change. */
  tier_changes: { leads: number; changed: number; moves: Record<string, number> };
  /** Any weight moves. */
  changed: boolean;
  /** Hash of the data the proposal rests on. */
  fingerprint: string;
  /** Why there is no proposal (not enough data); null when there is one. */
  not_enough_data: string | null;
}

/** Two-proportion z score of a1/n1 against a2/n2 (0 when either group is empty or nothing varies). */
export function zScore(a1: number, n1: number, a2: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 0;
  const p = (a1 + a2) / (n1 + n2);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  return se === 0 ? 0 : (a1 / n1 - a2 / n2) / se;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** before x (1 + change), rounded to 0.1 without ever leaving the bound. */
function bounded(before: number, change: number, max: number): number {
  const target = before * (1 + change);
  const rounded = round1(target);
  const limit = (v: number) => Math.abs(v - before) <= before * max + 1e-9;
  if (limit(rounded)) return Math.max(0, rounded);
  return Math.max(0, change > 0 ? Math.floor(target * 10) / 10 : Math.ceil(target * 10) / 10);
}

function evidence(feature: Feature, mailed: LeadOutcome[], weights: IcpConfig['weights'], config: AutonomyConfig['anneal'], overall: { reply: number; positive: number }): FeatureEvidence {
  const group = (has: boolean): Group => {
    const leads = mailed.filter((o) => ((o.features[feature] ?? 0) >= HAS_FEATURE) === has);
    return { n: leads.length, replied: leads.filter((o) => o.replied).length, positive: leads.filter((o) => o.positive).length };
  };
  const w = group(true);
  const wo = group(false);
  const before = weights[feature];
  const rate = (a: number, n: number) => (n > 0 ? a / n : null);
  const lift = (a1: number, n1: number, a2: number, n2: number) => {
    const r1 = rate(a1, n1);
    const r2 = rate(a2, n2);
    return r1 === null || r2 === null ? null : r1 - r2;
  };
  const base = {
    feature,
    with: w,
    without: wo,
    reply_lift: lift(w.replied, w.n, wo.replied, wo.n),
    reply_z: zScore(w.replied, w.n, wo.replied, wo.n),
    positive_lift: lift(w.positive, w.n, wo.positive, wo.n),
    positive_z: zScore(w.positive, w.n, wo.positive, wo.n),
    before,
  };
  if (w.n < config.min_group || wo.n < config.min_group) {
    return { ...base, change: 0, after: before, verdict: 'not_enough_data', why: `not enough data (${Math.min(w.n, wo.n)}/${config.min_group} leads on the smaller side)` };
  }
  // The clearer of the two signals decides: replies, or positive replies once people mark them.
  const useReply = Math.abs(base.reply_z) >= Math.abs(base.positive_z);
  const z = useReply ? base.reply_z : base.positive_z;
  const liftValue = (useReply ? base.reply_lift : base.positive_lift) ?? 0;
  const overallRate = useReply ? overall.reply : overall.positive;
  if (Math.abs(z) < config.min_z || overallRate <= 0) {
    return { ...base, change: 0, after: before, verdict: 'hold', why: `no clear difference (z ${z.toFixed(2)}, needs ${config.min_z})` };
  }
  const change = Math.max(-config.max_change, Math.min(config.max_change, (liftValue / overallRate) * LIFT_TO_CHANGE));
  const after = bounded(before, change, config.max_change);
  const what = useReply ? 'reply' : 'positive-reply';
  return {
    ...base,
    change: before > 0 ? (after - before) / before : 0,
    after,
    verdict: after > before ? 'up' : after < before ? 'down' : 'hold',
    why: `${what} rate ${(((useReply ? w.replied : w.positive) / w.n) * 100).toFixed(1)}% with it vs ${(((useReply ? wo.replied : wo.positive) / wo.n) * 100).toFixed(1)}% without (z ${z.toFixed(2)})`,
  };
}

/** How many of these leads would land in another tier under the new weights (e.g. "B→A": 3). */
export function tierChanges(outcomes: LeadOutcome[], icp: IcpConfig, after: IcpConfig['weights']): AnnealProposal['tier_changes'] {
  const moves: Record<string, number> = {};
  let changed = 0;
  for (const o of outcomes) {
    const from: IcpTier = tierFor(scoreFractions(o.features, icp.weights), icp.tiers);
    const to: IcpTier = tierFor(scoreFractions(o.features, after), icp.tiers);
    if (from === to) continue;
    changed++;
    moves[`${from}→${to}`] = (moves[`${from}→${to}`] ?? 0) + 1;
  }
  return { leads: outcomes.length, changed, moves };
}

/** Proposes new ICP weights from the outcomes of one window (every lead of it: mailed or not). */
export function proposeWeights(outcomes: LeadOutcome[], icp: IcpConfig, config: AutonomyConfig['anneal'], window: { from: number; to: number }, policyVersion: number | null): AnnealProposal {
  const mailed = outcomes.filter((o) => o.mailed);
  const replied = mailed.filter((o) => o.replied).length;
  const positive = mailed.filter((o) => o.positive).length;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ v: policyVersion, w: icp.weights, window, o: outcomes.map((o) => [o.ref, o.mailed, o.replied, o.positive]).sort() }))
    .digest('hex')
    .slice(0, 16);
  const overall = { reply: mailed.length > 0 ? replied / mailed.length : 0, positive: mailed.length > 0 ? positive / mailed.length : 0 };
  const features = ICP_FEATURES.map((f) => evidence(f, mailed, icp.weights, config, overall));
  const after = { ...icp.weights };
  const enough = mailed.length >= config.min_leads;
  if (enough) for (const f of features) after[f.feature] = f.after;
  const changed = enough && features.some((f) => f.after !== f.before);
  return {
    window,
    mailed: mailed.length,
    replied,
    positive,
    features,
    before: icp.weights,
    after,
    tier_changes: tierChanges(outcomes, icp, after),
    changed,
    fingerprint,
    not_enough_data: enough ? null : `not enough data (${mailed.length}/${config.min_leads} mailed leads)`,
  };
}
