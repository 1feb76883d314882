import type { CraftFallback, Lead } from './types.ts';

/**
 * Whether any auto-approval (the global `safety.auto_approve`, or a per-segment one) may approve
 * this lead's sequence: never one the model wrote with claims the lead's fields do not support.
 */
export function mayAutoApprove(lead: Pick<Lead, 'craft'> | null | undefined): boolean {
  return lead?.craft?.grounded !== false;
}

/** Why the templates wrote a sequence while the crafter was on, in words. */
export const FALLBACK_REASONS: Record<CraftFallback, string> = {
  budget: "today's LLM budget is spent",
  breaker_open: "the model API's circuit breaker is open",
  rate_limited: 'the model API kept rate-limiting',
  provider_error: 'the model API did not answer',
  invalid_answer: "the model's answer failed validation twice",
  context_critical: 'the prompt would fill over 80% of the context window',
};
