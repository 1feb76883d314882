import type { Redis } from 'ioredis';
import { createApprovals } from './core/approvals.ts';
import { createAudit } from './core/audit.ts';
import type { Config } from './core/config.ts';
import { createEmergency } from './core/emergency.ts';
import { createKeys } from './core/keys.ts';
import type { Logger } from './core/logger.ts';
import { createMetrics, type Metrics } from './core/metrics.ts';
import { createPolicyStore } from './core/policy.ts';
import { createSafetyGate } from './core/safety-gate.ts';
import { createStore } from './core/store.ts';
import { countingCriticalAlerts, createSegmentKpis } from './core/segment-kpis.ts';
import { createApprovalService } from './jobs/approval-service.ts';
import { createClayResume } from './jobs/clay-resume.ts';
import { createReplyService, type ReplyService } from './jobs/reply-service.ts';
import type { PipelineDeps } from './jobs/deps.ts';
import { createCampaignPreflight } from './jobs/campaign-preflight.ts';
import { createProviderControl } from './jobs/provider-pause.ts';
import { createCrafterIfConfigured } from './jobs/crafter.ts';
import { createLogNotifier, type Notifier } from './core/notifier.ts';
import { createQueues } from './jobs/queues.ts';
import { createSandboxProviders } from './providers/sandbox.ts';
import type { Providers } from './providers/types.ts';
import { createWebhookQueue, type WebhookQueue } from './webhooks/queue.ts';

export interface AppContext extends PipelineDeps {
  approvalService: ReturnType<typeof createApprovalService>;
  /** The outcome buttons of reply messages (Interested, Not now, Unsubscribe). */
  replyService: ReplyService;
  resumeClay: ReturnType<typeof createClayResume>;
  metrics: Metrics;
  /** The queue between the webhook routes and the webhook worker (src/webhooks). */
  webhookQueue: WebhookQueue;
  /** Closes queues and providers (not the Redis connection, which the caller owns). */
  close(): Promise<void>;
}

/** What a notifier factory gets from the composition root. */
export type NotifierBase = Pick<PipelineDeps, 'config' | 'logger' | 'redis' | 'keys' | 'store'>;

export interface ContextOptions {
  config: Config;
  logger: Logger;
  redis: Redis;
  /** A notifier, or a factory for one that needs Redis and the keys (the Slack outbox does). */
  notifier?: Notifier | ((base: NotifierBase) => Notifier);
  metrics?: Metrics;
  /** Builds live providers; without it the sandbox providers are used. */
  liveProviders?: (deps: Omit<PipelineDeps, 'providers' | 'preflight' | 'providerControl'> & { resumeClay: ReturnType<typeof createClayResume>; metrics: Metrics }) => Providers;
}

/** The composition root: every dependency is built here once and passed down explicitly. */
export function createContext(options: ContextOptions): AppContext {
  const { config, logger, redis } = options;
  const keys = createKeys(config.env.CAIO_REDIS_PREFIX);
  // Our own small commands get a connection of their own with auto-pipelining: the commands of
  // many concurrent jobs leave in one write. BullMQ keeps the caller's connection.
  const commands = redis.duplicate({ enableAutoPipelining: true });
  const audit = createAudit(commands, keys.audit);
  const store = createStore(commands, keys);
  const emergency = createEmergency(commands, keys, config.env.EMERGENCY_STOP);
  // The notifier is built below; the policy store only alerts later, through this late reference.
  let notifierRef: Notifier | null = null;
  const policy = createPolicyStore({
    redis: commands,
    keys,
    seed: { safety: config.safety, icp: config.icp },
    seedSource: config.file,
    logger,
    alertInvalid: async (text, details) => notifierRef?.alert('CRITICAL', text, details),
  });
  const gate = createSafetyGate({ redis: commands, keys, safety: () => policy.safety(), emergency, audit });
  const approvals = createApprovals(commands, keys, audit);
  // Producers only (adds, counts, pauses): their adds leave with the other commands of a tick.
  // Workers keep the plain connection for their blocking fetches.
  const queues = createQueues(commands, keys.prefix, config.pipeline);
  // Every CRITICAL alert also marks its day as one with an intervention (issue 12).
  const notifier = countingCriticalAlerts(
    typeof options.notifier === 'function' ? options.notifier({ config, logger, redis, keys, store }) : (options.notifier ?? createLogNotifier(logger)),
    createSegmentKpis(commands, keys),
    (err) => logger.warn({ err }, 'could not count a CRITICAL alert for the autonomy gates'),
  );
  notifierRef = notifier;
  const resumeClay = createClayResume({ redis: commands, keys, queues, logger });
  const metrics = options.metrics ?? createMetrics();
  const base = { config, policy, logger, redis, keys, store, audit, emergency, gate, approvals, queues, notifier };
  const providers =
    config.env.CAIO_PROVIDERS === 'live' && options.liveProviders
      ? options.liveProviders({ ...base, resumeClay, metrics })
      : createSandboxProviders({
          redis: commands,
          keys,
          config,
          logger,
          deliverClayCallback: (payload) => (payload.lead_id ? resumeClay({ ...payload, lead_id: payload.lead_id }) : Promise.resolve('unknown_lead')),
        });
  const providerControl = createProviderControl({ ...base, providers });
  const preflight = createCampaignPreflight({ ...base, redis: commands, providers });
  // Off unless LLM_API_KEY is set: the templates write every email.
  const crafter = createCrafterIfConfigured({ ...base, redis: commands, metrics });
  const deps: PipelineDeps = { ...base, providers, preflight, providerControl, crafter };
  const webhookQueue = createWebhookQueue(redis, keys.prefix, config.pipeline);
  return {
    ...deps,
    approvalService: createApprovalService(deps),
    replyService: createReplyService(deps),
    metrics,
    resumeClay,
    webhookQueue,
    async close() {
      await providers.close();
      await queues.close();
      await providerControl.close();
      await crafter?.close();
      await webhookQueue.close();
      await notifier.close?.();
      await commands.quit().catch(() => commands.disconnect());
    },
  };
}
