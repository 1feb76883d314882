import { editBlockId } from '../bot/blocks-approval.ts';
import type { SlackDeps } from '../bot/deps.ts';
import { EMAIL_STEP_DAYS } from '../core/cadence.ts';
import { editedEmailSchema } from '../core/approvals.ts';
import type { EmailStep } from '../core/types.ts';
import { explainRefusedDecision, parseButtonValue, type SubmitArgs } from './types.ts';

type Values = SubmitArgs['view']['state']['values'];

/** One step as the modal returns it; a null body is one shown as kept (over Slack's input limit). */
interface FormStep {
  subject: string;
  body: string | null;
}

/** What the modal's inputs hold, step by step. */
function submittedSteps(values: Values): FormStep[] {
  const steps: FormStep[] = [];
  for (let n = 1; n <= EMAIL_STEP_DAYS.length; n++) {
    const subject = values[editBlockId('subject', n)]?.value;
    if (!subject) break;
    const body = values[editBlockId('body', n)]?.value;
    steps.push({ subject: subject.value ?? '', body: body ? (body.value ?? '') : null });
  }
  return steps;
}

/** Every step validated on its own (subject 1-200, body 1-5,000 with the footer); errors by block id. */
function validate(steps: FormStep[]): { ok: true; steps: FormStep[] } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const valid = steps.map((step, i): FormStep => {
    const n = i + 1;
    const subject = editedEmailSchema.shape.subject.safeParse(step.subject);
    if (!subject.success) errors[editBlockId('subject', n)] = subject.error.issues[0]?.message ?? 'Invalid subject';
    if (step.body === null) return { subject: subject.data ?? '', body: null };
    const body = editedEmailSchema.shape.body.safeParse(step.body);
    if (!body.success) errors[editBlockId('body', n)] = body.error.issues[0]?.message ?? 'Invalid body';
    return { subject: subject.data ?? '', body: body.data ?? '' };
  });
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, steps: valid };
}

/**
 * The edit modal's submission: every step validated (subject 1-200, body 1-5,000, unsubscribe
 * footer kept) with each error shown on its own step's input; a valid edit goes through the
 * single decision function with the hash the modal was opened on.
 */
export async function editSubmit({ ack, body, view, client }: SubmitArgs, deps: SlackDeps): Promise<void> {
  const user = body.user.id;
  const first = editBlockId('subject', 1);
  if (!deps.approvers.allows(user)) {
    await ack({ response_action: 'errors', errors: { [first]: 'You are not on the approver list (CAIO_APPROVERS).' } });
    await deps.approvers.refuse(user, 'edit', 'approval');
    return;
  }
  const meta = parseButtonValue(view.private_metadata);
  const submitted = submittedSteps(view.state.values);
  if (!meta || submitted.length === 0) {
    await ack({ response_action: 'errors', errors: { [first]: 'This form is out of date; open Edit again.' } });
    return;
  }
  const checked = validate(submitted);
  if (!checked.ok) {
    await ack({ response_action: 'errors', errors: checked.errors });
    return;
  }
  await ack();
  const steps = await withKeptBodies(deps, meta.id, checked.steps);
  const result = await deps.ctx.approvalService.decide(meta.id, { action: 'edit', by: user, shownHash: meta.hash, steps });
  if (result.ok) return;
  const channel = result.reason === 'not_found' ? deps.ctx.config.env.SLACK_APPROVAL_CHANNEL : (result.approval.slack_channel ?? deps.ctx.config.env.SLACK_APPROVAL_CHANNEL);
  if (channel) await client.chat.postEphemeral({ channel, user, text: explainRefusedDecision(result) });
}

/**
 * A body too long for Slack's input was not in the form: it keeps its stored text. Safe to read
 * now: the decision is bound to the hash the modal showed, so a sequence changed since is refused.
 */
async function withKeptBodies(deps: SlackDeps, id: string, steps: FormStep[]): Promise<EmailStep[]> {
  if (steps.every((s) => s.body !== null)) return steps.map((s) => ({ subject: s.subject, body: s.body ?? '' }));
  const stored = (await deps.ctx.approvals.get(id))?.steps ?? [];
  return steps.map((s, i) => ({ subject: s.subject, body: s.body ?? stored[i]?.body ?? '' }));
}
