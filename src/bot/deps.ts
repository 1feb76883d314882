import type { AppContext } from '../context.ts';
import type { Logger } from '../core/logger.ts';
import type { Approvers } from './approvers.ts';
import type { WebClient } from './slack-client.ts';

/** What every Slack listener gets: built once in createSlackApp, passed to each register(). */
export interface SlackDeps {
  ctx: AppContext;
  logger: Logger;
  approvers: Approvers;
  /** Publishes the App Home of one user with fresh state. */
  publishHome(client: WebClient, userId: string): Promise<void>;
}
