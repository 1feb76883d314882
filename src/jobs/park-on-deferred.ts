import type { Job } from 'bullmq';
import { ProviderDeferredError } from '../core/http-client.ts';
import { park } from '../core/queue.ts';

/**
 * Runs a stage body; when a provider says "not now" (breaker open, rate-limit slot far away, a long
 * Retry-After) the job parks as delayed until then, using no attempt, instead of failing the lead.
 */
export async function parkOnDeferred<T>(job: Job, token: string | undefined, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ProviderDeferredError) return park(job, token, err.retryAt);
    throw err;
  }
}
