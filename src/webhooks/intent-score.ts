import type { WebhooksConfig } from '../core/config.ts';
import type { IcpScore } from '../core/types.ts';

export type VisitorIntentConfig = WebhooksConfig['visitors'];

/** What a visitor did on the site, as far as intent is concerned. */
export interface VisitorActivity {
  /** Distinct page URLs seen. */
  pages: string[];
  /** Distinct days with at least one visit. */
  visitDays: number;
}

export interface IntentComponent {
  name: 'pages' | 'repeat_visits' | 'high_intent' | 'icp_fit';
  points: number;
  max: number;
  reason: string;
}

export interface IntentScore {
  /** 0-100. */
  score: number;
  components: IntentComponent[];
  /** The high-intent paths the visitor reached (e.g. /pricing). */
  highIntentPages: string[];
  qualifies: boolean;
}

/** The path of a captured URL, lower-cased; tolerant of URLs without a scheme. */
export function pathOf(url: string): string {
  const raw = url.trim();
  try {
    if (raw.startsWith('/')) return new URL(raw, 'https://site.invalid').pathname.toLowerCase();
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`).pathname.toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/** High-intent paths match whole path segments: /pricing and /pricing/teams, not /pricingfaq. */
export function highIntentPages(pages: readonly string[], paths: readonly string[]): string[] {
  const wanted = paths.map((p) => p.toLowerCase().replace(/\/+$/, ''));
  const hits = new Set<string>();
  for (const page of pages) {
    const path = pathOf(page).replace(/\/+$/, '');
    for (const w of wanted) if (path === w || path.startsWith(`${w}/`) || path.endsWith(w)) hits.add(w);
  }
  return [...hits].sort();
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Intent of a website visitor, 0-100 and explainable: breadth of pages, repeat visits, high-intent
 * pages (pricing, demo) and ICP fit. A disqualified ICP tier never qualifies, however keen.
 */
export function intentScore(activity: VisitorActivity, icp: IcpScore | null, config: VisitorIntentConfig): IntentScore {
  const w = config.weights;
  const total = w.pages + w.repeat_visits + w.high_intent + w.icp_fit;
  const scale = total > 0 ? 100 / total : 0;
  const distinct = new Set(activity.pages.map((p) => p.trim())).size;
  const repeats = Math.max(0, activity.visitDays - 1);
  const hot = highIntentPages(activity.pages, config.high_intent_paths);
  const fractions = {
    pages: Math.min(1, distinct / config.pages_for_full_points),
    repeat_visits: Math.min(1, repeats / (config.visits_for_full_points - 1)),
    high_intent: hot.length > 0 ? 1 : 0,
    icp_fit: icp && icp.tier !== 'disqualified' ? Math.min(1, Math.max(0, icp.score / 100)) : 0,
  };
  const components: IntentComponent[] = [
    { name: 'pages', points: fractions.pages * w.pages * scale, max: w.pages * scale, reason: `${distinct} page${distinct === 1 ? '' : 's'} seen` },
    {
      name: 'repeat_visits',
      points: fractions.repeat_visits * w.repeat_visits * scale,
      max: w.repeat_visits * scale,
      reason: activity.visitDays > 1 ? `visited on ${activity.visitDays} days` : 'first visit',
    },
    {
      name: 'high_intent',
      points: fractions.high_intent * w.high_intent * scale,
      max: w.high_intent * scale,
      reason: hot.length > 0 ? `viewed ${hot.join(', ')}` : 'no high-intent page',
    },
    {
      name: 'icp_fit',
      points: fractions.icp_fit * w.icp_fit * scale,
      max: w.icp_fit * scale,
      reason: icp ? `ICP ${icp.score} (tier ${icp.tier})` : 'not enriched yet',
    },
  ].map((c) => ({ ...c, points: round1(c.points), max: round1(c.max) })) as IntentComponent[];
  const score = Math.max(0, Math.min(100, Math.round(components.reduce((sum, c) => sum + c.points, 0))));
  const qualifies = score >= config.intent_threshold && icp !== null && icp.tier !== 'disqualified';
  return { score, components, highIntentPages: hot, qualifies };
}
