import type { IcpConfig } from './config.ts';
import type { IcpScore, IcpTier, Person, ScoreComponent } from './types.ts';

type ComponentName = keyof IcpConfig['weights'];

/** A component before weighting: how much of its weight it earns (0..1) and why. */
interface Assessment {
  fraction: number;
  reason: string;
}

const COMPONENT_ORDER: readonly ComponentName[] = ['title', 'seniority', 'industry', 'company_size', 'signals'];

/** Long provider values would flood a Slack card, so values quoted in reasons are clipped. */
const REASON_VALUE_MAX = 60;

const ADJACENT_TITLE = /\b(marketing|customer success|operations|ops|revops|account|partnerships?|demand gen(eration)?|commercial)\b/;

const SENIORITY_LEVELS = {
  owner: { fraction: 1, label: 'Owner' },
  founder: { fraction: 1, label: 'Founder' },
  c_suite: { fraction: 1, label: 'C-level' },
  partner: { fraction: 1, label: 'Partner' },
  vp: { fraction: 1, label: 'VP-level' },
  head: { fraction: 0.85, label: 'Head-level' },
  director: { fraction: 0.8, label: 'Director-level' },
  manager: { fraction: 0.5, label: 'Manager-level' },
  senior: { fraction: 0.3, label: 'Senior' },
  individual: { fraction: 0.2, label: 'Individual-contributor' },
  entry: { fraction: 0.1, label: 'Entry-level' },
  intern: { fraction: 0, label: 'Intern' },
} as const;

type SeniorityLevel = keyof typeof SENIORITY_LEVELS;

const SENIORITY_ALIASES: Record<string, SeniorityLevel> = {
  csuite: 'c_suite',
  c_level: 'c_suite',
  executive: 'c_suite',
  vice_president: 'vp',
};

/** Checked in order: the first pattern that matches the title decides the level. */
const TITLE_SENIORITY: ReadonlyArray<[RegExp, SeniorityLevel]> = [
  [/\b(ceo|cto|cfo|coo|cmo|cro|cio|cpo|cso|cco|cdo|founder|owner|chief|c-level|c-suite)\b|(?<!vice[\s-])\bpresident\b/, 'c_suite'],
  [/\b(vp|svp|evp|avp|vice[\s-]president)\b/, 'vp'],
  [/\bhead\b/, 'head'],
  [/\bdirector\b/, 'director'],
  [/\bmanager\b/, 'manager'],
];

/** Share of the signals weight each known buying signal earns; the total is capped at 1. */
const SIGNAL_VALUES: Record<string, number> = {
  uses_competitor: 0.5,
  recent_funding: 0.4,
  hiring_sdrs: 0.5,
  event_attendee: 0.3,
  visited_pricing: 0.5,
  visited_demo: 0.5,
};

/** Scores a person against the ICP: 0-100, a tier, and one explained component per criterion. */
export function scoreLead(person: Person, icp: IcpConfig): IcpScore {
  const assessments = assess(person, icp);
  const maxima = normalisedMaxima(icp.weights);
  let total = 0;
  const components: ScoreComponent[] = COMPONENT_ORDER.map((name) => {
    const max = maxima[name];
    const points = assessments[name].fraction * max;
    total += points;
    return { name, points: roundTenth(points), max: roundTenth(max), reason: assessments[name].reason };
  });
  const score = clamp(Math.round(total), 0, 100);
  return { score, tier: tierFor(score, icp.tiers), components };
}

/** The ICP features of an IcpScore, in order: self-annealing (src/core/anneal.ts) weighs them against outcomes. */
export const ICP_FEATURES = COMPONENT_ORDER;

/** The share (0..1) of each component's weight a person earns, whatever the weights are. */
export function featureFractions(person: Person, icp: IcpConfig): Record<ComponentName, number> {
  const assessments = assess(person, icp);
  return Object.fromEntries(COMPONENT_ORDER.map((name) => [name, assessments[name].fraction])) as Record<ComponentName, number>;
}

/** The score `scoreLead` gives a person with these feature shares under these weights. */
export function scoreFractions(fractions: Partial<Record<string, number>>, weights: IcpConfig['weights']): number {
  const maxima = normalisedMaxima(weights);
  const total = COMPONENT_ORDER.reduce((sum, name) => sum + (fractions[name] ?? 0) * maxima[name], 0);
  return clamp(Math.round(total), 0, 100);
}

function assess(person: Person, icp: IcpConfig): Record<ComponentName, Assessment> {
  return {
    title: assessTitle(person.title, icp.target_titles),
    seniority: assessSeniority(person.seniority, person.title),
    industry: assessIndustry(person.industry, icp.target_industries),
    company_size: assessCompanySize(person.employee_count, icp.company_size),
    signals: assessSignals(person.signals),
  };
}

/** The tier for a score: the first threshold (A, then B, then C) it reaches. */
export function tierFor(score: number, tiers: IcpConfig['tiers']): IcpTier {
  if (score >= tiers.A) return 'A';
  if (score >= tiers.B) return 'B';
  if (score >= tiers.C) return 'C';
  return 'disqualified';
}

