import type { SlackDeps } from '../bot/deps.ts';
import { editedEmailSchema } from '../core/approvals.ts';
import { explainRefusedDecision, parseButtonValue, type SubmitArgs } from './types.ts';

function inputValue(values: SubmitArgs['view']['state']['values'], block: string): string {
  return values[block]?.value?.value ?? '';
}

/**
 * The edit modal's submission: validated (subject 1-200, body 1-5,000, unsubscribe footer kept)
 * with the errors shown in the modal; a valid edit goes through the single decision function.
 */
export async function editSubmit({ ack, body, view, client }: SubmitArgs, deps: SlackDeps): Promise<void> {
  const user = body.user.id;
  if (!deps.approvers.allows(user)) {
    await ack({ response_action: 'errors', errors: { subject: 'You are not on the approver list (CAIO_APPROVERS).' } });
    await deps.approvers.refuse(user, 'edit', 'approval');
    return;
  }
  const meta = parseButtonValue(view.private_metadata);
  if (!meta) {
    await ack({ response_action: 'errors', errors: { subject: 'This form is out of date; open Edit again.' } });
    return;
  }
  const parsed = editedEmailSchema.safeParse({ subject: inputValue(view.state.values, 'subject'), body: inputValue(view.state.values, 'body') });
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'body');
      errors[field] ??= issue.message;
    }
    await ack({ response_action: 'errors', errors });
    return;
  }
  await ack();
  const result = await deps.ctx.approvalService.decide(meta.id, { action: 'edit', by: user, shownHash: meta.hash, ...parsed.data });
  if (result.ok) return;
  const channel = result.reason === 'not_found' ? deps.ctx.config.env.SLACK_APPROVAL_CHANNEL : (result.approval.slack_channel ?? deps.ctx.config.env.SLACK_APPROVAL_CHANNEL);
  if (channel) await client.chat.postEphemeral({ channel, user, text: explainRefusedDecision(result) });
}
