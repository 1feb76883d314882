import type { Redis } from 'ioredis';
import { AUDIT_MAX_ENTRIES, auditFields, type Audit, type AuditInput } from './audit.ts';
import type { SafetyConfig } from './config.ts';
import type { Emergency } from './emergency.ts';
import type { Keys } from './keys.ts';
import { loadScripts } from './lua.ts';
import { daysBetween, inSendWindow, nextLocalMidnight, nextWindowOpening, warmupCap } from './send-time.ts';
import { gateDay, type GateDay } from './days.ts';
import { normaliseEmail } from './email.ts';
import type { EmailStep } from './types.ts';

/** What the gate allows for one email (DESIGN §6), checked immediately before the side effect. */
export type GateDecision =
  | { kind: 'refuse'; reason: 'emergency_stop' | 'policy_invalid' }
  | { kind: 'shadow'; reason: 'shadow_mode' | 'actually_send_off' }
  | { kind: 'skip'; reason: 'suppressed' | 'already_sent' }
  | { kind: 'hold'; reason: 'daily_cap'; until: Date; cap: number }
  | { kind: 'delay'; reason: 'send_window'; until: Date }
  | { kind: 'send'; idempotencyKey: string; day: GateDay; count: number; retry: boolean };

export interface SendRequest {
  /** `{leadRef}`-style id for logs and audit. */
  leadRef: string;
  email: string;
  /** Email step of the cadence (1 = first email). */
  step: number;
  actor?: string;
}

export interface ShadowEmail {
  leadRef: string;
  runId: string;
  step: number;
  to: string;
  /** Step 1 (the same as `steps[0]`). */
  subject: string;
  body: string;
  /** Every approved step that would have been handed to Instantly. */
  steps?: EmailStep[];
  approvedBy: string | null;
  /** The approval's `sequenceHash`. */
  contentHash: string;
  recordedAt: string;
}

export interface SafetyGate {
  check(request: SendRequest): Promise<GateDecision>;
  /** Marks a reserved send as delivered to the provider, so retries skip it. */
  markSent(idempotencyKey: string, providerRef: string): Promise<void>;
  /**
   * Records a shadow email once per lead and step; returns false when it was already recorded.
   * An audit entry given is appended in the same step, only when the email is recorded.
   */
  recordShadow(email: ShadowEmail, audit?: AuditInput): Promise<boolean>;
  listShadow(): Promise<ShadowEmail[]>;
  /** How many shadow emails are recorded (without reading them). */
  countShadow(): Promise<number>;
  suppress(email: string, reason: string): Promise<void>;
  isSuppressed(email: string): Promise<boolean>;
  sendsToday(now?: Date): Promise<{ day: GateDay; count: number; cap: number }>;
}

/** A day's send counter outlives the day in every time zone (the status reads today's). */
const SEND_COUNT_TTL_S = 2 * 24 * 3600;

export interface SafetyGateDeps {
  redis: Redis;
  keys: Keys;
  /**
   * The safety settings: fixed, or read per check from the cluster's policy (null when the stored
   * policy is invalid, and then every send is refused).
   */
  safety: SafetyConfig | (() => Promise<SafetyConfig | null>);
  emergency: Emergency;
  audit: Audit;
  now?: () => Date;
}


