import type { ContextZone } from './types.ts';

export const CONTEXT_ZONES: readonly ContextZone[] = ['SMART', 'CAUTION', 'DUMB', 'CRITICAL'];

/** Upper bounds (fractions of the context window) of the zones below CRITICAL. */
export const ZONE_BOUNDS = { SMART: 0.4, CAUTION: 0.6, DUMB: 0.8 } as const;

/**
 * What a request in each zone gets: the whole prompt; the prompt without optional context; the
 * short prompt; no call at all (the template writes the email). The seed's agents degrade this way
 * on purpose instead of silently losing the instructions at the far end of a full window.
 */
export const ZONE_PROMPT = { SMART: 'full', CAUTION: 'lean', DUMB: 'short', CRITICAL: null } as const satisfies Record<ContextZone, string | null>;

/** Tokens of a text, estimated as characters / 4 (close enough for English prose and JSON). */
export function estimateTokens(...texts: string[]): number {
  return Math.ceil(texts.reduce((n, t) => n + t.length, 0) / 4);
}

/** SMART below 40% of the window, CAUTION from 40% to below 60%, DUMB from 60% to 80%, CRITICAL above 80%. */
export function zoneOf(tokens: number, contextWindow: number): ContextZone {
  const used = tokens / Math.max(1, contextWindow);
  if (used < ZONE_BOUNDS.SMART) return 'SMART';
  if (used < ZONE_BOUNDS.CAUTION) return 'CAUTION';
  if (used <= ZONE_BOUNDS.DUMB) return 'DUMB';
  return 'CRITICAL';
}
