import { z } from 'zod';
import { parseEmail } from '../core/email.ts';
import { normaliseLinkedInUrl } from '../core/linkedin-url.ts';
import { bodyHash } from './accept.ts';
import { parseTimestamp } from './instantly-schema.ts';
import type { LeadSignal } from './lead-signal.ts';

/**
 * HeyReach's webhook body is not documented by HeyReach (provider reference §8: "payload shape
 * unconfirmed"). Third-party integrations show several spellings (camelCase `lead.profileUrl`,
 * snake_case `lead.profile_url`, `leadProfile.linkedInUrl`, a `message` string or object, a
 * `recent_messages` list), so each field is looked up under every name seen; unknown fields are
 * kept. What is required is what identifies the lead: a LinkedIn profile URL or an email address.
 */

/** The HeyReach events CAIO acts on; the others are answered 200 `ignored`. */
const KINDS: Record<string, LeadSignal['kind']> = {
  MESSAGE_REPLY_RECEIVED: 'reply',
  EVERY_MESSAGE_REPLY_RECEIVED: 'reply',
  INMAIL_REPLY_RECEIVED: 'reply',
  CONNECTION_REQUEST_ACCEPTED: 'connection_accepted',
};

const TEXT_MAX = 200_000;
const obj = z.looseObject({}).nullish();

export const heyreachSchema = z
  .looseObject({
    eventType: z.string().max(100).nullish(),
    event_type: z.string().max(100).nullish(),
    event: z.union([z.string().max(100), z.looseObject({})]).nullish(),
    type: z.string().max(100).nullish(),
    lead: obj,
    leadProfile: obj,
    lead_profile: obj,
    campaign: obj,
    sender: obj,
    linkedInAccount: obj,
    message: z.union([z.string().max(TEXT_MAX), z.looseObject({})]).nullish(),
    messageBody: z.string().max(TEXT_MAX).nullish(),
    recent_messages: z.array(z.unknown()).max(1_000).nullish(),
    messages: z.array(z.unknown()).max(1_000).nullish(),
  })
  .superRefine((body, ctx) => {
    const type = eventTypeOf(body);
    if (!type) {
      ctx.addIssue({ code: 'custom', path: ['eventType'], message: 'an event type is required (eventType, event_type or event)' });
      return;
    }
    if (KINDS[type] && !leadUrlOf(body) && !leadEmailOf(body)) {
      ctx.addIssue({ code: 'custom', path: ['lead'], message: `a lead LinkedIn profile URL (lead.profileUrl) or email (lead.emailAddress) is required for ${type}` });
    }
  });

export type HeyReachBody = z.infer<typeof heyreachSchema>;

type Loose = Record<string, unknown>;

const isObj = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first of `names` that `from` has as a non-empty string or number. */
function pick(from: unknown, ...names: string[]): string | null {
  if (!isObj(from)) return null;
  for (const name of names) {
    const v = from[name];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return null;
}

function eventTypeOf(body: Loose): string | null {
  const event = body.event;
  const type = pick(body, 'eventType', 'event_type', 'type') ?? (typeof event === 'string' ? event : pick(event, 'type', 'eventType', 'name'));
  return type ? type.toUpperCase() : null;
}

function leadOf(body: Loose): Loose | null {
  for (const name of ['lead', 'leadProfile', 'lead_profile', 'contact']) if (isObj(body[name])) return body[name] as Loose;
  return null;
}

function leadUrlOf(body: Loose): string | null {
  const raw =
    pick(leadOf(body), 'profileUrl', 'profile_url', 'linkedInUrl', 'linkedinUrl', 'linkedin_url', 'linkedInProfileUrl', 'url') ??
    pick(body, 'leadUrl', 'lead_url', 'profileUrl', 'profile_url', 'linkedInUrl', 'linkedinUrl', 'linkedin_url');
  return normaliseLinkedInUrl(raw) ? raw : null;
}

function leadEmailOf(body: Loose): string | null {
  const lead = leadOf(body);
  return parseEmail(pick(lead, 'emailAddress', 'email_address', 'email', 'enrichedEmail', 'enriched_email', 'customEmailAddress') ?? pick(body, 'leadEmail', 'lead_email', 'email'));
}

/** The lead's newest message in a thread list, when the body carries one instead of a `message`. */
function latestReply(list: unknown): Loose | null {
  if (!Array.isArray(list)) return null;
  const items = list.filter(isObj);
  const replies = items.filter((m) => m.is_reply === true || m.isReply === true || m.isFromLead === true || m.direction === 'inbound');
  return (replies.length > 0 ? replies : items).at(-1) ?? null;
}

function messageOf(body: Loose): { text: string | null; id: string | null } {
  const message = body.message;
  if (typeof message === 'string') return { text: message, id: pick(body, 'messageId', 'message_id') };
  if (isObj(message)) return { text: pick(message, 'text', 'body', 'message', 'content'), id: pick(message, 'id', 'messageId', 'message_id') };
  const direct = pick(body, 'messageBody', 'message_text', 'messageText', 'replyText', 'text');
  if (direct) return { text: direct, id: pick(body, 'messageId', 'message_id') };
  const latest = latestReply(body.recent_messages) ?? latestReply(body.messages);
  return { text: pick(latest, 'message', 'text', 'body', 'content'), id: pick(latest, 'id', 'messageId', 'message_id') };
}

/** The event type and, for an event CAIO acts on, its lead signal. */
export function toHeyReachSignal(body: HeyReachBody, receivedAt: Date): { type: string; signal: LeadSignal | null } {
  const type = eventTypeOf(body) ?? 'UNKNOWN';
  const kind = KINDS[type];
  if (!kind) return { type, signal: null };
  const message = kind === 'reply' ? messageOf(body) : { text: null, id: null };
  const url = leadUrlOf(body);
  // A reply counts once: by HeyReach's own event or message id (the same message under
  // MESSAGE_REPLY_RECEIVED and EVERY_MESSAGE_REPLY_RECEIVED is one reply), else the body's hash.
  const providerId = pick(body, 'eventId', 'event_id') ?? message.id;
  const eventId = providerId ? `${kind}|${providerId}` : bodyHash(body);
  const stamp = pick(body, 'timestamp', 'createdAt', 'created_at', 'time');
  return {
    type,
    signal: {
      source: 'heyreach',
      kind,
      event_id: eventId,
      email: leadEmailOf(body),
      linkedin_url: url,
      campaign_id: pick(body.campaign, 'id') ?? pick(body, 'campaignId', 'campaign_id'),
      step: null,
      text: message.text ? message.text.slice(0, TEXT_MAX) : null,
      unibox_url: null,
      sender_id: pick(body.sender, 'id') ?? pick(body.linkedInAccount, 'id') ?? pick(body, 'linkedInAccountId', 'linkedin_account_id', 'senderId', 'sender_id', 'accountId'),
      at: parseTimestamp(stamp, receivedAt).toISOString(),
    },
  };
}
