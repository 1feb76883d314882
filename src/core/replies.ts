import { hash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';
import { loadScripts } from './lua.ts';

/** What a person decided about a reply, from its Slack message. */
export const REPLY_OUTCOMES = ['interested', 'not_now', 'unsubscribed'] as const;
export type ReplyOutcome = (typeof REPLY_OUTCOMES)[number];
export type ReplyStatus = 'new' | ReplyOutcome;

/** One reply from a pipeline lead (Instantly email or HeyReach LinkedIn message). */
export interface Reply {
  /** `r` + 24 hex digits, from the provider's event: a redelivered event has the same id. */
  id: string;
  /** The lead it belongs to. */
  ref: string;
  channel: 'email' | 'linkedin';
  source: 'instantly' | 'heyreach';
  email: string | null;
  linkedin_url: string | null;
  /** The sequence step they answered, when the provider says. */
  step: number | null;
  /** The whole reply text (the Slack message shows a truncated, escaped copy). */
  text: string;
  unibox_url: string | null;
  campaign_id: string | null;
  received_at: string;
  status: ReplyStatus;
  decided_by: string | null;
  decided_at: string | null;
  slack_channel: string | null;
  slack_ts: string | null;
}

export type ReplyInput = Omit<Reply, 'status' | 'decided_by' | 'decided_at' | 'slack_channel' | 'slack_ts'>;

export type ReplyDecision = { ok: true; reply: Reply } | { ok: false; reason: 'not_found' } | { ok: false; reason: 'already_decided'; reply: Reply };

/** Replies are kept as long as the Instantly timeline (about 13 months). */
const RETENTION_S = 400 * 24 * 3600;

/** The id of a reply: the same provider event always gives the same id. */
export function replyIdFor(source: Reply['source'], eventId: string): string {
  return `r${hash('sha256', `${source}|${eventId}`, 'hex').slice(0, 24)}`;
}

export const REPLY_ID = /^r[a-f0-9]{24}$/;

const orNull = (v: string | undefined) => (v === undefined || v === '' ? null : v);

function toReply(h: Record<string, string>): Reply {
  return {
    id: h.id ?? '',
    ref: h.ref ?? '',
    channel: h.channel === 'linkedin' ? 'linkedin' : 'email',
    source: h.source === 'heyreach' ? 'heyreach' : 'instantly',
    email: orNull(h.email),
    linkedin_url: orNull(h.linkedin_url),
    step: h.step ? Number(h.step) : null,
    text: h.text ?? '',
    unibox_url: orNull(h.unibox_url),
    campaign_id: orNull(h.campaign_id),
    received_at: h.received_at ?? '',
    status: (h.status as ReplyStatus | undefined) ?? 'new',
    decided_by: orNull(h.decided_by),
    decided_at: orNull(h.decided_at),
    slack_channel: orNull(h.slack_channel),
    slack_ts: orNull(h.slack_ts),
  };
}

function pairs(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

export interface Replies {
  /** Stores the reply once; false when it was already stored (a redelivery or a retry). */
  create(input: ReplyInput): Promise<boolean>;
  get(id: string): Promise<Reply | null>;
  /** Records the first outcome; a later one changes nothing and is told the first. */
  decide(id: string, outcome: ReplyOutcome, by: string, at?: Date): Promise<ReplyDecision>;
  setSlackMessage(id: string, channel: string, ts: string): Promise<void>;
}

export function createReplies(redis: Redis, keys: Pick<Keys, 'reply'>): Replies {
  const scripts = loadScripts(redis);
  return {
    async create(input) {
      const fields: Record<string, string> = {
        id: input.id,
        ref: input.ref,
        channel: input.channel,
        source: input.source,
        email: input.email ?? '',
        linkedin_url: input.linkedin_url ?? '',
        step: input.step === null ? '' : String(input.step),
        text: input.text,
        unibox_url: input.unibox_url ?? '',
        campaign_id: input.campaign_id ?? '',
        received_at: input.received_at,
        status: 'new',
      };
      // Once (lua/create-reply.lua): a redelivered or retried event finds it and changes nothing.
      return (await scripts.createReply({ reply: keys.reply(input.id) }, { retentionS: RETENTION_S }, { args: Object.entries(fields).flat() })) === 1;
    },
    async get(id) {
      const h = await redis.hgetall(keys.reply(id));
      return h.id ? toReply(h) : null;
    },
    async decide(id, outcome, by, at = new Date()) {
      // The first outcome wins (lua/decide-reply.lua); a second click gets the first one back.
      const [result, ...flat] = await scripts.decideReply({ reply: keys.reply(id) }, { outcome, by, at: at.toISOString() });
      if (result === 'not_found') return { ok: false, reason: 'not_found' };
      const reply = toReply(pairs(flat));
      return result === 'ok' ? { ok: true, reply } : { ok: false, reason: 'already_decided', reply };
    },
    async setSlackMessage(id, channel, ts) {
      await redis.hset(keys.reply(id), 'slack_channel', channel, 'slack_ts', ts);
    },
  };
}
