import { who } from '../bot/format.ts';
import type { SlackDeps } from '../bot/deps.ts';
import { PROPOSAL_ID } from '../core/autonomy-proposals.ts';
import type { ProposalOutcome } from '../jobs/autonomy-service.ts';
import type { ButtonArgs } from './types.ts';

/** What a click on a proposal card got, in words for the person who clicked (the card itself is updated by the outbox). */
export function proposalOutcomeText(outcome: ProposalOutcome, done: string): string {
  switch (outcome.kind) {
    case 'done':
      return done;
    case 'already_decided':
      return `This proposal was already ${outcome.proposal.status === 'superseded' ? 'replaced (out of date, see the new proposal)' : `${outcome.proposal.status} by ${who(outcome.proposal.decided_by)}`}; nothing changed.`;
    case 'not_found':
      return 'This proposal no longer exists; nothing changed.';
    case 'out_of_date':
      return outcome.next
        ? 'This proposal is out of date, see the new proposal; nothing changed.'
        : `This proposal is out of date (its data changed: ${outcome.why}); nothing changed.`;
  }
}

/**
 * Enable / Apply / Dismiss on a proposal card: acked first, approvers only (a refusal is audited),
 * the first click wins; the answer goes only to the person who clicked.
 */
export async function proposalButton(args: ButtonArgs, deps: SlackDeps, action: string, decide: (id: string, by: string) => Promise<ProposalOutcome>, done: string): Promise<void> {
  const { ack, body } = args;
  await ack();
  const user = body.user.id;
  const id = args.action.value ?? '';
  const tell = async (text: string) => {
    if (body.response_url) await deps.reply(body.response_url, { response_type: 'ephemeral', replace_original: false, text });
  };
  if (!deps.approvers.allows(user)) {
    await tell(await deps.approvers.refuse(user, action, PROPOSAL_ID.test(id) ? id : 'proposal'));
    return;
  }
  if (!PROPOSAL_ID.test(id)) {
    await tell('This button is malformed; nothing changed.');
    return;
  }
  await tell(proposalOutcomeText(await decide(id, user), done));
}
