import { parseEmail } from '../core/email.ts';
import type { InstantlyBody } from './instantly-schema.ts';
import type { LeadSignal } from './lead-signal.ts';

/** The Instantly events that change what happens to a lead beyond the KPIs. */
const KINDS: Record<string, LeadSignal['kind']> = {
  reply_received: 'reply',
  auto_reply_received: 'auto_reply',
  email_bounced: 'bounce',
  lead_unsubscribed: 'unsubscribe',
};

/** Instantly's payload names the whole text `reply_text`; a snippet is the fallback. */
function replyText(body: InstantlyBody): string | null {
  if (body.reply_text) return body.reply_text;
  const snippet = (body as Record<string, unknown>).reply_text_snippet;
  return typeof snippet === 'string' ? snippet.slice(0, 2_000) : null;
}

/** The lead signal of an Instantly event, or null for events that only count (sent, opened…). */
export function instantlySignal(body: InstantlyBody, eventId: string, at: string, step: number | null): LeadSignal | null {
  const kind = KINDS[body.event_type];
  const email = parseEmail(body.lead_email);
  if (!kind || !email) return null;
  return {
    source: 'instantly',
    kind,
    event_id: eventId,
    email,
    linkedin_url: null,
    campaign_id: body.campaign_id?.trim() || null,
    step,
    text: kind === 'reply' ? replyText(body) : null,
    unibox_url: kind === 'reply' ? (body.unibox_url?.trim() || null) : null,
    sender_id: null,
    at,
  };
}
