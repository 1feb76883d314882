import type { types } from '@slack/bolt';
import type { Reply, ReplyOutcome } from '../core/replies.ts';
import type { Lead } from '../core/types.ts';
import { confirmDialog, context, esc, mrkdwn, sections, when, who, type Block } from './format.ts';

export const ACTION_REPLY_INTERESTED = 'reply_interested';
export const ACTION_REPLY_NOT_NOW = 'reply_not_now';
export const ACTION_REPLY_UNSUBSCRIBE = 'reply_unsubscribe';

/** The card shows at most this much of a reply; the whole text stays in CAIO (src/core/replies.ts). */
export const REPLY_CARD_MAX = 2_500;
const FALLBACK_MAX = 150;

const OUTCOME_TEXT: Record<ReplyOutcome, string> = {
  interested: ':white_check_mark: *Interested*',
  not_now: ':zzz: *Not now*',
  unsubscribed: ':no_entry_sign: *Unsubscribed*',
};

function leadName(reply: Reply, lead: Lead | null): string {
  return [lead?.first_name, lead?.last_name].filter(Boolean).join(' ') || reply.email || reply.linkedin_url || 'Unknown lead';
}

function personLine(reply: Reply, lead: Lead | null): string {
  const parts = [`*${esc(leadName(reply, lead))}*`];
  if (lead?.title) parts.push(esc(lead.title));
  if (lead?.company_name) parts.push(`at *${esc(lead.company_name)}*`);
  return parts.join(' · ');
}

function answered(reply: Reply): string {
  if (reply.channel === 'linkedin') return 'a LinkedIn message';
  return reply.step === null ? 'an email' : `email step ${reply.step}`;
}

function facts(reply: Reply, lead: Lead | null): string {
  const tier = lead?.icp ? `ICP tier *${lead.icp.tier}* (${lead.icp.score}/100)` : 'ICP tier *not scored*';
  return `${tier} · answered *${answered(reply)}*`;
}

/** Only an https URL becomes a link; `|` would end Slack's link text early, so it is percent-encoded. */
export function safeLink(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:') return null;
    return esc(parsed.toString().replaceAll('|', '%7C'));
  } catch {
    return null;
  }
}

/** The reply as a quote, escaped (no mention, link or channel ping survives) and truncated for the card. */
function quoted(reply: Reply): { blocks: Block[]; truncated: boolean } {
  const text = reply.text.trim();
  const truncated = text.length > REPLY_CARD_MAX;
  const shown = truncated ? `${text.slice(0, REPLY_CARD_MAX)}…` : text || '(empty reply)';
  const quote = esc(shown)
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
  return { blocks: sections(quote), truncated };
}

function fallback(prefix: string, reply: Reply, lead: Lead | null): string {
  const snippet = reply.text.trim().replace(/\s+/g, ' ');
  const short = snippet.length > FALLBACK_MAX ? `${snippet.slice(0, FALLBACK_MAX)}…` : snippet;
  return `${prefix} ${esc(leadName(reply, lead))}${lead?.company_name ? ` (${esc(lead.company_name)})` : ''}: ${esc(short)}`;
}

function body(reply: Reply, lead: Lead | null): Block[] {
  const { blocks, truncated } = quoted(reply);
  const out: Block[] = [mrkdwn(personLine(reply, lead)), mrkdwn(facts(reply, lead)), ...blocks];
  if (truncated) out.push(context(`Showing the first ${REPLY_CARD_MAX.toLocaleString('en-US')} of ${reply.text.trim().length.toLocaleString('en-US')} characters; the whole reply is kept in CAIO.`));
  const link = reply.channel === 'email' ? safeLink(reply.unibox_url) : null;
  if (link) out.push(mrkdwn(`<${link}|Open the conversation in Instantly's unibox>`));
  return out;
}

const footer = (reply: Reply) => context(`Reply \`${reply.id}\` · received ${when(reply.received_at)} · lead \`${esc(reply.ref)}\``);

/** The message posted once per reply, with the three outcome buttons (approvers only). */
export function replyCard(reply: Reply, lead: Lead | null): { text: string; blocks: Block[] } {
  const value = reply.id;
  const actions: types.ActionsBlock = {
    type: 'actions',
    block_id: 'reply_actions',
    elements: [
      { type: 'button', action_id: ACTION_REPLY_INTERESTED, style: 'primary', text: { type: 'plain_text', text: 'Interested' }, value },
      { type: 'button', action_id: ACTION_REPLY_NOT_NOW, text: { type: 'plain_text', text: 'Not now' }, value },
      {
        type: 'button',
        action_id: ACTION_REPLY_UNSUBSCRIBE,
        style: 'danger',
        text: { type: 'plain_text', text: 'Unsubscribe' },
        value,
        confirm: confirmDialog('Unsubscribe this lead?', 'CAIO never contacts this address again, on any channel.', 'Unsubscribe', true),
      },
    ],
  };
  return {
    // The fallback is what notifications show: escaped like the blocks, so a reply cannot ping @channel.
    text: fallback(':speech_balloon: Reply from', reply, lead),
    blocks: [{ type: 'header', text: { type: 'plain_text', text: reply.channel === 'linkedin' ? 'LinkedIn reply' : 'Email reply' } }, ...body(reply, lead), actions, footer(reply)],
  };
}

/** The same message once a person chose an outcome: the outcome, who, when, and no buttons. */
export function replyDecidedCard(reply: Reply, lead: Lead | null): { text: string; blocks: Block[] } {
  const outcome = reply.status === 'new' ? ':hourglass: *Open*' : OUTCOME_TEXT[reply.status];
  return {
    text: fallback(`${reply.status.replace('_', ' ')}:`, reply, lead),
    blocks: [mrkdwn(`${outcome} — marked by ${who(reply.decided_by)} at ${when(reply.decided_at)}`), ...body(reply, lead), footer(reply)],
  };
}
