import type { AppContext } from '../context.ts';
import type { Logger } from '../core/logger.ts';
import type { Approvers } from './approvers.ts';
import type { Responder } from './responder.ts';
import type { SnapshotCache } from './snapshot.ts';
import type { WebClient } from './slack-client.ts';

/** What every Slack listener gets: built once in createSlackApp, passed to each register(). */
export interface SlackDeps {
  ctx: AppContext;
  logger: Logger;
  approvers: Approvers;
  /** State for /caio status, at most a second old (shared by a burst of commands). */
  status: SnapshotCache;
  /** Answers on a response_url (ephemeral replies, replacing a status message). */
  reply: Responder;
  /** Publishes the App Home of one user with fresh state. */
  publishHome(client: WebClient, userId: string): Promise<void>;
}
