import type { Approval } from './approvals.ts';
import type { ProposalStatus } from './autonomy-proposals.ts';
import type { Logger } from './logger.ts';
import type { Lead } from './types.ts';

export type AlertLevel = 'INFO' | 'WARNING' | 'CRITICAL';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** A circuit breaker changed state; the Slack poster threads every transition under the opening. */
export interface BreakerTransition {
  provider: string;
  from: BreakerState;
  to: BreakerState;
  at: string;
  /** Why, e.g. "5 failures in 60 s: HTTP 503". */
  reason: string;
}

/**
 * What the pipeline tells the outside world. The Slack control plane implements it by queueing
 * messages; without Slack, events are only logged.
 */
export interface Notifier {
  approvalRequested(approval: Approval, lead: Lead): Promise<void>;
  approvalDecided(approval: Approval): Promise<void>;
  runUpdated(runId: string): Promise<void>;
  alert(level: AlertLevel, text: string, details?: Record<string, unknown>): Promise<void>;
  breakerTransition(transition: BreakerTransition): Promise<void>;
  /** A lead replied (src/core/replies.ts): one message with the reply and its outcome buttons. */
  replyReceived(replyId: string): Promise<void>;
  /** A person chose an outcome for a reply: its message is updated in place. */
  replyDecided(replyId: string): Promise<void>;
  /** A proposal card (a segment's auto-approval, new ICP weights) to post, or to update after its decision (issue 12). */
  autonomyProposal?(id: string, status: ProposalStatus): Promise<void>;
  /** Releases what the notifier holds (the Slack outbox closes its queue). */
  close?(): Promise<void>;
}

export function createLogNotifier(logger: Logger): Notifier {
  return {
    async approvalRequested(approval) {
      logger.info({ approval: approval.id }, 'approval requested');
    },
    async approvalDecided(approval) {
      logger.info({ approval: approval.id, status: approval.status, by: approval.decided_by }, 'approval decided');
    },
    async runUpdated() {},
    async alert(level, text, details) {
      const log = level === 'CRITICAL' ? logger.error.bind(logger) : logger.warn.bind(logger);
      log({ level_name: level, ...details }, text);
    },
    async breakerTransition(transition) {
      logger.warn({ ...transition }, 'circuit breaker transition');
    },
    async replyReceived(replyId) {
      logger.info({ reply: replyId }, 'lead replied');
    },
    async replyDecided(replyId) {
      logger.info({ reply: replyId }, 'reply outcome chosen');
    },
  };
}
