import type { SlackDeps } from '../bot/deps.ts';
import { who } from '../bot/format.ts';
import { REPLY_ID, type ReplyOutcome } from '../core/replies.ts';
import type { ButtonArgs } from './types.ts';

const LABEL: Record<ReplyOutcome, string> = { interested: 'Interested', not_now: 'Not now', unsubscribed: 'Unsubscribed' };

/**
 * Interested / Not now / Unsubscribe on a reply message: acked first, approvers only, the first
 * outcome wins (the message is then updated in place by the outbox); a refused or late click is
 * answered only to the person who clicked.
 */
export async function replyOutcomeFromButton(args: ButtonArgs, deps: SlackDeps, outcome: ReplyOutcome): Promise<void> {
  const { ack, body, action } = args;
  await ack();
  const user = body.user.id;
  const replyId = action.value ?? '';
  const tell = async (text: string) => {
    if (body.response_url) await deps.reply(body.response_url, { response_type: 'ephemeral', replace_original: false, text });
  };
  if (!deps.approvers.allows(user)) {
    await tell(await deps.approvers.refuse(user, `reply.${outcome}`, REPLY_ID.test(replyId) ? replyId : 'reply'));
    return;
  }
  if (!REPLY_ID.test(replyId)) {
    await tell('This button is malformed; nothing changed.');
    return;
  }
  const result = await deps.ctx.replyService.decide(replyId, outcome, user);
  if (result.ok) return;
  if (result.reason === 'not_found') await tell('This reply is no longer known to CAIO; nothing changed.');
  else if (result.reply.status !== 'new') await tell(`This reply was already marked ${LABEL[result.reply.status]} by ${who(result.reply.decided_by)}; nothing changed.`);
}