/** The reasons of the components that earned the most points, best first. */
export function topReasons(score: IcpScore, n = 3): string[] {
  return score.components
    .filter((c) => c.points > 0)
    .sort((a, b) => b.points - a.points)
    .slice(0, Math.max(0, n))
    .map((c) => c.reason);
}

function assessTitle(title: string | null, targets: readonly string[]): Assessment {
  const shown = cleanText(title);
  if (shown === '') return { fraction: 0, reason: 'no title' };
  const lower = shown.toLowerCase();
  const target = targets.find((t) => t.trim() !== '' && lower.includes(t.trim().toLowerCase()));
  if (target !== undefined) return { fraction: 1, reason: `Target title (${clip(shown)})` };
  if (ADJACENT_TITLE.test(lower)) return { fraction: 0.5, reason: `Sales-adjacent title (${clip(shown)})` };
  return { fraction: 0, reason: `Title outside target roles (${clip(shown)})` };
}

function assessSeniority(seniority: string | null, title: string | null): Assessment {
  const fromField = seniorityFromField(seniority);
  if (fromField !== null) {
    const { fraction, label } = SENIORITY_LEVELS[fromField];
    return { fraction, reason: `${label} seniority (${clip(cleanText(seniority))})` };
  }
  const shownTitle = cleanText(title);
  if (shownTitle === '') return { fraction: 0, reason: 'seniority unknown' };
  const { fraction, label } = SENIORITY_LEVELS[seniorityFromTitle(shownTitle)];
  return { fraction, reason: `${label} title (${clip(shownTitle)})` };
}

function seniorityFromField(seniority: string | null): SeniorityLevel | null {
  const key = cleanText(seniority).toLowerCase().replace(/[\s-]+/g, '_');
  if (key === '') return null;
  if (Object.hasOwn(SENIORITY_LEVELS, key)) return key as SeniorityLevel;
  return SENIORITY_ALIASES[key] ?? null;
}

function seniorityFromTitle(title: string): SeniorityLevel {
  // "Product Owner" is an individual role, not a business owner.
  const lower = title.toLowerCase().replace(/\bproduct owner\b/g, '');
  const match = TITLE_SENIORITY.find(([pattern]) => pattern.test(lower));
  return match ? match[1] : 'individual';
}

function assessIndustry(industry: string | null, targets: readonly string[]): Assessment {
  const shown = cleanText(industry);
  if (shown === '') return { fraction: 0, reason: 'industry unknown' };
  const lower = shown.toLowerCase();
  const matched = targets.some((t) => t.trim() !== '' && lower.includes(t.trim().toLowerCase()));
  return matched
    ? { fraction: 1, reason: `Target industry (${clip(shown)})` }
    : { fraction: 0, reason: `Industry not targeted (${clip(shown)})` };
}

function assessCompanySize(count: number | null | undefined, ideal: IcpConfig['company_size']): Assessment {
  if (typeof count !== 'number' || !Number.isFinite(count) || count < 0) {
    return { fraction: 0, reason: 'company size unknown' };
  }
  const low = Math.min(ideal.ideal_min, ideal.ideal_max);
  const high = Math.max(ideal.ideal_min, ideal.ideal_max);
  const range = `ideal ${low}-${high}`;
  const shown = `${Math.round(count)} employees`;
  if (count >= low && count <= high) return { fraction: 1, reason: `${shown} (${range})` };
  if (count >= low / 2 && count <= high * 2) return { fraction: 0.5, reason: `${shown} (near ${range})` };
  return { fraction: 0, reason: `${shown} (outside ${range})` };
}

function assessSignals(signals: readonly unknown[] | null | undefined): Assessment {
  const known = [...new Set(Array.isArray(signals) ? signals : [])].filter(
    (s): s is string => typeof s === 'string' && Object.hasOwn(SIGNAL_VALUES, s),
  );
  if (known.length === 0) return { fraction: 0, reason: 'no buying signals' };
  const fraction = Math.min(1, known.reduce((sum, s) => sum + (SIGNAL_VALUES[s] ?? 0), 0));
  return { fraction, reason: `Signals: ${known.map((s) => s.replace(/_/g, ' ')).join(', ')}` };
}

/** Each weight's share of 100, so the components always add up to at most 100 whatever the weights sum to. */
function normalisedMaxima(weights: IcpConfig['weights']): Record<ComponentName, number> {
  const safe = (w: number) => (Number.isFinite(w) && w > 0 ? w : 0);
  const total = COMPONENT_ORDER.reduce((sum, name) => sum + safe(weights[name]), 0);
  const share = (name: ComponentName) => (total > 0 ? (safe(weights[name]) / total) * 100 : 0);
  return {
    title: share('title'),
    seniority: share('seniority'),
    industry: share('industry'),
    company_size: share('company_size'),
    signals: share('signals'),
  };
}

function cleanText(value: unknown): string {
  return typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : '';
}

function clip(value: string): string {
  const chars = Array.from(value);
  return chars.length <= REASON_VALUE_MAX ? value : `${chars.slice(0, REASON_VALUE_MAX - 1).join('').trimEnd()}…`;
}

function roundTenth(n: number): number {
  return Math.round(n * 10) / 10;
}

function clamp(n: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, n));
}
