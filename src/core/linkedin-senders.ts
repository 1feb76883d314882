import type { Redis } from 'ioredis';
import type { LinkedInConfig } from './config.ts';
import { defineScript } from './lua.ts';
import { safeId } from './queue.ts';

/**
 * The sender every connection request counts against when HEYREACH_SENDER_IDS is empty: HeyReach
 * then picks the account itself, so CAIO holds the whole campaign to one sender's caps (the safe side).
 */
export const CAMPAIGN_SENDER = 'campaign';

/**
 * Reserves one connection request for a sender, atomically across the cluster, checking in order:
 * the day cap (lowered by the ramp while the sender is new), the rolling-week cap; then counts it.
 * A lead already counted (a retried step) is answered `ok` without counting it again.
 * KEYS: day counter, rolling-week sorted set (lead refs by time), first-use time.
 * ARGV: now ms, day ms, daily cap, weekly cap, lead ref, key ttl ms, ramp caps...
 * Returns {status, detail}: ok (count today) | ramp / daily (the cap) | weekly (ms when a slot frees).
 */
const RESERVE = `
local now = tonumber(ARGV[1])
local dayMs = tonumber(ARGV[2])
local weekMs = dayMs * 7
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - weekMs)
if redis.call('ZSCORE', KEYS[2], ARGV[5]) then return {'ok', '0'} end
local first = tonumber(redis.call('GET', KEYS[3]) or ARGV[1])
local cap = tonumber(ARGV[3])
local rampLen = #ARGV - 6
local week = math.floor((now - first) / weekMs)
local ramped = false
if week < rampLen and tonumber(ARGV[7 + week]) < cap then
  cap = tonumber(ARGV[7 + week])
  ramped = true
end
local today = tonumber(redis.call('GET', KEYS[1]) or '0')
if today >= cap then return {ramped and 'ramp' or 'daily', tostring(cap)} end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {'weekly', oldest[2]}
end
redis.call('SET', KEYS[3], ARGV[1], 'NX')
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], dayMs * 2)
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return {'ok', tostring(today + 1)}`;

export type ReserveResult =
  | { ok: true; sender: string }
  | { ok: false; sender: string; reason: 'daily' | 'weekly' | 'ramp'; cap: number; until: number };

/** One sender's connection requests, for /caio status and App Home. */
export interface SenderUsage {
  sender: string;
  today: number;
  /** Today's cap: the daily cap, or the ramp's while the sender is in its first weeks. */
  capToday: number;
  week: number;
  weeklyCap: number;
  /** 1-based week of the ramp the sender is in, or null once it is past the ramp (or never used). */
  rampWeek: number | null;
}

export interface LinkedInSenders {
  /** The configured senders (or the campaign pseudo-sender). */
  readonly senders: readonly string[];
  /** The account id to send as `linkedInAccountId`, or null for the campaign pseudo-sender. */
  accountIdOf(sender: string): string | null;
  /** The lead's sender: kept for life once assigned; a new lead gets the next one round robin among those with room today. */
  senderFor(ref: string): Promise<string>;
  /** Counts one connection request for the lead's sender, or says which cap stops it and until when. */
  reserve(sender: string, ref: string, now?: number): Promise<ReserveResult>;
  usage(now?: number): Promise<SenderUsage[]>;
}

/** Sender assignment and per-sender connection caps (DESIGN §9 "LinkedIn senders"), all in Redis. */
export function createLinkedInSenders(deps: { redis: Redis; prefix: string; linkedin: LinkedInConfig; dayMs: number; senderIds: readonly string[] }): LinkedInSenders {
  const { redis, linkedin, dayMs } = deps;
  const senders = deps.senderIds.length > 0 ? [...deps.senderIds] : [CAMPAIGN_SENDER];
  const k = (...parts: string[]) => [deps.prefix, 'linkedin', ...parts].join(':');
  const keys = {
    assigned: k('sender-of'),
    roundRobin: k('round-robin'),
    day: (sender: string, day: number) => k('sender', safeId(sender), 'day', String(day)),
    week: (sender: string) => k('sender', safeId(sender), 'week'),
    first: (sender: string) => k('sender', safeId(sender), 'first'),
  };
  const weekMs = dayMs * 7;
  const reserveScript = defineScript(redis, RESERVE);
  const dayOf = (now: number) => Math.floor(now / dayMs);

  function capFor(first: number | null, now: number): { cap: number; rampWeek: number | null } {
    const week = first === null ? 0 : Math.floor((now - first) / weekMs);
    const ramp = linkedin.ramp[week];
    if (ramp !== undefined) return { cap: Math.min(ramp, linkedin.daily_connection_cap), rampWeek: week + 1 };
    return { cap: linkedin.daily_connection_cap, rampWeek: null };
  }

  async function usage(now = Date.now()): Promise<SenderUsage[]> {
    const pipeline = redis.pipeline();
    for (const s of senders) {
      pipeline.get(keys.day(s, dayOf(now)));
      pipeline.zcount(keys.week(s), `(${now - weekMs}`, '+inf');
      pipeline.get(keys.first(s));
    }
    const results = (await pipeline.exec()) ?? [];
    return senders.map((sender, i) => {
      const [today, week, first] = [results[i * 3]?.[1], results[i * 3 + 1]?.[1], results[i * 3 + 2]?.[1]];
      const { cap, rampWeek } = capFor(first ? Number(first) : null, now);
      return { sender, today: Number(today ?? 0), capToday: cap, week: Number(week ?? 0), weeklyCap: linkedin.weekly_connection_cap, rampWeek: first ? rampWeek : null };
    });
  }

  return {
    senders,
    accountIdOf: (sender) => (sender === CAMPAIGN_SENDER && deps.senderIds.length === 0 ? null : sender),
    async senderFor(ref) {
      const existing = await redis.hget(keys.assigned, ref);
      if (existing !== null && senders.includes(existing)) return existing;
      // Round robin, skipping senders already at a cap today; when all are, the next in turn waits its day.
      const turn = (await redis.incr(keys.roundRobin)) - 1;
      const room = await usage();
      let pick = senders[turn % senders.length]!;
      for (let i = 0; i < senders.length; i++) {
        const u = room[(turn + i) % senders.length]!;
        if (u.today < u.capToday && u.week < u.weeklyCap) {
          pick = u.sender;
          break;
        }
      }
      // A sender no longer configured is replaced (the old account cannot send any more).
      if (existing !== null) {
        await redis.hset(keys.assigned, ref, pick);
        return pick;
      }
      if ((await redis.hsetnx(keys.assigned, ref, pick)) === 1) return pick;
      return (await redis.hget(keys.assigned, ref)) ?? pick;
    },
    async reserve(sender, ref, now = Date.now()) {
      const day = dayOf(now);
      const [status, detail] = (await reserveScript(
        [keys.day(sender, day), keys.week(sender), keys.first(sender)],
        [now, dayMs, linkedin.daily_connection_cap, linkedin.weekly_connection_cap, ref, weekMs + dayMs, ...linkedin.ramp],
      )) as [string, string];
      if (status === 'ok') return { ok: true, sender };
      const nextDay = (day + 1) * dayMs;
      if (status === 'weekly') return { ok: false, sender, reason: 'weekly', cap: linkedin.weekly_connection_cap, until: Math.max(Number(detail) + weekMs, now + 1) };
      return { ok: false, sender, reason: status === 'ramp' ? 'ramp' : 'daily', cap: Number(detail), until: nextDay };
    },
    usage,
  };
}
