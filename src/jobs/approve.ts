import { UnrecoverableError, type Job } from 'bullmq';
import type { ApprovalService } from './approval-service.ts';
import { mayAutoApprove } from '../core/craft-info.ts';
import type { PipelineDeps } from './deps.ts';
import type { LeadJobData } from './queues.ts';
import { runLeadStage } from './stage-runner.ts';
import { autonomyActor, createAutonomy } from './autonomy-service.ts';

/** The cadence plan is scheduled after the send; approving never reads it. */
const APPROVE_OMITS = ['cadence'] as const;

/** Approve: the whole email sequence is auto-approved, or gets an approval record and a Slack card; the lead then waits without a job. */
export function createApproveProcessor(deps: PipelineDeps, service: ApprovalService) {
  const autonomy = createAutonomy(deps);
  return async (job: Job<LeadJobData>, token?: string): Promise<void> => {
    await runLeadStage('approve', job, deps, async (lead) => {
      // A lead crafted before sequences has only its first email: it is approved as one step.
      const crafted = lead.email_sequence ?? (lead.email_draft ? [lead.email_draft] : []);
      if (crafted.length === 0) throw new UnrecoverableError(`lead ${lead.ref} reached approve without an email`);
      // A broken stored policy reads as "no auto-approve": a person decides. So does a model-written
      // sequence with unsupported claims, whatever the policy (issue 13).
      const autoApprove = mayAutoApprove(lead) && (await deps.policy.safety())?.auto_approve === true;
      // Auto-approved, a new record is written approved with its audit entry in one step.
      const { approval, created } = await deps.approvals.request({
        runId: lead.runId,
        leadRef: lead.ref,
        steps: crafted.map(({ subject, body }) => ({ subject, body })),
        autoApproveBy: autoApprove ? 'auto_approve' : undefined,
      });
      const decidedNow = created && approval.status !== 'pending';
      if (approval.status !== 'pending' && !decidedNow) return service.applyDecision(approval, lead);
      // Its segment and ICP features, so outcomes count per segment and the weights can learn (issue 12).
      await autonomy.recordLead(lead).catch((err: unknown) => deps.logger.warn({ err, lead: lead.ref }, 'could not record the lead for the autonomy KPIs'));
      if (decidedNow) return service.decided(approval, lead);
      // A record left pending by an earlier attempt is decided now.
      if (autoApprove) {
        const result = await service.decide(approval.id, { action: 'approve', by: 'auto_approve', shownHash: approval.hash }, lead);
        if (result.ok) return;
        if (result.reason === 'already_decided') return service.applyDecision(result.approval, lead);
        // Never finish the job with the lead going nowhere: fail it so it is retried and counted.
        throw new Error(`auto-approve of ${approval.id} was refused: ${result.reason}`);
      }
      // A segment that earned auto-approval (issue 12) skips the click, never the safety gate at send;
      // its card still posts (first, so a crash cannot lose it), marked auto-approved.
      const segment = await autonomy.autoApproves(lead);
      if (segment) {
        if (created) await deps.notifier.approvalRequested(approval, lead);
        const result = await service.decide(approval.id, { action: 'approve', by: autonomyActor(segment), shownHash: approval.hash }, lead);
        if (result.ok) return;
        if (result.reason === 'already_decided') return service.applyDecision(result.approval, lead);
        throw new Error(`auto-approval of ${approval.id} by segment ${segment} was refused: ${result.reason}`);
      }
      await deps.store.updateLead(lead.ref, { state: 'awaiting_approval' }, lead);
      await deps.store.setAwaiting(lead.runId, lead.ref, true);
      if (created) await deps.notifier.approvalRequested(approval, lead);
      await deps.notifier.runUpdated(lead.runId);
    }, { token, omit: APPROVE_OMITS });
  };
}
