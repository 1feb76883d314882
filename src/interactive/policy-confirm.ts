import { confirmMetadataSchema, resultView } from '../bot/blocks-policy.ts';
import type { SlackDeps } from '../bot/deps.ts';
import { applyAssignments, changePolicy } from '../jobs/policy-change.ts';
import { outcomeText } from './policy-outcome.ts';
import type { SubmitArgs } from './types.ts';

/** Confirm of a loosening change: applied only if the policy is still at the version it was made on. */
export async function policyConfirm({ ack, body, view }: SubmitArgs, deps: SlackDeps): Promise<void> {
  const user = body.user.id;
  if (!deps.approvers.allows(user)) {
    await ack({ response_action: 'update', view: resultView('You are not on the approver list (CAIO_APPROVERS); nothing changed.') });
    await deps.approvers.refuse(user, 'policy.edit', 'policy');
    return;
  }
  let meta;
  try {
    meta = confirmMetadataSchema.parse(JSON.parse(view.private_metadata));
  } catch {
    await ack({ response_action: 'update', view: resultView('This form is out of date; nothing changed. Open /caio config again.') });
    return;
  }
  deps.ctx.policy.invalidate();
  const read = await deps.ctx.policy.read();
  const base = read.ok ? read.stored.policy : { safety: deps.ctx.config.safety, icp: deps.ctx.config.icp };
  const outcome = await changePolicy(deps.ctx, { next: applyAssignments(base, meta.assignments), by: user, expectedVersion: meta.version, confirmed: true });
  await ack({ response_action: 'update', view: resultView(outcomeText(outcome)) });
}
