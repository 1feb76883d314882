import type { AppContext } from '../context.ts';
import { createProposals } from '../core/autonomy-proposals.ts';
import { proposalCard } from './blocks-autonomy.ts';
import type { WebClient } from './slack-client.ts';

/**
 * Posts a proposal card to the approval channel, or updates it in place once it is posted (after
 * Enable, Apply, Dismiss or when it went out of date). The outbox job holds only the proposal id.
 */
export async function postProposalCard(deps: Pick<AppContext, 'config' | 'logger' | 'redis' | 'keys'>, client: WebClient, id: string): Promise<void> {
  const proposals = createProposals(deps.redis, deps.keys);
  const proposal = await proposals.get(id);
  if (!proposal) return;
  const message = proposalCard(proposal);
  if (proposal.slack_channel && proposal.slack_ts) {
    await client.chat.update({ channel: proposal.slack_channel, ts: proposal.slack_ts, ...message });
    return;
  }
  const channel = deps.config.env.SLACK_APPROVAL_CHANNEL;
  if (!channel) return void deps.logger.warn({ proposal: id }, 'SLACK_APPROVAL_CHANNEL is unset: proposal card not posted');
  const res = await client.chat.postMessage({ channel, ...message });
  await proposals.setSlackMessage(id, String(res.channel), String(res.ts));
}
