import { UnrecoverableError, type Job } from 'bullmq';
import { sequenceHash } from '../core/approvals.ts';
import { EMAIL_STEP_DAYS } from '../core/cadence.ts';
import { scheduleCadence } from './cadence.ts';
import { createLeadActions } from './lead-actions.ts';
import type { PipelineDeps } from './deps.ts';
import type { LeadJobData } from './queues.ts';
import { parkOnDeferred } from './park-on-deferred.ts';
import { finishLead, runLeadStage } from './stage-runner.ts';
import { STOPPED_RECHECK_MS, park } from '../core/queue.ts';

/** The pipeline sends the cadence's first email; later steps belong to the cadence scheduler. */
const FIRST_EMAIL_STEP = 1;

/** The send takes its content from the approval only, so the lead's drafts (most of its size) are not read. */
const SEND_OMITS = ['email_draft', 'email_sequence'] as const;

/**
 * Send: exactly the approved content, through the safety gate, once per address and step.
 * Shadow mode records the email instead; a stop parks the job; a cap or window delays it.
 */
export function createSendProcessor(deps: PipelineDeps) {
  const { store, gate, approvals, providers, audit } = deps;
  return async (job: Job<LeadJobData>, token?: string): Promise<void> => {
    await runLeadStage('send', job, deps, (lead) => parkOnDeferred(job, token, async () => {
      const approval = await approvals.get(lead.ref);
      if (!approval || (approval.status !== 'approved' && approval.status !== 'edited')) {
        throw new UnrecoverableError(`lead ${lead.ref} reached send without an approval`);
      }
      // The send uses the approved steps only, and only if they are still the steps that were approved.
      if (sequenceHash(approval.steps) !== approval.hash) {
        throw new UnrecoverableError(`approved sequence of ${lead.ref} does not match its hash`);
      }
      if (!lead.email) throw new UnrecoverableError(`lead ${lead.ref} has no email`);
      // Instantly sends all five steps from the lead's variables: fewer approved steps (a record from
      // before sequences) would let it send empty or unapproved emails, so only shadow mode takes them.
      const complete = approval.steps.length === EMAIL_STEP_DAYS.length;
      if (!complete && (await sendsForReal(deps))) throw incomplete(lead.ref, approval.steps.length);
      // The Instantly campaign must send exactly the approved steps: while it fails its preflight, wait.
      if (!(await deps.preflight.ready())) return park(job, token, deps.preflight.recheckAt());
      const decision = await gate.check({ leadRef: lead.ref, email: lead.email, step: FIRST_EMAIL_STEP, actor: approval.decided_by ?? 'system' });
      switch (decision.kind) {
        case 'refuse':
          return park(job, token, Date.now() + STOPPED_RECHECK_MS);
        case 'delay':
          return park(job, token, decision.until.getTime());
        case 'hold':
          await store.updateLead(lead.ref, { state: 'held' }, lead);
          await store.setHeld(lead.runId, lead.ref, true);
          return park(job, token, decision.until.getTime());
        case 'skip':
          return finishLead(deps, lead, 'send', decision.reason === 'already_sent' ? 'out' : 'dropped', { state: decision.reason === 'already_sent' ? 'sent' : 'skipped' });
        case 'shadow': {
          // Its audit entry is appended with it, in the same step (and only when it is new).
          await gate.recordShadow({
            leadRef: lead.ref,
            runId: lead.runId,
            step: FIRST_EMAIL_STEP,
            to: lead.email,
            subject: approval.subject,
            body: approval.body,
            steps: approval.steps,
            approvedBy: approval.decided_by,
            contentHash: approval.hash,
            recordedAt: new Date().toISOString(),
          }, { actor: approval.decided_by ?? 'system', action: 'send.shadow', subject: lead.ref, details: { reason: decision.reason, hash: approval.hash } });
          return finishLead(deps, lead, 'send', 'out', { state: 'shadowed' });
        }
        case 'send': {
          // The policy changed to sending between the check above and the gate: still never add it.
          if (!complete) throw incomplete(lead.ref, approval.steps.length);
          // A key still `reserved` means an earlier attempt died between reserving and recording
          // the send, maybe after Instantly took the lead: ask before adding (an unreadable answer
          // throws, so the lead is retried or failed, never added blindly).
          const found = decision.retry ? await providers.instantly.findLead(lead.email) : null;
          if (found) deps.logger.info({ lead: lead.ref, providerRef: found.providerRef }, 'lead already in the campaign from an earlier attempt: not added again');
          const { providerRef } = found ?? await providers.instantly.addLead({
            idempotencyKey: decision.idempotencyKey,
            leadRef: lead.ref,
            email: lead.email,
            first_name: lead.first_name,
            last_name: lead.last_name,
            company_name: lead.company_name,
            title: lead.title,
            steps: approval.steps,
          });
          await gate.markSent(decision.idempotencyKey, providerRef);
          await audit.append({ actor: approval.decided_by ?? 'system', action: 'send.sent', subject: lead.ref, details: { provider: providers.kind, providerRef, day: decision.day, count: decision.count, hash: approval.hash, ...(found ? { recovered: true } : {}) } });
          await store.updateLead(lead.ref, { state: 'sent' }, lead);
          await scheduleCadence(deps, lead, Date.now());
          // Reply routing and the GoHighLevel upsert (queued, so the send does not wait for GHL).
          await createLeadActions(deps).afterFirstEmail(lead);
          return finishLead(deps, lead, 'send', 'out');
        }
      }
    }), { token, omit: SEND_OMITS });
  };
}

/** Whether the cluster's policy sends for real (a broken policy sends nothing, so: no). */
async function sendsForReal(deps: Pick<PipelineDeps, 'policy'>): Promise<boolean> {
  const safety = await deps.policy.safety();
  return safety !== null && !safety.shadow_mode && safety.actually_send;
}

function incomplete(ref: string, steps: number): UnrecoverableError {
  return new UnrecoverableError(`lead ${ref} has ${steps} of ${EMAIL_STEP_DAYS.length} emails approved (approved before sequences): reject it and run the lead again`);
}
