import type { App, BlockButtonAction, ViewSubmitAction } from '@slack/bolt';
import { ACTION_APPROVE, ACTION_EDIT, ACTION_REJECT, VIEW_EDIT } from '../bot/blocks-approval.ts';
import { ACTION_RESUME, ACTION_STOP } from '../bot/blocks-control.ts';
import type { SlackDeps } from '../bot/deps.ts';
import { appHomeOpened } from './app-home-opened.ts';
import { approve } from './approve.ts';
import { editOpen } from './edit-open.ts';
import { editSubmit } from './edit-submit.ts';
import { emergencyStop } from './emergency-stop.ts';
import { reject } from './reject.ts';
import { resume } from './resume.ts';

/** Wires every button, view and event listener, one file each. */
export function register(app: App, deps: SlackDeps): void {
  app.action<BlockButtonAction>(ACTION_APPROVE, (args) => approve(args, deps));
  app.action<BlockButtonAction>(ACTION_REJECT, (args) => reject(args, deps));
  app.action<BlockButtonAction>(ACTION_EDIT, (args) => editOpen(args, deps));
  app.action<BlockButtonAction>(ACTION_STOP, (args) => emergencyStop(args, deps));
  app.action<BlockButtonAction>(ACTION_RESUME, (args) => resume(args, deps));
  app.view<ViewSubmitAction>(VIEW_EDIT, (args) => editSubmit(args, deps));
  app.event('app_home_opened', (args) => appHomeOpened(args, deps));
}
