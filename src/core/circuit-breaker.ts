import type { Redis } from 'ioredis';
import type { BreakerState, Notifier } from './notifier.ts';
import { HttpStatusError, NoResponseError, ProviderDeferredError } from './http-client.ts';
import type { Keys } from './keys.ts';
import type { Logger } from './logger.ts';
import { loadScripts } from './lua.ts';
import type { Metrics } from './metrics.ts';

/** The provider's breaker is open (or its half-open probe is taken): park until `retryAt`. */
export class BreakerOpenError extends ProviderDeferredError {
  constructor(provider: string, retryAt: number) {
    super('BREAKER_OPEN', provider, 'breaker', retryAt, `${provider} circuit breaker is open until ${new Date(retryAt).toISOString()}`);
    this.name = 'BreakerOpenError';
  }
}

export interface BreakerSettings {
  /** Failures within `window_ms` that open the breaker. */
  failures: number;
  window_ms: number;
  /** How long it stays open before one probe is let through. */
  cooldown_ms: number;
}

const GAUGE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** Only an outage counts against a provider: no answer or a 5xx. A 4xx or a 429 means it is up. */
export function isBreakerFailure(err: unknown): boolean {
  return err instanceof NoResponseError || (err instanceof HttpStatusError && err.status >= 500);
}

function failureReason(err: unknown): string {
  if (err instanceof HttpStatusError) return `HTTP ${err.status}`;
  if (err instanceof NoResponseError) return 'no response';
  return 'error';
}

export interface CircuitBreaker {
  readonly provider: string;
  /** Runs the call through the breaker; throws BreakerOpenError without calling when open. */
  run<T>(call: () => Promise<T>): Promise<T>;
  state(): Promise<BreakerState>;
}

export interface BreakerDeps {
  redis: Redis;
  keys: Keys;
  logger: Logger;
  notifier: Notifier;
  metrics?: Pick<Metrics, 'breakerState'> | undefined;
}

/**
 * One provider's breaker with its state in Redis, so every worker process sees the same state:
 * closed → open after N failures in the window → half-open after the cooldown, where exactly one
 * caller (SET NX) probes → closed on success, open again on failure. Each step is one Lua script, so
 * each transition happens, and is reported, exactly once cluster-wide.
 */
export function createCircuitBreaker(deps: BreakerDeps, provider: string, settings: BreakerSettings, probeTtlMs: number): CircuitBreaker {
  const scripts = loadScripts(deps.redis);
  const keys = { state: deps.keys.breaker(provider), probe: deps.keys.breakerProbe(provider) };
  const succeed = () => scripts.breakerSuccess(keys, {});
  const window = settings.window_ms;

  async function report(transition: string, reason: string): Promise<void> {
    if (transition === '') return;
    const [from, to] = transition.split('>') as [BreakerState, BreakerState];
    deps.metrics?.breakerState.set({ provider }, GAUGE[to]);
    deps.logger.warn({ provider, from, to, reason }, 'circuit breaker transition');
    await deps.notifier
      .breakerTransition({ provider, from, to, at: new Date().toISOString(), reason })
      .catch((err: unknown) => deps.logger.error({ err, provider }, 'breaker alert failed'));
  }

  return {
    provider,
    async run(call) {
      const [decision, state, transition, retryAt] = (await scripts.breakerAcquire(keys, { probeTtlMs, recheckMs: Math.min(settings.cooldown_ms, probeTtlMs) })) as [string, BreakerState, string, number];
      deps.metrics?.breakerState.set({ provider }, GAUGE[state]);
      await report(transition, `cooldown over after ${settings.cooldown_ms} ms: one probe call`);
      if (decision === 'deny') throw new BreakerOpenError(provider, Number(retryAt));
      try {
        const result = await call();
        await report(await succeed(), decision === 'probe' ? 'probe call succeeded' : 'call succeeded');
        return result;
      } catch (err) {
        if (isBreakerFailure(err)) {
          const why = decision === 'probe' ? `probe failed: ${failureReason(err)}` : `${settings.failures} failures in ${Math.round(window / 1000)} s: ${failureReason(err)}`;
          const [transition, openUntil] = await scripts.breakerFailure(keys, { threshold: settings.failures, windowMs: window, cooldownMs: settings.cooldown_ms, reason: why });
          await report(transition, why);
          // The provider is down for everyone now: park this lead too rather than spend one of its attempts.
          if (Number(openUntil) > 0) throw Object.assign(new BreakerOpenError(provider, Number(openUntil)), { cause: err });
        } else if (decision === 'probe' && err instanceof ProviderDeferredError && !(err.cause instanceof HttpStatusError)) {
          // Our own limiter said "later" before anything was sent: free the probe for the next caller.
          await deps.redis.del(keys.probe);
        } else if (decision === 'probe') {
          // The provider answered (a 4xx, a throttle): it is up, so the probe counts as a success.
          await report(await succeed(), `probe answered: ${failureReason(err)}`);
        }
        throw err;
      }
    },
    async state() {
      return ((await deps.redis.hget(keys.state, 'state')) as BreakerState | null) ?? 'closed';
    },
  };
}
