import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { AUDIT_MAX_ENTRIES, auditFields, type Audit } from './audit.ts';
import { BODY_MAX, hasUnsubscribeFooter, SUBJECT_MAX } from './email-template.ts';
import type { Keys } from './keys.ts';
import { loadScripts } from './lua.ts';
import type { EmailStep } from './types.ts';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'edited';

/** One lead's email sequence waiting for (or holding) a human decision. Its id is the lead ref. */
export interface Approval {
  id: string;
  runId: string;
  leadRef: string;
  status: ApprovalStatus;
  /** Step 1's subject and body (always `steps[0]`), for notifications and one-line listings. */
  subject: string;
  body: string;
  /** Every email a decision applies to, steps 1-5; a record written before sequences reads as one step. */
  steps: EmailStep[];
  /** `sequenceHash` of the exact steps a decision applies to. */
  hash: string;
  version: number;
  created_at: string;
  decided_by: string | null;
  decided_at: string | null;
  /** Slack message showing this approval, once posted. */
  slack_channel: string | null;
  slack_ts: string | null;
}

export type Decision =
  | { action: 'approve'; by: string; shownHash?: string | undefined }
  | { action: 'reject'; by: string; shownHash?: string | undefined; reason?: string | undefined }
  | { action: 'edit'; by: string; shownHash?: string | undefined; steps: EmailStep[] };

export type DecisionResult =
  | { ok: true; approval: Approval; previous: { steps: EmailStep[]; hash: string } }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'stale'; approval: Approval }
  | { ok: false; reason: 'already_decided'; approval: Approval };

/** Validation of one edited step: the same rules for every step, in the Slack modal and elsewhere. */
export const editedEmailSchema = z.object({
  subject: z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().min(1, 'Subject is required').max(SUBJECT_MAX, `Subject must be at most ${SUBJECT_MAX} characters`)),
  body: z
    .string()
    .min(1, 'Body is required')
    .max(BODY_MAX, `Body must be at most ${BODY_MAX} characters`)
    .refine(hasUnsubscribeFooter, 'Keep the unsubscribe footer at the end of the body'),
});

export function contentHash(subject: string, body: string): string {
  return createHash('sha256').update(subject).update('\u0000').update(body).digest('hex');
}

/**
 * SHA-256 over every step's subject and body, in order. A one-step sequence hashes as
 * `contentHash` did, so approvals recorded before sequences still verify.
 */
export function sequenceHash(steps: readonly EmailStep[]): string {
  const [only] = steps;
  if (steps.length === 1 && only) return contentHash(only.subject, only.body);
  // JSON of [subject, body] pairs: unambiguous whatever the text holds.
  return createHash('sha256').update('caio-sequence\u0000').update(JSON.stringify(steps.map((s) => [s.subject, s.body]))).digest('hex');
}

export interface Approvals {
  /**
   * Creates the pending record once; returns the existing one on a retry. With `autoApproveBy`, a
   * new record is created already approved by that actor, with its `approval.approved` audit entry,
   * in the same step (what `decide` would have written, without the pending record in between).
   */
  request(input: { runId: string; leadRef: string; steps: EmailStep[]; autoApproveBy?: string | undefined }): Promise<{ approval: Approval; created: boolean }>;
  get(id: string): Promise<Approval | null>;
  listPending(count?: number): Promise<Approval[]>;
  /** The single decision function: Slack buttons, the modal and the CLI all call this. */
  decide(id: string, decision: Decision): Promise<DecisionResult>;
  setSlackMessage(id: string, channel: string, ts: string): Promise<void>;
  /** The decided ones among these approvals (status and when), read without their content. */
  decisionsOf(ids: string[]): Promise<Array<{ id: string; status: Exclude<ApprovalStatus, 'pending'>; decided_at: string | null }>>;
}

const ACTION_STATUS = { approve: 'approved', reject: 'rejected', edit: 'edited' } as const;

