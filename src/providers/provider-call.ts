import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { createCircuitBreaker, type CircuitBreaker } from '../core/circuit-breaker.ts';
import type { Config } from '../core/config.ts';
import type { Emergency } from '../core/emergency.ts';
import { guardedSleep, ProviderDeferredError, type HttpClient, type HttpRequest, type HttpResponse } from '../core/http-client.ts';
import type { Keys } from '../core/keys.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import { createRateLimiter } from '../core/rate-limiter.ts';
import type { ClayResultSink as ClayResume } from '../core/ports.ts';
import type { Notifier } from '../core/notifier.ts';
import type { Credits } from './credits.ts';
import { STOPPED_RECHECK_MS } from '../core/queue.ts';

export type ProviderName = 'apollo' | 'clay' | 'bettercontact' | 'instantly' | 'ghl' | 'heyreach' | 'llm';
export const PROVIDER_NAMES: readonly ProviderName[] = ['apollo', 'clay', 'bettercontact', 'instantly', 'ghl', 'heyreach', 'llm'];


/** What every live provider is built from (passed in by createLiveProviders). */
export interface ProviderDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  keys: Keys;
  notifier: Notifier;
  metrics?: Pick<Metrics, 'breakerState'> | undefined;
  resumeClay: ClayResume;
  /**
   * Checked before every attempt (retries included) and while any wait between attempts: a stopped
   * system makes no outbound call at all. `state` (a fresh read) is used when given; the composition
   * root passes the whole Emergency, so it always is in production.
   */
  emergency?: Pick<Emergency, 'recentState' | 'state'> | undefined;
  http: HttpClient;
  credits: Credits;
}

export interface ProviderChannel {
  readonly provider: ProviderName;
  readonly breaker: CircuitBreaker;
  /** One request through the provider's breaker, with every attempt taking a cluster-wide rate-limit slot. */
  call(req: Omit<HttpRequest, 'provider' | 'beforeAttempt' | 'guard'>): Promise<HttpResponse>;
  /**
   * Pause/activate of a campaign (DESIGN §9 "Stop at the providers"): no breaker and no stop guard,
   * because a stop must reach the provider even during the outage that opened the breaker, and
   * even though the stop it carries out is set. Every attempt still takes a rate-limit slot.
   */
  control(req: Omit<HttpRequest, 'provider' | 'beforeAttempt' | 'guard'>): Promise<HttpResponse>;
  /** Validates a 2xx body; a mismatch is a WARNING alert and null (the caller treats it as a miss). */
  parse<S extends z.ZodType>(schema: S, body: unknown, route: string): Promise<z.infer<S> | null>;
}

/** Breaker + limiter + shared HTTP client for one provider. */
export function createProviderChannel(deps: Omit<ProviderDeps, 'resumeClay' | 'credits'>, provider: ProviderName): ProviderChannel {
  const settings = deps.config.providers;
  const breaker = createCircuitBreaker(deps, provider, settings.breaker, Math.max(settings.timeout_ms * 2, 1_000));
  const limiter = createRateLimiter(deps, provider, settings.limits[provider], settings.max_limit_wait_ms);
  const stoppedError = (route: string) =>
    new ProviderDeferredError('EMERGENCY_STOPPED', provider, route, Date.now() + STOPPED_RECHECK_MS, `${provider} ${route}: emergency stop is on`);
  const emergency = deps.emergency;
  // Not the 250 ms cache: one small Redis read per attempt (and per poll of a sleeping retry), so a
  // stop lands on the next attempt wherever it was set (issue 8: retries went out 9 s after a stop).
  const stoppedNow = emergency ? async () => (await emergency.state()).stopped : null;
  return {
    provider,
    breaker,
    async call(req) {
      // The stages check the stop too; this is the last line, for every caller (webhooks, cadence).
      // This cached look only spares a breaker probe and a rate-limit slot; the guard decides.
      if ((await emergency?.recentState())?.stopped) throw stoppedError(req.route);
      // The guard throws the deferral, so the stage parks the job (park-on-deferred): nothing is lost.
      const guard = stoppedNow
        ? async () => {
            if (await stoppedNow()) throw stoppedError(req.route);
          }
        : undefined;
      return breaker.run(() =>
        deps.http.request({ ...req, provider, guard, beforeAttempt: () => limiter.acquire((ms) => guardedSleep(ms, guard)) }),
      );
    },
    control(req) {
      return deps.http.request({ ...req, provider, beforeAttempt: () => limiter.acquire() });
    },
    async parse(schema, body, route) {
      const result = schema.safeParse(body);
      if (result.success) return result.data;
      // Field paths only: the body itself may carry personal data.
      const where = result.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      deps.logger.warn({ provider, route, issues: where }, 'provider response did not match its schema');
      await deps.notifier
        .alert('WARNING', `${provider} ${route} returned an unexpected response; treated as a miss`, { provider, route, issues: where })
        .catch((err: unknown) => deps.logger.error({ err }, 'alert failed'));
      return null;
    },
  };
}

/** Joins a base URL and a path without doubling or dropping the slash. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * Joins a documented path under its API version onto a base URL, whether or not the base already
 * names the version: `https://api.apollo.io` and `https://api.apollo.io/api/v1` both reach
 * `/api/v1/people/match`, so neither way of writing the variable is a trap.
 */
export function versionedUrl(base: string, version: string, path: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return joinUrl(trimmed.endsWith(version) ? trimmed : `${trimmed}${version}`, path);
}
