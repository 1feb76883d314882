import type { Audit } from '../core/audit.ts';
import type { Logger } from '../core/logger.ts';

/** Who may run, approve, reject, edit, stop and resume (CAIO_APPROVERS); everyone else is refused. */
export interface Approvers {
  allows(userId: string): boolean;
  /** Audits a refused attempt and returns the ephemeral text to show. */
  refuse(userId: string, action: string, subject: string): Promise<string>;
}

export const REFUSAL_TEXT = 'You are not on the approver list (CAIO_APPROVERS), so CAIO did not do that. Ask an approver.';

export function createApprovers(list: readonly string[], deps: { audit: Audit; logger: Logger }): Approvers {
  const allowed = new Set(list);
  return {
    allows: (userId) => allowed.has(userId),
    async refuse(userId, action, subject) {
      await deps.audit
        .append({ actor: userId, action: 'refused', subject, details: { attempted: action } })
        .catch((err: unknown) => deps.logger.error({ err }, 'could not audit a refusal'));
      return REFUSAL_TEXT;
    },
  };
}
