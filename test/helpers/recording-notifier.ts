import type { AlertLevel, BreakerTransition, Notifier } from '../../src/core/notifier.ts';

export interface RecordedAlert {
  level: AlertLevel;
  text: string;
  details?: Record<string, unknown> | undefined;
}

/** A Notifier test double (an interface, not a module of ours) that records what it was told. */
export function createRecordingNotifier(): { notifier: Notifier; alerts: RecordedAlert[]; transitions: BreakerTransition[]; replies: { kind: 'received' | 'decided'; id: string }[] } {
  const alerts: RecordedAlert[] = [];
  const transitions: BreakerTransition[] = [];
  const replies: { kind: 'received' | 'decided'; id: string }[] = [];
  const notifier: Notifier = {
    async approvalRequested() {},
    async approvalDecided() {},
    async runUpdated() {},
    async alert(level, text, details) {
      alerts.push({ level, text, details });
    },
    async breakerTransition(t) {
      transitions.push(t);
    },
    async replyReceived(id) {
      replies.push({ kind: 'received', id });
    },
    async replyDecided(id) {
      replies.push({ kind: 'decided', id });
    },
  };
  return { notifier, alerts, transitions, replies };
}
