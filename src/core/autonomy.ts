import type { AutonomyConfig } from './config.ts';
import { ALL, daysBetween, metricOf, type Counters } from './segment-kpis.ts';

/**
 * Graduation gates and the autonomy score (issue 12, point 2): pure functions of the counters in
 * src/core/segment-kpis.ts, so /caio autonomy, App Home, `caio autonomy` and the report show the
 * same numbers. A gate without enough data says so; it never passes on too little.
 */

export type GateId = 'runs' | 'icp_match' | 'open_rate' | 'reply_rate' | 'bounce_rate' | 'days_without_intervention' | 'annealing';
export type GateStatus = 'pass' | 'fail' | 'not_enough_data';

export interface Gate {
  id: GateId;
  label: string;
  /** The measured value (a rate 0..1 or a count); null without data. */
  value: number | null;
  /** The value as shown, e.g. "84.0%". */
  shown: string;
  /** The threshold as shown, e.g. ">= 80.0%". */
  threshold: string;
  /** How much data the value rests on, and how much a verdict needs. */
  sample: { n: number; needed: number; unit: string };
  status: GateStatus;
  /** Its share of the score, 0..1 (a pass is 1; too little data earns nothing for a rate). */
  progress: number;
  /** Anything else worth a line, e.g. how many matches were edits. */
  note?: string;
}

export interface GateInput {
  config: AutonomyConfig;
  /** Counters summed over the last `config.window_days` days. */
  window: Counters;
  runsWithSends: number;
  /** First day anything was counted and the last day with an intervention. */
  interventions: { firstDay: string | null; lastDay: string | null };
  /** The emergency stop is set right now. */
  stopped: boolean;
  /** Today (UTC, YYYY-MM-DD). */
  today: string;
  /** Leads really mailed in the annealing window, and whether a person has reviewed a weight proposal. */
  annealing: { mailed: number; reviewed: boolean };
}

export interface AutonomyReport {
  gates: Gate[];
  /** 0-100: the mean progress of the gates. */
  score: number;
  passed: number;
  allPass: boolean;
  /** The KPIs of the window, for the lines under the table. */
  kpis: WindowKpis;
}

export interface WindowKpis {
  decisions: number;
  approved: number;
  edited: number;
  rejected: number;
  auto: number;
  sent: number;
  opened: number;
  replied: number;
  bounced: number;
  positive: number;
  icp_match_rate: number | null;
  open_rate: number | null;
  reply_rate: number | null;
  bounce_rate: number | null;
  positive_reply_rate: number | null;
}

export const pct = (rate: number | null, digits = 1): string => (rate === null ? '-' : `${(rate * 100).toFixed(digits)}%`);
const ratio = (n: number, d: number): number | null => (d > 0 ? n / d : null);

/** The KPIs of one segment (or `all`) from a set of counters. */
export function kpisOf(counters: Counters, segment = ALL): WindowKpis {
  const m = (metric: Parameters<typeof metricOf>[2]) => metricOf(counters, segment, metric);
  const approved = m('approved');
  const edited = m('edited');
  const rejected = m('rejected');
  const decisions = approved + edited + rejected;
  const sent = m('sent');
  return {
    decisions,
    approved,
    edited,
    rejected,
    auto: m('auto'),
    sent,
    opened: m('opened'),
    replied: m('replied'),
    bounced: m('bounced'),
    positive: m('positive'),
    icp_match_rate: ratio(approved + edited, decisions),
    open_rate: ratio(m('opened'), sent),
    reply_rate: ratio(m('replied'), sent),
    bounce_rate: ratio(m('bounced'), sent),
    positive_reply_rate: ratio(m('positive'), sent),
  };
}

/**
 * Consecutive whole UTC days before today without an intervention, counted from the first day
 * CAIO counted anything. Today breaks the streak when it had an intervention; a system that is
 * stopped right now is not operating, so its streak is 0.
 */
export function daysWithoutIntervention(input: Pick<GateInput, 'interventions' | 'stopped' | 'today'>): number {
  const { firstDay, lastDay } = input.interventions;
  if (input.stopped || firstDay === null) return 0;
  if (lastDay !== null && daysBetween(lastDay, input.today) <= 0) return 0;
  const since = lastDay === null ? daysBetween(firstDay, input.today) : Math.min(daysBetween(firstDay, input.today), daysBetween(lastDay, input.today) - 1);
  return Math.max(0, since);
}

