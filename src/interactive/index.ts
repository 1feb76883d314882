import type { App, BlockButtonAction, ViewSubmitAction } from '@slack/bolt';
import { ACTION_APPROVE, ACTION_EDIT, ACTION_REJECT, ACTION_SHOW_SEQUENCE, VIEW_EDIT } from '../bot/blocks-approval.ts';
import { ACTION_RESUME, ACTION_STOP } from '../bot/blocks-control.ts';
import { ACTION_POLICY_EDIT, VIEW_POLICY, VIEW_POLICY_CONFIRM } from '../bot/blocks-policy.ts';
import type { SlackDeps } from '../bot/deps.ts';
import { appHomeOpened } from './app-home-opened.ts';
import { approve } from './approve.ts';
import { editOpen } from './edit-open.ts';
import { editSubmit } from './edit-submit.ts';
import { emergencyStop } from './emergency-stop.ts';
import { policyConfirm } from './policy-confirm.ts';
import { policyEditOpen } from './policy-edit-open.ts';
import { policySubmit } from './policy-submit.ts';
import { reject } from './reject.ts';
import { ACTION_REPLY_INTERESTED, ACTION_REPLY_NOT_NOW, ACTION_REPLY_UNSUBSCRIBE } from '../bot/blocks-reply.ts';
import { replyInterested } from './reply-interested.ts';
import { replyNotNow } from './reply-not-now.ts';
import { replyUnsubscribe } from './reply-unsubscribe.ts';
import { resume } from './resume.ts';
import { showSequence } from './show-sequence.ts';
import type { ButtonArgs } from './types.ts';
import { ACTION_ANNEAL_APPLY, ACTION_ANNEAL_DISMISS, ACTION_AUTONOMY_DISMISS, ACTION_AUTONOMY_ENABLE } from '../bot/blocks-autonomy.ts';
import { annealApply } from './anneal-apply.ts';
import { annealDismiss } from './anneal-dismiss.ts';
import { autonomyDismiss } from './autonomy-dismiss.ts';
import { autonomyEnable } from './autonomy-enable.ts';

/** Every button CAIO puts on a message or App Home, by action_id; one file each. */
const BUTTONS: Record<string, (args: ButtonArgs, deps: SlackDeps) => Promise<void>> = {
  [ACTION_APPROVE]: approve,
  [ACTION_REJECT]: reject,
  [ACTION_EDIT]: editOpen,
  [ACTION_SHOW_SEQUENCE]: showSequence,
  [ACTION_STOP]: emergencyStop,
  [ACTION_RESUME]: resume,
  [ACTION_POLICY_EDIT]: policyEditOpen,
  [ACTION_REPLY_INTERESTED]: replyInterested,
  [ACTION_REPLY_NOT_NOW]: replyNotNow,
  [ACTION_REPLY_UNSUBSCRIBE]: replyUnsubscribe,
  [ACTION_AUTONOMY_ENABLE]: autonomyEnable,
  [ACTION_AUTONOMY_DISMISS]: autonomyDismiss,
  [ACTION_ANNEAL_APPLY]: annealApply,
  [ACTION_ANNEAL_DISMISS]: annealDismiss,
};

const escape = (id: string) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Wires the buttons, the edit modal and App Home. The buttons share one Bolt listener that
 * dispatches on action_id: Bolt runs every listener's middleware chain for every request, so
 * one chain instead of five keeps the ack path short.
 */
export function register(app: App, deps: SlackDeps): void {
  const ids = new RegExp(`^(?:${Object.keys(BUTTONS).map(escape).join('|')})$`);
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: ids }, (args) => BUTTONS[args.action.action_id]!(args, deps));
  app.view<ViewSubmitAction>(VIEW_EDIT, (args) => editSubmit(args, deps));
  app.view<ViewSubmitAction>(VIEW_POLICY, (args) => policySubmit(args, deps));
  app.view<ViewSubmitAction>(VIEW_POLICY_CONFIRM, (args) => policyConfirm(args, deps));
  app.event('app_home_opened', (args) => appHomeOpened(args, deps));
}
