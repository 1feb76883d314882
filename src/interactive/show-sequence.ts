import { sequenceModal } from '../bot/blocks-approval.ts';
import type { SlackDeps } from '../bot/deps.ts';
import { explainRefusedDecision, parseButtonValue, type ButtonArgs } from './types.ts';

/**
 * The card's "Show sequence" button: a read-only modal with every step's subject and body
 * (trigger_id lasts 3 s). It changes nothing, so anyone who can see the card may read it.
 */
export async function showSequence({ ack, body, action, client }: ButtonArgs, deps: SlackDeps): Promise<void> {
  await ack();
  const value = parseButtonValue(action.value);
  const approval = value ? await deps.ctx.approvals.get(value.id) : null;
  if (!value || !approval) {
    if (body.response_url) await deps.reply(body.response_url, { response_type: 'ephemeral', replace_original: false, text: explainRefusedDecision({ ok: false, reason: 'not_found' }) });
    return;
  }
  const lead = await deps.ctx.store.getLead(approval.leadRef);
  await client.views.open({ trigger_id: body.trigger_id, view: sequenceModal(approval, lead, value.hash) });
}
