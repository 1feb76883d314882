import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';
import { loadScripts } from './lua.ts';
import { createSegmentKpis } from './segment-kpis.ts';

export interface StopState {
  stopped: boolean;
  /** `env` when EMERGENCY_STOP is set for this process, `flag` when the cluster-wide flag is set. */
  source: 'env' | 'flag' | null;
  by: string | null;
  reason: string | null;
  at: string | null;
}

export interface Emergency {
  state(): Promise<StopState>;
  /**
   * The state as read at most `CACHE_MS` ago: for the many non-send checks, so a stop is seen
   * cluster-wide well within a second without a Redis read per job. The send gate never uses it.
   */
  recentState(): Promise<StopState>;
  /** Sets the cluster-wide stop flag; returns false if it was already set. */
  stop(by: string, reason: string): Promise<boolean>;
  /** Clears the flag; returns false if it was not set. */
  clear(): Promise<boolean>;
}

/**
 * The emergency stop: EMERGENCY_STOP in this process's environment, or the flag in Redis that
 * every process reads before every outbound call.
 */
const CACHE_MS = 250;

export function createEmergency(redis: Redis, keys: Keys, envStop: boolean): Emergency {
  let cached: { at: number; state: Promise<StopState> } | null = null;
  // A stop and a manual resume end the autonomy gate's days without intervention (issue 12).
  const kpis = createSegmentKpis(redis, keys);
  const scripts = loadScripts(redis);
  const emergency: Emergency = {
    recentState() {
      if (!cached || Date.now() - cached.at > CACHE_MS) cached = { at: Date.now(), state: emergency.state() };
      return cached.state;
    },
    async state() {
      const flag = await redis.hgetall(keys.stopFlag);
      if (envStop) return { stopped: true, source: 'env', by: 'EMERGENCY_STOP', reason: 'EMERGENCY_STOP is set in the environment', at: null };
      if (flag.at) return { stopped: true, source: 'flag', by: flag.by ?? null, reason: flag.reason ?? null, at: flag.at };
      return { stopped: false, source: null, by: null, reason: null, at: null };
    },
    async stop(by, reason) {
      cached = null;
      // The flag and its author and reason in one step (lua/set-stop.lua): never a stop "by nobody".
      const created = await scripts.setStop({ stopFlag: keys.stopFlag }, { at: new Date().toISOString(), by, reason });
      if (created === 0) return false;
      // Bookkeeping never delays or fails a stop.
      await kpis.recordIntervention('stop').catch(() => undefined);
      return true;
    },
    async clear() {
      cached = null;
      const cleared = (await redis.del(keys.stopFlag)) === 1;
      if (cleared) await kpis.recordIntervention('resume').catch(() => undefined);
      return cleared;
    },
  };
  return emergency;
}
