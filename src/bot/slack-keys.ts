import type { Keys } from '../core/keys.ts';

/** Redis keys of the Slack control plane, under the app prefix so one SCAN cleans them up. */
export function slackKeys(keys: Pick<Keys, 'prefix'>) {
  const k = (...parts: string[]) => [keys.prefix, 'slack', ...parts].join(':');
  return {
    /** A slash command's trigger_id, remembered so a retry starts nothing. */
    trigger: (triggerId: string) => k('trigger', triggerId),
    /** The alert thread of one provider's circuit breaker: channel, ts, opened_at. */
    breakerThread: (provider: string) => k('breaker', provider, 'thread'),
    /** Transitions waiting to be posted, in the order they happened. */
    breakerEvents: (provider: string) => k('breaker', provider, 'events'),
    breakerSeen: k('breaker', 'seen'),
    /** Short locks so two processes never post the same parent or run message twice. */
    lock: (name: string) => k('lock', name),
    /** Set once a message of an outbox job is posted, so a retry does not post it again. */
    posted: (jobId: string) => k('posted', jobId),
    /** A signed request already handled (hash of its timestamp and signature): a replay is ignored. */
    replay: (requestHash: string) => k('replay', requestHash),
  };
}

export type SlackKeys = ReturnType<typeof slackKeys>;

/** BullMQ job ids must not contain `:` nor be only digits. */
export function safeId(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_');
}
