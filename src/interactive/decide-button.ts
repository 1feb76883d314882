import type { SlackDeps } from '../bot/deps.ts';
import { explainRefusedDecision, parseButtonValue, type ButtonArgs } from './types.ts';

/**
 * Approve or Reject from the card: acked first, then the single decision function. The card
 * itself is updated by the outbox when the decision is recorded; a refused or late click is
 * answered only to the person who clicked.
 */
export async function decideFromButton(args: ButtonArgs, deps: SlackDeps, action: 'approve' | 'reject'): Promise<void> {
  const { ack, body, action: button } = args;
  await ack();
  const user = body.user.id;
  const value = parseButtonValue(button.value);
  const tell = async (text: string) => {
    if (body.response_url) await deps.reply(body.response_url, { response_type: 'ephemeral', replace_original: false, text });
  };
  if (!deps.approvers.allows(user)) {
    await tell(await deps.approvers.refuse(user, action, value?.id ?? 'approval'));
    return;
  }
  if (!value) {
    await tell('This button is malformed; nothing changed.');
    return;
  }
  const result = await deps.ctx.approvalService.decide(value.id, { action, by: user, shownHash: value.hash });
  if (!result.ok) await tell(explainRefusedDecision(result));
}
