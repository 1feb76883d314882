import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';
import { loadScripts } from './lua.ts';
import { STAGES, type Lead, type LeadState, type ProviderMode, type RunStatus, type Source, type Stage } from './types.ts';

/** A stage's counters: in = out + dropped + errors once every lead has left the stage. */
export interface StageStats {
  in: number;
  out: number;
  dropped: number;
  errors: number;
  started_at: number | null;
  ended_at: number | null;
  duration_ms: number;
}

export interface Run {
  id: string;
  source: Source;
  limit: number;
  started_by: string;
  created_at: string;
  finished_at: string | null;
  status: RunStatus;
  /** Unique leads the scrape produced; null until the scrape finishes. */
  total: number | null;
  terminal: number;
  awaiting: number;
  held: number;
  error: string | null;
  /** Slack message of the run (channel and ts), when started from Slack. */
  slack_channel: string | null;
  /** The provider mode the run was started in (null for runs recorded before modes were). */
  providers: ProviderMode | null;
  slack_ts: string | null;
  stages: Record<Stage, StageStats>;
}

export type Outcome = 'out' | 'dropped' | 'errors';

export interface Store {
  createRun(run: { id: string; source: Source; limit: number; started_by: string; slack_channel?: string | undefined; providers?: ProviderMode | undefined }): Promise<boolean>;
  getRun(runId: string): Promise<Run | null>;
  listRuns(count: number): Promise<Run[]>;
  /** Every run with one of these statuses, newest first, read in pages (a stop reaches all of them). */
  runsWithStatus(statuses: RunStatus[]): Promise<Run[]>;
  setRunFields(runId: string, fields: Record<string, string | number>): Promise<void>;
  setRunStatus(runId: string, status: RunStatus, error?: string): Promise<void>;
  refreshRunStatus(runId: string): Promise<RunStatus | null>;
  /** A run that takes leads in as they come grows by `count`; a completed one is running again. */
  growRun(runId: string, count: number): Promise<void>;
  stageIn(runId: string, stage: Stage, member: string, count?: number): Promise<boolean>;
  stageOut(runId: string, stage: Stage, member: string, outcome: Outcome, count?: number): Promise<boolean>;
  /**
   * A lead leaves a stage with an outcome (counted in and out once); `terminal` ends it too. With
   * `change`, the lead's patch (as updateLead writes it, checked against the lead just read) is
   * written in the same step.
   */
  leadOut(runId: string, stage: Stage, ref: string, outcome: Outcome, terminal: boolean, change?: { patch: Partial<Lead>; known: Lead }): Promise<void>;
  /**
   * A stage job starts: reads the lead and, with `countIn`, counts it into the stage once; one round
   * trip. `omit` names fields the stage never reads (the lead comes back without them).
   */
  enterStage(runId: string, stage: Stage, ref: string, countIn: boolean, omit?: readonly (keyof Lead)[]): Promise<Lead | null>;
  setAwaiting(runId: string, ref: string, awaiting: boolean): Promise<void>;
  setHeld(runId: string, ref: string, held: boolean): Promise<void>;
  /** Saves only when no lead with this ref exists yet (scrape retries must not reset progress). */
  createLead(lead: Lead): Promise<boolean>;
  /** createLead for a batch of one run's leads, in one round trip; returns how many were new. */
  createLeads(runId: string, leads: Lead[]): Promise<number>;
  getLead(ref: string): Promise<Lead | null>;
  /** Whether a lead with this ref exists (one EXISTS: the Clay callback route checks it on the hot path). */
  leadExists(ref: string): Promise<boolean>;
  /** Merges a patch into the lead; pass the lead just read to save a round trip. */
  updateLead(ref: string, patch: Partial<Lead>, current?: Lead): Promise<void>;
  runLeadRefs(runId: string): Promise<string[]>;
  /** Whether the lead has already been counted out of the stage (with any outcome). */
  hasLeftStage(runId: string, stage: Stage, ref: string): Promise<boolean>;
  /** Counts one more stall-out of the lead's send job; returns how many so far (kept a week). */
  countSendStall(ref: string): Promise<number>;
  /** Leads approved on to the send stage that have not ended yet (the sweeper's index). */
  sendingRefs(runId: string): Promise<string[]>;
  /** Leads waiting for an approval decision. */
  awaitingRefs(runId: string): Promise<string[]>;
  /** Runs created since `sinceMs` that have not finished (running or awaiting approval). */
  openRuns(sinceMs: number): Promise<Array<{ id: string; providers: ProviderMode | null }>>;
}

