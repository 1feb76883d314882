import { Worker, type Processor } from 'bullmq';
import { POLICY_CACHE_MS } from '../core/policy.ts';
import type { Stage } from '../core/types.ts';
import { createApprovalService } from './approval-service.ts';
import { createApproveProcessor } from './approve.ts';
import { createCraftProcessor } from './craft.ts';
import type { PipelineDeps } from './deps.ts';
import { createEnrichProcessor } from './enrich.ts';
import { createCadenceProcessor } from './cadence.ts';
import { routeFailedJob } from './job-failures.ts';
import { CADENCE_QUEUE, LEAD_SYNC_QUEUE } from './queues.ts';
import { createLeadSyncProcessor } from './lead-sync.ts';
import { createScrapeProcessor } from './scrape.ts';
import { createSegmentProcessor } from './segment.ts';
import { createSendProcessor } from './send.ts';
import { startSweeper, type Sweeper } from './sweeper.ts';
import { startCampaignWatch } from './campaign-preflight.ts';
import { startProviderControlWorker } from './provider-pause.ts';
import { startAnnealWatch } from './autonomy-anneal.ts';
import { bullPrefix, stalledJobOptions } from '../core/queue.ts';

export interface PipelineWorkers {
  workers: Worker[];
  /** Finds leads stranded after approval (one process sweeps per interval). */
  sweeper: Sweeper;
  /** Lets in-flight jobs finish, then closes. */
  close(): Promise<void>;
}

/**
 * Spreads the per-minute send rate evenly (at most one second's share at a time), so neither a
 * new window nor a resume lets a minute's worth of sends out at once.
 */
export function sendLimiter(perMinute: number): { max: number; duration: number } {
  if (perMinute >= 60) return { max: Math.floor(perMinute / 60), duration: 1_000 };
  return { max: 1, duration: Math.round(60_000 / perMinute) };
}

/**
 * The send rate is part of the cluster's policy, so a change must reach running workers too.
 * BullMQ reads a worker's limiter options each time it fetches a job, so updating them in place
 * takes effect on the next fetch; checked as often as the policy cache turns over.
 */
function followSendRate(worker: Worker, deps: PipelineDeps): NodeJS.Timeout {
  const timer = setInterval(() => {
    deps.policy
      .safety()
      .then((safety) => {
        if (!safety) return;
        const next = sendLimiter(safety.send_rate_per_minute);
        const current = worker.opts.limiter;
        if (current?.max !== next.max || current.duration !== next.duration) {
          worker.opts.limiter = next;
          deps.logger.info({ send_rate_per_minute: safety.send_rate_per_minute }, 'send rate follows the stored policy');
        }
      })
      .catch((err: unknown) => deps.logger.warn({ err }, 'could not read the policy for the send rate'));
  }, POLICY_CACHE_MS);
  timer.unref();
  return timer;
}

/** Starts one BullMQ worker per stage on the shared connection. */
export function startPipelineWorkers(deps: PipelineDeps, options: { concurrency?: number } = {}): PipelineWorkers {
  const service = createApprovalService(deps);
  const processors: Record<Stage, Processor> = {
    scrape: createScrapeProcessor(deps) as Processor,
    enrich: createEnrichProcessor(deps) as Processor,
    segment: createSegmentProcessor(deps) as Processor,
    craft: createCraftProcessor(deps) as Processor,
    approve: createApproveProcessor(deps, service) as Processor,
    send: createSendProcessor(deps) as Processor,
  };
  const concurrency = options.concurrency ?? deps.config.pipeline.concurrency;
  const stalled = stalledJobOptions(deps.config.pipeline);
  const workers = (Object.keys(processors) as Stage[]).map((stage) => {
    const worker = new Worker(stage, processors[stage], {
      connection: deps.redis,
      prefix: bullPrefix(deps.keys.prefix),
      concurrency: stage === 'scrape' ? deps.config.pipeline.scrape_concurrency : concurrency,
      ...stalled,
      // The send rate is cluster-wide: a resume after a stop never releases a burst.
      ...(stage === 'send' ? { limiter: sendLimiter(deps.config.safety.send_rate_per_minute) } : {}),
    });
    worker.on('error', (err) => deps.logger.error({ err, stage }, 'worker error'));
    // Every final failure ends up on the lead and its run, including the ones BullMQ decides
    // without running our processor (a job stalled more than max_stalled times).
    worker.on('failed', (job, err) => {
      routeFailedJob(deps, stage, job, err).catch((routeErr: unknown) => deps.logger.error({ err: routeErr, stage, job: job?.id }, 'could not route a failed job to its lead (the sweeper will)'));
    });
    return worker;
  });
  // Cadence steps and lead syncs come after the lead's send (its run is already done): a final failure is only reported.
  const afterSend = (queue: string, processor: Processor, what: string) => {
    const worker = new Worker(queue, processor, { connection: deps.redis, prefix: bullPrefix(deps.keys.prefix), concurrency: deps.config.cadence.concurrency, ...stalled });
    worker.on('error', (err) => deps.logger.error({ err, queue }, 'worker error'));
    worker.on('failed', (job, err) => {
      if (job?.finishedOn) deps.logger.warn({ err, job: job.id, kind: job.name, attempts: job.attemptsMade }, `${what} failed for good`);
    });
    return worker;
  };
  workers.push(afterSend(CADENCE_QUEUE, createCadenceProcessor(deps) as Processor, 'cadence step'));
  workers.push(afterSend(LEAD_SYNC_QUEUE, createLeadSyncProcessor(deps) as Processor, 'lead sync'));
  // Pause/activate at the providers: its own queue, which a stop never pauses (DESIGN §9).
  workers.push(startProviderControlWorker(deps));
  const campaignWatch = startCampaignWatch(deps);
  const sweeper = startSweeper(deps, service);
  const annealWatch = startAnnealWatch(deps);
  const followRate = followSendRate(workers.find((w) => w.name === 'send')!, deps);
  return {
    workers,
    sweeper,
    async close() {
      clearInterval(followRate);
      await campaignWatch.close();
      await annealWatch.close();
      await sweeper.close();
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
