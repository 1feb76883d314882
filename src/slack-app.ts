import { App, ExpressReceiver } from '@slack/bolt';
import type { Express } from 'express';
import type { AppContext } from './context.ts';
import { ConfigError } from './core/config.ts';
import { register as registerCommands } from './commands/index.ts';
import { register as registerInteractive } from './interactive/index.ts';
import { createApprovers } from './bot/approvers.ts';
import { homeView } from './bot/blocks-control.ts';
import type { SlackDeps } from './bot/deps.ts';
import { boltLogger } from './bot/logger-adapter.ts';
import { slackRequestGuard } from './bot/request-guard.ts';
import { createResponder } from './bot/responder.ts';
import { createSnapshotCache, loadSnapshot } from './bot/snapshot.ts';
import { loadAutonomyHome } from './bot/blocks-autonomy.ts';

export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackApp {
  app: App;
  mode: 'http' | 'socket';
  /** Socket Mode connects here; in HTTP mode the shared server already serves /slack/events. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The Bolt app. HTTP mode mounts POST /slack/events on our one Express app (signatures verified,
 * ack before work); Socket Mode (SLACK_APP_TOKEN set) leaves the Express app to /healthz and webhooks.
 */
export function createSlackApp(ctx: AppContext, options: { http: Express }): SlackApp {
  const { config, logger } = ctx;
  const env = config.env;
  if (!env.SLACK_BOT_TOKEN) throw new ConfigError('SLACK_BOT_TOKEN is required to start the Slack app');
  const log = logger.child({ component: 'slack' });
  const clientOptions = { slackApiUrl: env.SLACK_API_URL };
  // No conversation store: CAIO keeps its state in Redis, and the store's middleware runs on every request.
  const convoStore = false as const;
  // One workspace, one bot token: given straight to every request instead of Bolt's default,
  // which first calls auth.test and acks nothing while Slack's API is slow or unreachable.
  const botToken = env.SLACK_BOT_TOKEN;
  const authorize = async () => ({ botToken });
  let app: App;
  let mode: SlackApp['mode'];
  if (env.SLACK_APP_TOKEN) {
    mode = 'socket';
    app = new App({ authorize, appToken: env.SLACK_APP_TOKEN, socketMode: true, clientOptions, convoStore, logger: boltLogger(log) });
  } else {
    mode = 'http';
    if (!env.SLACK_SIGNING_SECRET) throw new ConfigError('SLACK_SIGNING_SECRET is required for Slack over HTTP (or set SLACK_APP_TOKEN for Socket Mode)');
    options.http.post(
      SLACK_EVENTS_PATH,
      slackRequestGuard({ signingSecret: env.SLACK_SIGNING_SECRET, maxBodyBytes: ctx.config.slack.max_body_bytes, logger: log, metrics: ctx.metrics, redis: ctx.redis, keys: ctx.keys.slack }),
    );
    const receiver = new ExpressReceiver({
      signingSecret: env.SLACK_SIGNING_SECRET,
      app: options.http,
      endpoints: SLACK_EVENTS_PATH,
      // Ack first, work after: the 3-second window is never spent on Redis or Slack calls.
      processBeforeResponse: false,
      // The guard above has verified the signature (and answered 401 otherwise) before Bolt sees
      // the request: checking it again would only cost another three HMACs per request.
      signatureVerification: false,
      logger: boltLogger(log),
    });
    app = new App({ authorize, receiver, clientOptions, convoStore, logger: boltLogger(log) });
  }
  if (env.CAIO_APPROVERS.length === 0) log.warn('CAIO_APPROVERS is empty: nobody may run, approve, edit, stop or resume from Slack');
  const reply = createResponder(log);
  const deps: SlackDeps = {
    ctx,
    logger: log,
    approvers: createApprovers(env.CAIO_APPROVERS, { audit: ctx.audit, logger: log }),
    status: createSnapshotCache(ctx),
    reply,
    async publishHome(client, userId) {
      const [snapshot, autonomy] = await Promise.all([loadSnapshot(ctx), loadAutonomyHome(ctx)]);
      await client.views.publish({ user_id: userId, view: homeView(snapshot, autonomy) });
    },
  };
  registerCommands(app, deps);
  registerInteractive(app, deps);
  app.error(async (err) => {
    log.error({ err: err.original ?? err, code: err.code }, 'slack listener failed');
  });
  let connected = false;
  return {
    app,
    mode,
    async start() {
      if (mode !== 'socket' || connected) return;
      await app.start();
      connected = true;
    },
    async stop() {
      if (connected) await app.stop();
      connected = false;
      await reply.close();
    },
  };
}