export function createSafetyGate(deps: SafetyGateDeps): SafetyGate {
  const { redis, keys, emergency, audit } = deps;
  const settings = typeof deps.safety === 'function' ? deps.safety : () => Promise.resolve(deps.safety as SafetyConfig);
  const now = deps.now ?? (() => new Date());
  const scripts = loadScripts(redis);
  const counterZone = (safety: SafetyConfig) => safety.send_window?.timezone ?? safety.timezone;

  async function capFor(safety: SafetyConfig, today: string): Promise<number> {
    if (!safety.warmup) return safety.max_daily_sends;
    const firstDay = (await redis.get(keys.firstSendDay)) ?? today;
    return Math.min(safety.max_daily_sends, warmupCap(safety.warmup.ramp, daysBetween(firstDay, today) + 1));
  }

  async function refuse<T extends GateDecision>(request: SendRequest, decision: T): Promise<T> {
    const { kind, ...rest } = decision;
    await audit.append({ actor: request.actor ?? 'system', action: `send.${kind}`, subject: request.leadRef, details: { step: request.step, ...rest } });
    return decision;
  }

  return {
    async check(request) {
      const stop = await emergency.state();
      if (stop.stopped) return refuse(request, { kind: 'refuse', reason: 'emergency_stop' });
      const safety = await settings();
      if (!safety) return refuse(request, { kind: 'refuse', reason: 'policy_invalid' });
      if (safety.shadow_mode) return { kind: 'shadow', reason: 'shadow_mode' };
      if (!safety.actually_send) return { kind: 'shadow', reason: 'actually_send_off' };
      const email = normaliseEmail(request.email);
      if (await redis.sismember(keys.suppressed, email)) return refuse(request, { kind: 'skip', reason: 'suppressed' });
      const at = now();
      if (safety.send_window && !inSendWindow(at, safety.send_window)) {
        return { kind: 'delay', reason: 'send_window', until: nextWindowOpening(at, safety.send_window) };
      }
      const timeZone = counterZone(safety);
      const day = gateDay(at, timeZone);
      const cap = await capFor(safety, day);
      // One key per address and step: the same person is never mailed the same step twice, even across runs.
      const idempotencyKey = `${email}|${request.step}`;
      // One step (lua/reserve-send.lua): the stop flag, the idempotency key and the daily counter are
      // checked and written together, so a retry or a second worker can never send twice or pass the cap.
      const [result, value] = await scripts.reserveSend(
        { idempotency: keys.sendIdempotency(idempotencyKey), dayCount: keys.sendCount(day), firstDay: keys.firstSendDay, stopFlag: keys.stopFlag },
        { cap, day, dayCountTtlS: SEND_COUNT_TTL_S },
      );
      if (result === 'stopped') return refuse(request, { kind: 'refuse', reason: 'emergency_stop' });
      if (result === 'cap') return refuse(request, { kind: 'hold', reason: 'daily_cap', until: nextLocalMidnight(at, timeZone), cap });
      if (result === 'duplicate') {
        // 'reserved' means an earlier attempt may have failed midway: the provider call is retried
        // with its own duplicate check (Instantly skip_if_in_campaign), and the counter is not bumped.
        if (value === 'reserved') return { kind: 'send', idempotencyKey, day, count: 0, retry: true };
        return refuse(request, { kind: 'skip', reason: 'already_sent' });
      }
      return { kind: 'send', idempotencyKey, day, count: Number(value), retry: false };
    },
    async markSent(idempotencyKey, providerRef) {
      await redis.set(keys.sendIdempotency(idempotencyKey), `sent:${providerRef}`);
    },
    async recordShadow(email, entry) {
      const added = await scripts.recordShadow(
        { marker: keys.shadowIdempotency(`${email.leadRef}|${email.step}`), list: keys.shadowEmails },
        { email: JSON.stringify(email) },
        entry ? { keys: [keys.audit], args: [AUDIT_MAX_ENTRIES, ...auditFields(entry)] } : undefined,
      );
      return added === 1;
    },
    async listShadow() {
      const rows = await redis.lrange(keys.shadowEmails, 0, -1);
      return rows.map((row) => JSON.parse(row) as ShadowEmail);
    },
    async countShadow() {
      return redis.llen(keys.shadowEmails);
    },
    async suppress(email, reason) {
      const added = await redis.sadd(keys.suppressed, normaliseEmail(email));
      if (added === 1) await audit.append({ actor: 'system', action: 'suppress', subject: normaliseEmail(email), details: { reason } });
    },
    async isSuppressed(email) {
      return (await redis.sismember(keys.suppressed, normaliseEmail(email))) === 1;
    },
    async sendsToday(at = now()) {
      // A broken policy sends nothing: its cap reads as 0.
      const safety = await settings();
      const day = gateDay(at, safety ? counterZone(safety) : 'UTC');
      const count = Number((await redis.get(keys.sendCount(day))) ?? '0');
      return { day, count, cap: safety ? await capFor(safety, day) : 0 };
    },
  };
}