function rateGate(
  id: GateId,
  label: string,
  value: number | null,
  n: number,
  needed: number,
  unit: string,
  threshold: number,
  direction: 'min' | 'max',
): Gate {
  const thresholdShown = `${direction === 'min' ? '>=' : '<'} ${pct(threshold)}`;
  if (n < needed || value === null) {
    return { id, label, value, shown: pct(value), threshold: thresholdShown, sample: { n, needed, unit }, status: 'not_enough_data', progress: 0 };
  }
  const pass = direction === 'min' ? value >= threshold : value < threshold;
  // How close a failing rate is, so the score moves as it improves (never 1 without a pass).
  const closeness = direction === 'min' ? (threshold > 0 ? value / threshold : 1) : value > 0 ? threshold / value : 1;
  return { id, label, value, shown: pct(value), threshold: thresholdShown, sample: { n, needed, unit }, status: pass ? 'pass' : 'fail', progress: pass ? 1 : Math.min(0.99, Math.max(0, closeness)) };
}

function countGate(id: GateId, label: string, value: number, needed: number, unit: string, failed: boolean): Gate {
  const status: GateStatus = value >= needed ? 'pass' : failed ? 'fail' : 'not_enough_data';
  return { id, label, value, shown: String(value), threshold: `>= ${needed}`, sample: { n: value, needed, unit }, status, progress: needed > 0 ? Math.min(1, value / needed) : 1 };
}

/** Every gate with its value, threshold, sample size and verdict, and the score. */
export function evaluateGates(input: GateInput): AutonomyReport {
  const c = input.config;
  const k = kpisOf(input.window);
  const streak = daysWithoutIntervention(input);
  const interveneToday = input.stopped || (input.interventions.lastDay !== null && daysBetween(input.interventions.lastDay, input.today) <= 0);
  const icp = rateGate('icp_match', 'ICP match rate', k.icp_match_rate, k.decisions, c.min_sample_decisions, 'decisions', c.min_icp_match_rate, 'min');
  if (k.decisions > 0) icp.note = `${k.edited} edited (${pct(ratio(k.edited, k.decisions))}), ${k.rejected} rejected`;
  const annealing: Gate =
    input.annealing.mailed < c.anneal.min_leads
      ? { id: 'annealing', label: 'self-annealing loop', value: null, shown: '-', threshold: 'reviewed', sample: { n: input.annealing.mailed, needed: c.anneal.min_leads, unit: 'mailed leads' }, status: 'not_enough_data', progress: 0 }
      : {
          id: 'annealing',
          label: 'self-annealing loop',
          value: input.annealing.reviewed ? 1 : 0,
          shown: input.annealing.reviewed ? 'reviewed' : 'not reviewed',
          threshold: 'reviewed',
          sample: { n: input.annealing.mailed, needed: c.anneal.min_leads, unit: 'mailed leads' },
          status: input.annealing.reviewed ? 'pass' : 'fail',
          progress: input.annealing.reviewed ? 1 : 0.5,
          ...(input.annealing.reviewed ? {} : { note: 'no weight proposal applied or dismissed yet: /caio anneal' }),
        };
  const gates: Gate[] = [
    countGate('runs', 'production runs with real sends', input.runsWithSends, c.min_runs, 'runs', false),
    icp,
    rateGate('open_rate', 'open rate', k.open_rate, k.sent, c.min_sample_sends, 'sends', c.min_open_rate, 'min'),
    rateGate('reply_rate', 'reply rate', k.reply_rate, k.sent, c.min_sample_sends, 'sends', c.min_reply_rate, 'min'),
    rateGate('bounce_rate', 'bounce rate', k.bounce_rate, k.sent, c.min_sample_sends, 'sends', c.max_bounce_rate, 'max'),
    countGate('days_without_intervention', 'days without intervention', streak, c.min_days_without_intervention, 'days', interveneToday),
    annealing,
  ];
  const passed = gates.filter((g) => g.status === 'pass').length;
  const score = Math.round((100 * gates.reduce((sum, g) => sum + g.progress, 0)) / gates.length);
  return { gates, score, passed, allPass: passed === gates.length, kpis: k };
}

/** The verdict column: "pass", "FAIL" or "not enough data (n/N)". */
export function verdict(gate: Gate): string {
  if (gate.status === 'not_enough_data') return `not enough data (${gate.sample.n}/${gate.sample.needed})`;
  return gate.status === 'pass' ? 'pass' : 'FAIL';
}

