import type { Redis } from 'ioredis';
import { StartupError } from './startup-error.ts';
import { withTimeout } from './timeout.ts';

/** What CAIO found out about a Redis at start-up (DESIGN §1: Redis is the system of record). */
export interface RedisDurability {
  /** maxmemory-policy, or null when neither CONFIG nor INFO would tell. */
  policy: string | null;
  /** How writes survive a Redis restart. */
  persistence: 'aof' | 'rdb' | 'none' | 'unknown';
  /** One line each: what can lose jobs, and how to fix it. */
  warnings: string[];
  /** The server runs in cluster mode (INFO cluster: cluster_enabled:1). */
  cluster: boolean;
}

const CHECK_TIMEOUT_MS = 5_000;

/** CONFIG GET one parameter; null when the server refuses CONFIG (managed Redis often does). */
async function configGet(redis: Redis, name: string): Promise<string | null> {
  try {
    const reply = (await redis.config('GET', name)) as string[];
    return reply[1] ?? null;
  } catch {
    return null;
  }
}

/** `field:value` lines of INFO; empty when INFO is refused too. */
async function info(redis: Redis, section: string): Promise<Map<string, string>> {
  try {
    const text = await redis.info(section);
    return new Map(text.split(/\r?\n/).flatMap((line) => (line.includes(':') && !line.startsWith('#') ? [line.split(/:(.*)/s, 2) as [string, string]] : [])));
  } catch {
    return new Map();
  }
}

/**
 * Reads the eviction policy and the persistence of a Redis. BullMQ needs `noeviction` (an evicted
 * job or idempotency key is a lost lead or a double send), and without AOF a Redis restart loses
 * approvals, the stop flag and the send counter written since its last snapshot.
 */
export async function inspectRedis(redis: Redis): Promise<RedisDurability> {
  return withTimeout(inspect(redis), CHECK_TIMEOUT_MS, `Redis did not answer the start-up checks within ${CHECK_TIMEOUT_MS} ms`);
}

async function inspect(redis: Redis): Promise<RedisDurability> {
  const warnings: string[] = [];
  const cluster = (await info(redis, 'cluster')).get('cluster_enabled') === '1';
  const policy = (await configGet(redis, 'maxmemory-policy')) ?? (await info(redis, 'memory')).get('maxmemory_policy') ?? null;
  if (policy === null) warnings.push('could not read the Redis maxmemory-policy (CONFIG and INFO refused): make sure it is noeviction, or jobs may be evicted');
  const persistenceInfo = await info(redis, 'persistence');
  const aofEnabled = persistenceInfo.get('aof_enabled') ?? ((await configGet(redis, 'appendonly')) === 'yes' ? '1' : undefined);
  let persistence: RedisDurability['persistence'] = 'unknown';
  if (aofEnabled === '1') {
    persistence = 'aof';
    if ((await configGet(redis, 'appendfsync')) === 'no') warnings.push('Redis AOF is on with appendfsync no: a crash can lose the last ~30 s of jobs and approvals; set appendfsync everysec');
  } else {
    const save = await configGet(redis, 'save');
    if (save === '') {
      persistence = 'none';
      warnings.push('Redis has no persistence (AOF off, no snapshots): a Redis restart loses every job, approval, the stop flag and the audit; set appendonly yes (appendfsync everysec)');
    } else if (save !== null) {
      persistence = 'rdb';
      warnings.push(`Redis keeps only snapshots (save "${save}", AOF off): a crash loses what was written since the last one; set appendonly yes (appendfsync everysec)`);
    } else {
      warnings.push(`Redis persistence could not be confirmed (AOF ${aofEnabled === '0' ? 'off' : 'unknown'}, CONFIG refused): make sure AOF is on (appendonly yes, appendfsync everysec)`);
    }
  }
  return { policy, persistence, warnings, cluster };
}

/**
 * Refuses Redis Cluster: the gate's and the store's Lua scripts and BullMQ's queue scripts touch
 * keys of one prefix together, which a cluster spreads over slots (CROSSSLOT), and one client
 * connection would not follow MOVED redirects anyway.
 */
export function refuseCluster(durability: RedisDurability): RedisDurability {
  if (!durability.cluster) return durability;
  throw new StartupError(
    'REDIS_CLUSTER',
    'REDIS_URL points at a Redis Cluster node (cluster_enabled:1), which CAIO does not support (its scripts update keys of one prefix together); use a single Redis primary with AOF and noeviction (replicas for failover are fine)',
  );
}

/**
 * Refuses an evicting Redis: any maxmemory-policy but noeviction may drop BullMQ jobs and
 * idempotency keys. `allow` (CAIO_ALLOW_EVICTION) starts anyway, with a warning.
 */
export function checkEviction(durability: RedisDurability, allow: boolean): RedisDurability {
  const { policy } = durability;
  if (policy === null || policy === 'noeviction') return durability;
  const problem = `Redis maxmemory-policy is ${policy}: it may evict queued jobs and idempotency keys (lost leads, double sends)`;
  if (!allow) {
    throw new StartupError('REDIS_EVICTS', `${problem}; set maxmemory-policy noeviction on that Redis (CONFIG SET maxmemory-policy noeviction, or your provider's setting), or set CAIO_ALLOW_EVICTION=1 to start anyway`);
  }
  return { ...durability, warnings: [`${problem}; started anyway because CAIO_ALLOW_EVICTION is set`, ...durability.warnings] };
}