/** How long a lead's send stall-outs are counted (far longer than any retry of its send). */
const SEND_STALL_TTL_S = 7 * 24 * 3600;

/** Runs read per round of runsWithStatus (status only; whole runs for the matches). */
const RUN_PAGE = 500;

export function createStore(redis: Redis, keys: Keys): Store {
  const scripts = loadScripts(redis);
  const terminalKey = (runId: string) => keys.runSet(runId, 'terminal');
  const awaitingKey = (runId: string) => keys.runSet(runId, 'awaiting');
  const heldKey = (runId: string) => keys.runSet(runId, 'held');
  const sendingKey = (runId: string) => keys.runSet(runId, 'sending');

  const store: Store = {
    async createRun(run) {
      const created = await redis.hsetnx(keys.run(run.id), 'id', run.id);
      if (created === 0) return false;
      const createdAt = new Date();
      await redis
        .multi()
        .hset(keys.run(run.id), {
          source: run.source,
          limit: run.limit,
          started_by: run.started_by,
          created_at: createdAt.toISOString(),
          status: 'running',
          ...(run.slack_channel ? { slack_channel: run.slack_channel } : {}),
          ...(run.providers ? { providers: run.providers } : {}),
        })
        .zadd(keys.runs, String(createdAt.getTime()), run.id)
        .exec();
      return true;
    },
    async getRun(runId) {
      const [hash, terminal, awaiting, held] = await Promise.all([
        redis.hgetall(keys.run(runId)),
        redis.scard(terminalKey(runId)),
        redis.scard(awaitingKey(runId)),
        redis.scard(heldKey(runId)),
      ]);
      if (!hash.id) return null;
      return toRun(hash, terminal, awaiting, held);
    },
    async listRuns(count) {
      const ids = await redis.zrevrange(keys.runs, 0, count - 1);
      const runs = await Promise.all(ids.map((id) => store.getRun(id)));
      return runs.filter((r): r is Run => r !== null);
    },
    async runsWithStatus(statuses) {
      const found: Run[] = [];
      for (let start = 0; ; start += RUN_PAGE) {
        const ids = await redis.zrevrange(keys.runs, start, start + RUN_PAGE - 1);
        const statusOf = await Promise.all(ids.map((id) => redis.hget(keys.run(id), 'status')));
        const wanted = ids.filter((_, i) => statuses.includes(statusOf[i] as RunStatus));
        found.push(...(await Promise.all(wanted.map((id) => store.getRun(id)))).filter((r): r is Run => r !== null));
        if (ids.length < RUN_PAGE) return found;
      }
    },
    async setRunFields(runId, fields) {
      await redis.hset(keys.run(runId), fields);
    },
    async setRunStatus(runId, status, error) {
      const fields: Record<string, string> = { status };
      if (error) fields.error = error;
      if (status === 'completed' || status === 'failed') fields.finished_at = new Date().toISOString();
      await redis.hset(keys.run(runId), fields);
    },
    async refreshRunStatus(runId) {
      const status = await scripts.refreshRunStatus({ run: keys.run(runId), terminal: terminalKey(runId), awaiting: awaitingKey(runId) }, { nowIso: new Date().toISOString() });
      return (status as RunStatus | null) ?? null;
    },
    async growRun(runId, count) {
      await scripts.growRun({ run: keys.run(runId) }, { count });
    },
    async leadOut(runId, stage, ref, outcome, terminal, change) {
      const runKeys = {
        run: keys.run(runId),
        terminal: terminalKey(runId),
        awaiting: awaitingKey(runId),
        held: heldKey(runId),
        inSet: keys.runStageSet(runId, stage, 'in'),
        doneSet: keys.runStageSet(runId, stage, 'done'),
        sending: sendingKey(runId),
      };
      const args = { nowIso: new Date().toISOString(), ref, stage, outcome, nowMs: Date.now(), terminal: terminal ? '1' : '0' };
      if (!change) await scripts.leadOut(runKeys, args);
      else await scripts.leadStep({ ...runKeys, lead: keys.lead(ref) }, args, { args: Object.entries(leadFields(patchFields(change.patch, change.known.state))).flat() });
    },
    async enterStage(runId, stage, ref, countIn, omit = []) {
      const flat = await scripts.enterStage(
        { run: keys.run(runId), inSet: keys.runStageSet(runId, stage, 'in'), lead: keys.lead(ref) },
        { ref, stage, nowMs: Date.now(), countIn: countIn ? '1' : '0' },
        { args: [...omit] },
      );
      return toLead(pairs(flat));
    },
    async stageIn(runId, stage, member, count = 1) {
      const added = await scripts.stageIn({ run: keys.run(runId), inSet: keys.runStageSet(runId, stage, 'in') }, { member, stage, nowMs: Date.now(), count });
      return added === 1;
    },
    async stageOut(runId, stage, member, outcome, count = 1) {
      const added = await scripts.stageOut({ run: keys.run(runId), doneSet: keys.runStageSet(runId, stage, 'done') }, { member, stage, outcome, nowMs: Date.now(), count });
      return added === 1;
    },
    async setAwaiting(runId, ref, awaiting) {
      if (awaiting) await redis.sadd(awaitingKey(runId), ref);
      else await redis.srem(awaitingKey(runId), ref);
      await store.refreshRunStatus(runId);
    },
    async setHeld(runId, ref, held) {
      if (held) await redis.sadd(heldKey(runId), ref);
      else await redis.srem(heldKey(runId), ref);
    },
    async createLead(lead) {
      // One step, so a scrape killed midway never leaves a lead with only some of its fields.
      const created = await scripts.createLead({ lead: keys.lead(lead.ref), runLeads: keys.runSet(lead.runId, 'leads') }, { ref: lead.ref }, { args: Object.entries(leadFields(lead)).flat() });
      return created === 1;
    },
    async createLeads(runId, leads) {
      if (leads.length === 0) return 0;
      const args = leads.flatMap((lead) => {
        const pairs = Object.entries(leadFields(lead));
        return [lead.ref, pairs.length, ...pairs.flat()];
      });
      return scripts.createLeads({ runLeads: keys.runSet(runId, 'leads') }, {}, { keys: leads.map((lead) => keys.lead(lead.ref)), args });
    },
    async getLead(ref) {
      return toLead(await redis.hgetall(keys.lead(ref)));
    },
    async leadExists(ref) {
      return (await redis.exists(keys.lead(ref))) === 1;
    },
    async updateLead(ref, patch, known) {
      let current = known?.state ?? null;
      if (patch.state && !known) {
        const raw = await redis.hget(keys.lead(ref), 'state');
        current = raw ? (JSON.parse(raw) as LeadState) : null;
        if (current === null) throw new Error(`lead ${ref} not found`);
      }
      // Only the changed fields are written: a lead's draft and cadence are not re-sent every stage.
      await redis.hset(keys.lead(ref), leadFields(patchFields(patch, current)));
    },
    async runLeadRefs(runId) {
      return redis.smembers(keys.runSet(runId, 'leads'));
    },
    async hasLeftStage(runId, stage, ref) {
      return (await redis.sismember(keys.runStageSet(runId, stage, 'done'), ref)) === 1;
    },
    async countSendStall(ref) {
      const [[, tries]] = (await redis.multi().incr(keys.sendStallRetries(ref)).expire(keys.sendStallRetries(ref), SEND_STALL_TTL_S).exec()) as [[null, number], unknown];
      return tries;
    },
    async sendingRefs(runId) {
      return redis.smembers(sendingKey(runId));
    },
    async awaitingRefs(runId) {
      return redis.smembers(awaitingKey(runId));
    },
    async openRuns(sinceMs) {
      const ids = await redis.zrangebyscore(keys.runs, sinceMs, '+inf');
      if (ids.length === 0) return [];
      // One pipelined read for every run's status, not a full run read each.
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hmget(keys.run(id), 'status', 'providers');
      const rows = (await pipeline.exec()) ?? [];
      return ids.flatMap((id, i) => {
        const [status, providers] = (rows[i]?.[1] ?? []) as Array<string | null>;
        if (status !== 'running' && status !== 'awaiting_approval') return [];
        return [{ id, providers: providers === 'sandbox' || providers === 'live' ? providers : null }];
      });
    },
  };
  return store;
}