/** One segment's line: what it earned toward auto-approval and how its emails do. */
export interface SegmentRow {
  segment: string;
  /** Decisions since it last lost auto-approval, and how many of them were approved unedited. */
  decisions: number;
  clean: number;
  clean_rate: number | null;
  kpis: WindowKpis;
  /** Enabled: who and when; null: a person approves every email. */
  enabled: { by: string; at: string } | null;
}

/** Whether a segment has earned a proposal: enough decisions, enough of them clean, and every global gate passing. */
export function segmentEarned(config: AutonomyConfig, earning: Counters, segment: string, report: Pick<AutonomyReport, 'allPass'>): { earned: boolean; decisions: number; clean: number; clean_rate: number | null; why: string } {
  const decisions = metricOf(earning, segment, 'approved') + metricOf(earning, segment, 'edited') + metricOf(earning, segment, 'rejected');
  const clean = metricOf(earning, segment, 'approved');
  const cleanRate = ratio(clean, decisions);
  const base = { decisions, clean, clean_rate: cleanRate };
  if (decisions < config.min_decisions) return { ...base, earned: false, why: `not enough data (${decisions}/${config.min_decisions} decisions)` };
  if ((cleanRate ?? 0) < config.min_clean_rate) return { ...base, earned: false, why: `${pct(cleanRate)} approved unedited (needs ${pct(config.min_clean_rate)})` };
  if (!report.allPass) return { ...base, earned: false, why: 'the global gates do not all pass' };
  return { ...base, earned: true, why: `${clean} of ${decisions} approved unedited` };
}

/** Counters of a segment's emails at the moment it was enabled: its rates are judged on what came after. */
export interface Baseline {
  sent: number;
  bounced: number;
  replied: number;
}

/**
 * Why an auto-approving segment must lose it (null: it keeps it): its bounce rate since it was
 * enabled crossed the gate, or its reply rate fell below half the gate (each judged once
 * `segment_min_sends` emails went out since).
 */
export function revocationReason(config: AutonomyConfig, total: Counters, segment: string, baseline: Baseline): string | null {
  const sent = metricOf(total, segment, 'sent') - baseline.sent;
  if (sent < Math.max(1, config.segment_min_sends)) return null;
  const bounceRate = (metricOf(total, segment, 'bounced') - baseline.bounced) / sent;
  if (bounceRate >= config.max_bounce_rate) return `bounce rate ${pct(bounceRate)} over ${sent} sends since it was enabled reached the gate (${pct(config.max_bounce_rate)})`;
  const replyRate = (metricOf(total, segment, 'replied') - baseline.replied) / sent;
  if (replyRate < config.min_reply_rate / 2) return `reply rate ${pct(replyRate)} over ${sent} sends since it was enabled fell below half the gate (${pct(config.min_reply_rate / 2)})`;
  return null;
}

function table(rows: string[][], rightAligned: Set<number>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** The gate table as fixed-width text: the CLI prints it, Slack shows it in a code block. */
export function gateTable(report: AutonomyReport, config: Pick<AutonomyConfig, 'window_days'>): string {
  const rows = [['gate', 'value', 'threshold', 'sample', 'status'], ...report.gates.map((g) => [g.label, g.shown, g.threshold, `${g.sample.n} ${g.sample.unit}`, verdict(g)])];
  const k = report.kpis;
  return [
    `Autonomy score ${report.score}/100 · ${report.passed} of ${report.gates.length} gates pass (last ${config.window_days} days, UTC)`,
    ...table(rows, new Set([1, 3])),
    `positive-reply rate ${pct(k.positive_reply_rate)} (${k.positive} of ${k.sent} sends) · ${k.auto} auto-approved · ICP matches: ${k.approved} approved, ${k.edited} edited, ${k.rejected} rejected`,
  ].join('\n');
}

/** The segment table as fixed-width text. */
export function segmentTable(rows: SegmentRow[]): string {
  if (rows.length === 0) return 'No segment has decisions yet.';
  const header = ['segment', 'decisions', 'unedited', 'sent', 'open', 'reply', 'bounce', 'auto-approve'];
  const body = rows.map((r) => [
    r.segment,
    String(r.decisions),
    pct(r.clean_rate),
    String(r.kpis.sent),
    pct(r.kpis.open_rate),
    pct(r.kpis.reply_rate),
    pct(r.kpis.bounce_rate),
    r.enabled ? `on since ${r.enabled.at.slice(0, 10)}` : 'off',
  ]);
  return table([header, ...body], new Set([1, 2, 3, 4, 5, 6])).join('\n');
}
