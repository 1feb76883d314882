import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../bot/deps.ts';

/** App Home: published fresh each time the Home tab is opened. */
export async function appHomeOpened({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs, deps: SlackDeps): Promise<void> {
  if (event.tab !== 'home') return;
  await deps.publishHome(client, event.user);
}
