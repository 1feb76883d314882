import { hash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadScripts } from '../core/lua.ts';
import { tickBatch } from '../core/tick-batch.ts';
import type { WebhookKeys } from '../core/keys.ts';
import type { WebhookJob, WebhookQueue } from './queue.ts';
import { withTimeout } from '../core/timeout.ts';

export type AcceptResult = 'accepted' | 'duplicate';

/** How long an accept waits for Redis before the route answers 503 (the sender retries). */
export const ACCEPT_TIMEOUT_MS = 3_000;

/** Raised when Redis does not answer in time; the route answers 503 so the sender retries. */
export class QueueUnavailableError extends Error {
  readonly code = 'QUEUE_UNAVAILABLE';
  constructor(cause: unknown) {
    super('the event queue is unavailable', { cause });
    this.name = 'QueueUnavailableError';
  }
}

export function sha256(text: string): string {
  // One-shot hashing: no Hash object per call on the request path.
  return hash('sha256', text, 'hex');
}

/** An id for a body without one: the same JSON body always hashes the same. */
export function bodyHash(body: unknown): string {
  return sha256(JSON.stringify(body)).slice(0, 40);
}

const SAFE_ID = /^[A-Za-z0-9_-]{1,150}$/;

/** Job ids must not contain `:` or be only digits (BullMQ); anything else is hashed. */
export function jobIdFor(route: string, eventId: string, hashed?: string): string {
  return `${route}-${SAFE_ID.test(eventId) ? eventId : (hashed ?? sha256(eventId).slice(0, 40))}`;
}


/** Markers from one event-loop tick are written by one script call (one command and one timer instead of one each). */
function createMarkerBatch(redis: Redis, ttlSeconds: number, timeoutMs: number): (key: string) => Promise<boolean> {
  const scripts = loadScripts(redis);
  return tickBatch(async (keys: string[]) => (await withTimeout(scripts.markSeen({}, { ttlS: ttlSeconds }, { keys }), timeoutMs)).map((fresh) => fresh === 1));
}

/**
 * Accepts an event exactly once: a marker per (route, event id) says whether it was seen, and the
 * job id makes the enqueue itself idempotent. The job is added even for a "duplicate", so an
 * earlier delivery whose enqueue failed after its marker was written is never lost.
 */
export function createAcceptor(deps: { redis: Redis; keys: WebhookKeys; queue: WebhookQueue; ttlSeconds: number; timeoutMs?: number }) {
  const timeoutMs = deps.timeoutMs ?? ACCEPT_TIMEOUT_MS;
  const markSeen = createMarkerBatch(deps.redis, deps.ttlSeconds, timeoutMs);
  return async (route: string, eventId: string, job: WebhookJob): Promise<AcceptResult> => {
    const hashed = sha256(eventId).slice(0, 40);
    try {
      // Both in flight at once (one round trip): the add is idempotent, so its order does not matter.
      // The marker batch's timer (one per tick) bounds the request: the add shares its connection.
      const [fresh] = await Promise.all([markSeen(deps.keys.seen(route, hashed)), deps.queue.add(job, jobIdFor(route, eventId, hashed))]);
      return fresh ? 'accepted' : 'duplicate';
    } catch (err) {
      throw new QueueUnavailableError(err);
    }
  };
}

export type Acceptor = ReturnType<typeof createAcceptor>;

/** A route's lookup, bounded like the accept path: Redis down is a 503, never a hang. */
export async function boundedLookup<T>(lookup: Promise<T>, timeoutMs = 3_000): Promise<T> {
  try {
    return await withTimeout(lookup, timeoutMs);
  } catch (err) {
    throw new QueueUnavailableError(err);
  }
}
