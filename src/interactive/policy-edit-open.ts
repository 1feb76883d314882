import { policyModal } from '../bot/blocks-policy.ts';
import type { SlackDeps } from '../bot/deps.ts';
import type { ButtonArgs } from './types.ts';

/** Edit policy: opens the modal prefilled with the stored policy (trigger_id lasts 3 s). */
export async function policyEditOpen({ ack, body, client }: ButtonArgs, deps: SlackDeps): Promise<void> {
  await ack();
  const user = body.user.id;
  if (!deps.approvers.allows(user)) {
    const text = await deps.approvers.refuse(user, 'policy.edit', 'policy');
    if (body.response_url) await deps.reply(body.response_url, { response_type: 'ephemeral', replace_original: false, text });
    return;
  }
  deps.ctx.policy.invalidate();
  const read = await deps.ctx.policy.read();
  const fallback = { safety: deps.ctx.config.safety, icp: deps.ctx.config.icp };
  await client.views.open({ trigger_id: body.trigger_id, view: policyModal(read.ok ? read.stored : null, fallback) });
}
