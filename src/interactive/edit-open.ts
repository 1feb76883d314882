import { editModal } from '../bot/blocks-approval.ts';
import type { SlackDeps } from '../bot/deps.ts';
import { explainRefusedDecision, parseButtonValue, type ButtonArgs } from './types.ts';

/** The Edit button: opens the modal prefilled with every step's subject and body (trigger_id lasts 3 s). */
export async function editOpen({ ack, body, action, client }: ButtonArgs, deps: SlackDeps): Promise<void> {
  await ack();
  const user = body.user.id;
  const value = parseButtonValue(action.value);
  const tell = async (text: string) => {
    if (body.response_url) await deps.reply(body.response_url, { response_type: 'ephemeral', replace_original: false, text });
  };
  if (!deps.approvers.allows(user)) {
    await tell(await deps.approvers.refuse(user, 'edit', value?.id ?? 'approval'));
    return;
  }
  const approval = value ? await deps.ctx.approvals.get(value.id) : null;
  if (!approval) {
    await tell(explainRefusedDecision({ ok: false, reason: 'not_found' }));
    return;
  }
  if (approval.status !== 'pending') {
    await tell(explainRefusedDecision({ ok: false, reason: 'already_decided', approval }));
    return;
  }
  await client.views.open({ trigger_id: body.trigger_id, view: editModal(approval) });
}
