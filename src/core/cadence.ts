import type { CadenceStep } from './types.ts';

export const CADENCE_LENGTH_DAYS = 21;

const PLAN: readonly CadenceStep[] = [
  { day: 1, channel: 'email', step: 1, action: 'Send email 1: first touch' },
  { day: 2, channel: 'linkedin', step: 1, action: 'Send LinkedIn connection request' },
  { day: 3, channel: 'call', step: 1, action: 'Call' },
  { day: 5, channel: 'email', step: 2, action: 'Send email 2: follow-up' },
  { day: 7, channel: 'linkedin', step: 2, action: 'Send LinkedIn message' },
  { day: 10, channel: 'email', step: 3, action: 'Send email 3: follow-up with a new angle' },
  { day: 14, channel: 'linkedin', step: 3, action: 'Send LinkedIn follow-up' },
  { day: 17, channel: 'email', step: 4, action: 'Send email 4: follow-up' },
  { day: 21, channel: 'email', step: 5, action: 'Send email 5: final check-in' },
];

/** The 21-day multi-channel plan, sorted by day; a fresh copy each call so callers may mutate it. */
export function buildCadence(): CadenceStep[] {
  return PLAN.map((step) => ({ ...step })).sort((a, b) => a.day - b.day);
}
