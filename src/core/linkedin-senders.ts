import type { Redis } from 'ioredis';
import type { LinkedInConfig } from './config.ts';
import type { Keys } from './keys.ts';
import { loadScripts } from './lua.ts';

/**
 * The sender every connection request counts against when HEYREACH_SENDER_IDS is empty: HeyReach
 * then picks the account itself, so CAIO holds the whole campaign to one sender's caps (the safe side).
 */
export const CAMPAIGN_SENDER = 'campaign';

/** A sender's day counter is kept this many cadence days (today's is read, yesterday's may be). */
const DAY_COUNTER_DAYS = 2;

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
export function createLinkedInSenders(deps: { redis: Redis; keys: Pick<Keys, 'linkedin'>; linkedin: LinkedInConfig; dayMs: number; senderIds: readonly string[] }): LinkedInSenders {
  const { redis, linkedin, dayMs } = deps;
  const senders = deps.senderIds.length > 0 ? [...deps.senderIds] : [CAMPAIGN_SENDER];
  const keys = deps.keys.linkedin;
  const weekMs = dayMs * 7;
  const scripts = loadScripts(redis);
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
      pipeline.get(keys.senderDay(s, dayOf(now)));
      pipeline.zcount(keys.senderWeek(s), `(${now - weekMs}`, '+inf');
      pipeline.get(keys.senderFirst(s));
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
      const existing = await redis.hget(keys.senderOf, ref);
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
        await redis.hset(keys.senderOf, ref, pick);
        return pick;
      }
      if ((await redis.hsetnx(keys.senderOf, ref, pick)) === 1) return pick;
      return (await redis.hget(keys.senderOf, ref)) ?? pick;
    },
    async reserve(sender, ref, now = Date.now()) {
      const day = dayOf(now);
      // One step (lua/reserve-linkedin-connection.lua): the ramp, the day and the week cap, then the count.
      const [status, detail] = await scripts.reserveLinkedInConnection(
        { day: keys.senderDay(sender, day), week: keys.senderWeek(sender), first: keys.senderFirst(sender) },
        { nowMs: now, dayMs, dailyCap: linkedin.daily_connection_cap, weeklyCap: linkedin.weekly_connection_cap, ref, weekTtlMs: weekMs + dayMs, dayTtlMs: DAY_COUNTER_DAYS * dayMs },
        { args: linkedin.ramp },
      );
      if (status === 'ok') return { ok: true, sender };
      const nextDay = (day + 1) * dayMs;
      if (status === 'weekly') return { ok: false, sender, reason: 'weekly', cap: linkedin.weekly_connection_cap, until: Math.max(Number(detail) + weekMs, now + 1) };
      return { ok: false, sender, reason: status === 'ramp' ? 'ramp' : 'daily', cap: Number(detail), until: nextDay };
    },
    usage,
  };
}