export function createApprovals(redis: Redis, keys: Keys, audit: Audit): Approvals {
  const scripts = loadScripts(redis);

  async function get(id: string): Promise<Approval | null> {
    const hash = await redis.hgetall(keys.approval(id));
    return hash.id ? toApproval(hash) : null;
  }

  return {
    async request(input) {
      const id = input.leadRef;
      const [first] = input.steps;
      if (!first) throw new Error(`approval ${id} requested without an email`);
      const now = new Date();
      const by = input.autoApproveBy;
      const fields: Record<string, string> = {
        id,
        runId: input.runId,
        leadRef: input.leadRef,
        status: by ? 'approved' : 'pending',
        subject: first.subject,
        body: first.body,
        steps: JSON.stringify(input.steps.map(({ subject, body }) => ({ subject, body }))),
        hash: sequenceHash(input.steps),
        version: '1',
        created_at: now.toISOString(),
        ...(by ? { decided_by: by, decided_at: now.toISOString() } : {}),
      };
      // One step: a crash can never leave a half-written record that no decision can apply to.
      const record = Object.entries(fields).flat();
      const entry = by ? auditFields({ at: now.toISOString(), actor: by, action: 'approval.approved', subject: id, details: { hash: fields.hash } }) : [];
      const [created, ...flat] = by
        ? await scripts.createApproved({ approval: keys.approval(id), audit: keys.audit }, { auditMaxLen: AUDIT_MAX_ENTRIES, auditPairs: entry.length / 2 }, { args: [...entry, ...record] })
        : await scripts.createApproval({ approval: keys.approval(id), pending: keys.approvalsPending }, { id, createdMs: String(now.getTime()) }, { args: record });
      if (created === 1) return { approval: toApproval(fields), created: true };
      return { approval: toApproval(pairs(flat)), created: false };
    },
    get,
    async listPending(count = 100) {
      const ids = await redis.zrange(keys.approvalsPending, "0", String(count - 1));
      const found = await Promise.all(ids.map(get));
      return found.filter((a): a is Approval => a !== null);
    },
    async decide(id, decision) {
      const status = ACTION_STATUS[decision.action];
      const at = new Date().toISOString();
      const edited = decision.action === 'edit' ? decision.steps.map(({ subject, body }) => ({ subject, body })) : null;
      const newHash = edited ? sequenceHash(edited) : '';
      // The first decision only (lua/decide-approval.lua); a later one gets the first back.
      const [result, prevJson, ...flat] = await scripts.decideApproval(
        { approval: keys.approval(id), pending: keys.approvalsPending },
        {
          status,
          by: decision.by,
          at,
          newHash,
          shownHash: decision.shownHash ?? '',
          subject: edited?.[0]?.subject ?? '',
          body: edited?.[0]?.body ?? '',
          id,
          steps: edited ? JSON.stringify(edited) : '',
          stepCount: edited?.length ?? 0,
        },
      );
      if (result === 'not_found') return { ok: false, reason: 'not_found' };
      // The script returns the record as it left it, so no second read is needed.
      const approval = toApproval(pairs(flat));
      if (result === 'already_decided') {
        await audit.append({ actor: decision.by, action: 'approval.duplicate', subject: id, details: { attempted: decision.action, decided: approval.status, decided_by: approval.decided_by } });
        return { ok: false, reason: 'already_decided', approval };
      }
      if (result === 'stale') {
        await audit.append({ actor: decision.by, action: 'approval.stale', subject: id, details: { attempted: decision.action } });
        return { ok: false, reason: 'stale', approval };
      }
      const before = toApproval(pairs(JSON.parse(prevJson ?? '[]') as string[]));
      const previous = { steps: before.steps, hash: before.hash };
      await audit.append({
        actor: decision.by,
        action: `approval.${status}`,
        subject: id,
        details: {
          hash: approval.hash,
          ...(edited ? editDetails(previous.steps, edited) : {}),
          ...(decision.action === 'reject' && decision.reason ? { reason: decision.reason } : {}),
        },
      });
      return { ok: true, approval, previous };
    },
    async setSlackMessage(id, channel, ts) {
      await redis.hset(keys.approval(id), { slack_channel: channel, slack_ts: ts });
    },
    async decisionsOf(ids) {
      // Two small fields each (auto-pipelined), not whole records: the sweeper asks every minute.
      const rows = await Promise.all(ids.map((id) => redis.hmget(keys.approval(id), 'status', 'decided_at')));
      return ids.flatMap((id, i) => {
        const [status, decidedAt] = rows[i] ?? [];
        if (status !== 'approved' && status !== 'edited' && status !== 'rejected') return [];
        return [{ id, status, decided_at: decidedAt ?? null }];
      });
    },
  };
}

/** An edit in the audit: which steps changed (1-based), each before and after; unchanged steps are left out. */
function editDetails(before: EmailStep[], after: EmailStep[]) {
  const changed = after.flatMap((step, i) => (before[i]?.subject === step.subject && before[i]?.body === step.body ? [] : [i + 1]));
  const pick = (steps: EmailStep[]) => changed.map((n) => ({ step: n, subject: steps[n - 1]?.subject ?? '', body: steps[n - 1]?.body ?? '' }));
  return { changed_steps: changed, before: pick(before), after: pick(after) };
}

const storedStepsSchema = z.array(z.object({ subject: z.string(), body: z.string() })).min(1);

/** The stored steps; a record written before sequences is its one subject and body. */
function readSteps(hash: Record<string, string>): EmailStep[] {
  if (hash.steps === undefined) return [{ subject: hash.subject ?? '', body: hash.body ?? '' }];
  try {
    const parsed = storedStepsSchema.safeParse(JSON.parse(hash.steps));
    // Unreadable steps read as none: the send's hash check then refuses them.
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** HGETALL's flat [field, value, …] reply as an object. */
function pairs(flat: string[]): Record<string, string> {
  return Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]));
}

function toApproval(hash: Record<string, string>): Approval {
  const steps = readSteps(hash);
  return {
    id: hash.id ?? '',
    runId: hash.runId ?? '',
    leadRef: hash.leadRef ?? '',
    status: (hash.status ?? 'pending') as ApprovalStatus,
    subject: steps[0]?.subject ?? '',
    body: steps[0]?.body ?? '',
    steps,
    hash: hash.hash ?? '',
    version: Number(hash.version ?? '1'),
    created_at: hash.created_at ?? '',
    decided_by: hash.decided_by ?? null,
    decided_at: hash.decided_at ?? null,
    slack_channel: hash.slack_channel ?? null,
    slack_ts: hash.slack_ts ?? null,
  };
}
