import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PipelineConfig } from '../core/config.ts';
import { bullPrefix, defaultJobOptions } from '../core/queue.ts';
import { STAGES, type ProviderMode, type Source, type Stage } from '../core/types.ts';

/** Data of every per-lead stage job. */
export interface LeadJobData {
  runId: string;
  ref: string;
}

/** Data of the scrape job (one per run). */
export interface ScrapeJobData {
  runId: string;
  source: Source;
  limit: number;
  /** The provider mode the run was started in; a worker of the other mode leaves the job alone. */
  providers?: ProviderMode;
}

/** A scheduled step of a lead's 21-day cadence (LinkedIn or call). */
export interface CadenceJobData extends LeadJobData {
  day: number;
  channel: 'linkedin' | 'call';
  step: number;
}

export const CADENCE_QUEUE = 'cadence';

/** Per-lead follow-ups at the providers, off the hot path: GoHighLevel upserts, HeyReach stops, reply outcomes. */
export const LEAD_SYNC_QUEUE = 'lead-sync';

export type LeadSyncJobData =
  /** Upsert the lead as a GHL contact with its full tag set (the upsert replaces every tag). */
  | { kind: 'ghl'; ref: string; reason: string }
  /** HeyReach StopLeadInCampaign for the lead's profile. */
  | { kind: 'heyreach-stop'; ref: string; reason: string }
  /** Apply what a person chose for a reply (tags, cadence), then sync GHL. */
  | { kind: 'reply-outcome'; replyId: string };

export interface Queues {
  byStage: Record<Stage, Queue>;
  cadence: Queue;
  leadSync: Queue<LeadSyncJobData>;
  all(): Queue[];
  /** Adds the next stage for a lead; the deterministic id makes a repeated add a no-op. */
  addLeadJob(stage: Exclude<Stage, 'scrape'>, data: LeadJobData): Promise<void>;
  addLeadJobs(stage: Exclude<Stage, 'scrape'>, data: LeadJobData[]): Promise<void>;
  addScrape(data: ScrapeJobData): Promise<void>;
  close(): Promise<void>;
}

/** `{runId}-{leadId}-{stage}`: BullMQ forbids `:` in ids, and the lead ref is `{runId}-{leadId}`. */
export function leadJobId(ref: string, stage: Stage): string {
  return `${ref}-${stage}`;
}

export function scrapeJobId(runId: string): string {
  return `${runId}-scrape`;
}

export function createQueues(connection: Redis, prefix: string, pipeline: PipelineConfig): Queues {
  const options = { connection, prefix: bullPrefix(prefix), defaultJobOptions: defaultJobOptions(pipeline) };
  const byStage = Object.fromEntries(STAGES.map((stage) => [stage, new Queue(stage, options)])) as Record<Stage, Queue>;
  const cadence = new Queue(CADENCE_QUEUE, options);
  const leadSync = new Queue<LeadSyncJobData>(LEAD_SYNC_QUEUE, options);
  return {
    byStage,
    cadence,
    leadSync,
    all: () => [...Object.values(byStage), cadence, leadSync],
    async addLeadJob(stage, data) {
      await byStage[stage].add(stage, data, { jobId: leadJobId(data.ref, stage) });
    },
    async addLeadJobs(stage, data) {
      if (data.length === 0) return;
      await byStage[stage].addBulk(data.map((d) => ({ name: stage, data: d, opts: { jobId: leadJobId(d.ref, stage) } })));
    },
    async addScrape(data) {
      await byStage.scrape.add('scrape', data, { jobId: scrapeJobId(data.runId) });
    },
    async close() {
      await Promise.all([...Object.values(byStage), cadence, leadSync].map((q) => q.close()));
    },
  };
}
