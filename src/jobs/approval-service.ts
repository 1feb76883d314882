import type { Approval, Decision, DecisionResult } from '../core/approvals.ts';
import type { Lead } from '../core/types.ts';
import type { PipelineDeps } from './deps.ts';
import { finishLead, handOn } from './stage-runner.ts';
import { createAutonomy } from './autonomy-service.ts';

/**
 * The one way a decision is made (Slack buttons, the edit modal, the CLI, auto-approve): the
 * approval record takes the first decision atomically, then the lead moves on exactly once.
 */
export function createApprovalService(deps: Pick<PipelineDeps, 'approvals' | 'store' | 'queues' | 'notifier' | 'logger' | 'config' | 'redis' | 'keys' | 'audit' | 'emergency' | 'policy'>) {
  const autonomy = createAutonomy(deps);
  async function applyDecision(approval: Approval, known?: Lead): Promise<void> {
    const { store } = deps;
    if (approval.status === 'pending') return;
    const lead = known ?? (await store.getLead(approval.leadRef));
    if (!lead) return;
    const wasWaiting = lead.state === 'awaiting_approval';
    if (approval.status === 'rejected') {
      await finishLead(deps, lead, 'approve', 'dropped', { state: 'rejected' });
      return;
    }
    await handOn(deps, lead, 'approve', 'send', { state: 'approved' });
    if (wasWaiting) await store.setAwaiting(lead.runId, lead.ref, false);
    await deps.notifier.runUpdated(lead.runId);
  }

  /** What follows a decision just recorded: the lead moves on, Slack hears of it, its segment counts it. */
  async function decided(approval: Approval, known?: Lead): Promise<void> {
    await applyDecision(approval, known);
    await deps.notifier.approvalDecided(approval);
    // KPIs per segment; a person's reject revokes the segment's auto-approval (issue 12).
    await autonomy
      .onDecision(approval, known ?? (await deps.store.getLead(approval.leadRef)))
      .catch((err: unknown) => deps.logger.error({ err, approval: approval.id }, 'autonomy bookkeeping of a decision failed'));
  }

  return {
    applyDecision,
    decided,
    async decide(id: string, decision: Decision, known?: Lead): Promise<DecisionResult> {
      const result = await deps.approvals.decide(id, decision);
      if (result.ok) await decided(result.approval, known);
      return result;
    },
  };
}

export type ApprovalService = ReturnType<typeof createApprovalService>;
