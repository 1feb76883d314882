import { webApi } from '@slack/bolt';
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/logger.ts';
import { boltLogger } from './logger-adapter.ts';

export type WebClient = webApi.WebClient;

/**
 * The outbox's Web API client: a 429 is rejected at once (the job waits Retry-After in the queue
 * instead of holding a worker slot) and other failures are retried by BullMQ, not by the client.
 */
export function createOutboxClient(config: Config, logger: Logger): WebClient {
  return new webApi.WebClient(config.env.SLACK_BOT_TOKEN, {
    slackApiUrl: config.env.SLACK_API_URL,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    logger: boltLogger(logger),
  });
}

// Slack errors that no retry will fix (a wrong channel, a revoked token, a bad message).
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'not_authed',
  'missing_scope',
  'invalid_blocks',
  'msg_too_long',
  'message_not_found',
  'cant_update_message',
]);

/** The Slack error code when a failure is permanent (the job should not be retried), else null. */
export function permanentSlackError(err: unknown): string | null {
  if (err && typeof err === 'object' && 'code' in err && err.code === webApi.ErrorCode.PlatformError) {
    const code = (err as { data?: { error?: unknown } }).data?.error;
    if (typeof code === 'string' && PERMANENT.has(code)) return code;
  }
  return null;
}

/** Seconds to wait when Slack answered 429, or null for any other error. */
export function rateLimitedFor(err: unknown): number | null {
  if (err && typeof err === 'object' && 'code' in err && err.code === webApi.ErrorCode.RateLimitedError) {
    const after = (err as { retryAfter?: unknown }).retryAfter;
    return typeof after === 'number' && Number.isFinite(after) ? after : 1;
  }
  return null;
}
