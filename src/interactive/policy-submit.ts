import { confirmView, errorsForBlocks, POLICY_FIELDS, readPolicyForm, resultView } from '../bot/blocks-policy.ts';
import type { SlackDeps } from '../bot/deps.ts';
import { diffPolicies, looseningChanges, parsePolicy } from '../core/policy.ts';
import { applyAssignments, changePolicy, describeChanges } from '../jobs/policy-change.ts';
import { outcomeText } from './policy-outcome.ts';
import type { SubmitArgs } from './types.ts';
import { z } from 'zod';

const metadataSchema = z.object({ version: z.number().int().min(0).nullable() });

/**
 * The policy modal's submission: every field validated (errors shown on the field), a change that
 * loosens safety turned into a confirm step, anything else applied at once.
 */
export async function policySubmit({ ack, body, view }: SubmitArgs, deps: SlackDeps): Promise<void> {
  const user = body.user.id;
  const firstBlock = POLICY_FIELDS[0]!.path;
  if (!deps.approvers.allows(user)) {
    await ack({ response_action: 'errors', errors: { [firstBlock]: 'You are not on the approver list (CAIO_APPROVERS).' } });
    await deps.approvers.refuse(user, 'policy.edit', 'policy');
    return;
  }
  let meta: z.infer<typeof metadataSchema>;
  try {
    meta = metadataSchema.parse(JSON.parse(view.private_metadata));
  } catch {
    await ack({ response_action: 'errors', errors: { [firstBlock]: 'This form is out of date; open /caio config again.' } });
    return;
  }
  const form = readPolicyForm(view.state.values as Parameters<typeof readPolicyForm>[0]);
  if (Object.keys(form.errors).length > 0) {
    await ack({ response_action: 'errors', errors: form.errors });
    return;
  }
  deps.ctx.policy.invalidate();
  const read = await deps.ctx.policy.read();
  const base = read.ok ? read.stored.policy : { safety: deps.ctx.config.safety, icp: deps.ctx.config.icp };
  const parsed = parsePolicy(applyAssignments(base, form.assignments));
  if (!parsed.ok) {
    await ack({ response_action: 'errors', errors: errorsForBlocks(parsed.errors) });
    return;
  }
  const changes = diffPolicies(base, parsed.policy);
  if (read.ok && changes.length === 0) {
    await ack({ response_action: 'update', view: resultView('Nothing changed: the policy already has these values.') });
    return;
  }
  const loosening = looseningChanges(base.safety, parsed.policy.safety);
  if (loosening.length > 0 || !read.ok) {
    // Only the changed fields travel to the confirm step (private_metadata holds 3,000 characters).
    const assignments = Object.fromEntries(changes.map((c) => [c.path, c.after]));
    const lines = describeChanges(changes);
    await ack({ response_action: 'update', view: confirmView(lines, loosening.length > 0 ? loosening : ['replaces an invalid stored policy'], { version: meta.version, assignments }) });
    return;
  }
  const outcome = await changePolicy(deps.ctx, { next: parsed.policy, by: user, expectedVersion: meta.version, confirmed: false });
  await ack({ response_action: 'update', view: resultView(outcomeText(outcome)) });
}