/** How far along the pipeline a lead state is. */
const STATE_RANK: Record<LeadState, number> = {
  scraped: 0,
  enriched: 2,
  unenriched: 2,
  segmented: 3,
  disqualified: 3,
  crafted: 4,
  awaiting_approval: 5,
  approved: 6,
  rejected: 6,
  held: 7,
  sent: 8,
  shadowed: 8,
  skipped: 8,
  failed: 9,
};

/** What a patch writes: its fields and the time, minus a state that would move the lead back. */
function patchFields(patch: Partial<Lead>, current: LeadState | null): Partial<Lead> {
  const fields: Partial<Lead> = { ...patch, updated_at: new Date().toISOString() };
  // A retried job (after a crash) must never move a lead back to an earlier state.
  if (patch.state && current && STATE_RANK[patch.state] < STATE_RANK[current]) delete fields.state;
  return fields;
}

function toLead(hash: Record<string, string>): Lead | null {
  if (!hash.ref) return null;
  return Object.fromEntries(Object.entries(hash).map(([field, value]) => [field, JSON.parse(value) as unknown])) as unknown as Lead;
}

/** HGETALL's flat [field, value, …] reply (as a script returns it) as an object. */
function pairs(flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i] as string] = flat[i + 1] as string;
  return hash;
}

