import type { CadenceStep } from './types.ts';

export const CADENCE_LENGTH_DAYS = 21;

const PLAN: readonly CadenceStep[] = [
  { day: 1, channel: 'email', step: 1, action: 'Send email 1: first touch' },
  { day: 2, channel: 'linkedin', step: 1, action: 'Send LinkedIn connection request' },
  { day: 3, channel: 'call', step: 1, action: 'Call' },
  { day: 5, channel: 'email', step: 2, action: 'Send email 2: value / case study' },
  { day: 7, channel: 'linkedin', step: 2, action: 'Send LinkedIn message' },
  { day: 10, channel: 'email', step: 3, action: 'Send email 3: social proof' },
  { day: 14, channel: 'linkedin', step: 3, action: 'Send LinkedIn follow-up' },
  { day: 17, channel: 'email', step: 4, action: 'Send email 4: break-up' },
  { day: 21, channel: 'email', step: 5, action: 'Send email 5: graceful close' },
];

/** Cadence days of email steps 1-5: the sequence CAIO crafts, a person approves and Instantly sends. */
export const EMAIL_STEP_DAYS: readonly number[] = PLAN.filter((s) => s.channel === 'email').map((s) => s.day);

/** The 21-day multi-channel plan, sorted by day; a fresh copy each call so callers may mutate it. */
export function buildCadence(): CadenceStep[] {
  return PLAN.map((step) => ({ ...step })).sort((a, b) => a.day - b.day);
}