/** A lead is a hash of JSON-encoded fields, so a stage writes only what it changed. */
function leadFields(lead: Partial<Lead>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [field, value] of Object.entries(lead)) if (value !== undefined) fields[field] = JSON.stringify(value);
  return fields;
}

function num(value: string | undefined): number {
  return value ? Number(value) : 0;
}

function toRun(hash: Record<string, string>, terminal: number, awaiting: number, held: number): Run {
  const stages = {} as Record<Stage, StageStats>;
  for (const stage of STAGES) {
    const started = hash[`${stage}.started_at`] ? Number(hash[`${stage}.started_at`]) : null;
    const ended = hash[`${stage}.ended_at`] ? Number(hash[`${stage}.ended_at`]) : null;
    stages[stage] = {
      in: num(hash[`${stage}.in`]),
      out: num(hash[`${stage}.out`]),
      dropped: num(hash[`${stage}.dropped`]),
      errors: num(hash[`${stage}.errors`]),
      started_at: started,
      ended_at: ended,
      duration_ms: started !== null && ended !== null ? Math.max(0, ended - started) : 0,
    };
  }
  return {
    id: hash.id ?? '',
    source: (hash.source ?? 'default') as Source,
    limit: num(hash.limit),
    started_by: hash.started_by ?? '',
    created_at: hash.created_at ?? '',
    finished_at: hash.finished_at ?? null,
    status: (hash.status ?? 'running') as RunStatus,
    total: hash.total !== undefined ? Number(hash.total) : null,
    terminal,
    awaiting,
    held,
    error: hash.error ?? null,
    slack_channel: hash.slack_channel ?? null,
    providers: hash.providers === 'sandbox' || hash.providers === 'live' ? hash.providers : null,
    slack_ts: hash.slack_ts ?? null,
    stages,
  };
}
