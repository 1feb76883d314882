import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.ts';
import type { BreakerTransition } from '../core/notifier.ts';
import { esc, when } from './format.ts';
import type { SlackKeys } from '../core/keys.ts';

/** The two Web API calls the breaker thread needs (a WebClient fits; so does a test double of Slack). */
export interface ThreadPoster {
  post(args: { channel: string; text: string; thread_ts?: string }): Promise<{ channel: string; ts: string }>;
  update(args: { channel: string; ts: string; text: string }): Promise<void>;
}

const STATE = { open: ':red_circle: open', half_open: ':large_yellow_circle: half-open (probing)', closed: ':large_green_circle: closed' } as const;

export function parentText(provider: string, openedAt: string, reason: string): string {
  return `:rotating_light: *WARNING* — *${esc(provider)}* circuit breaker opened at ${when(openedAt)}: ${esc(reason)}\nCalls to ${esc(provider)} are paused; updates follow in this thread.`;
}

export function recoveredText(provider: string, openedAt: string, closedAt: string): string {
  return `:white_check_mark: *${esc(provider)}* recovered — the breaker opened at ${when(openedAt)} and closed at ${when(closedAt)}.`;
}

/**
 * Posts one breaker transition: an opening with no thread posts the parent (its ts kept in Redis
 * so every process replies to the same thread); half-open, re-open and closed reply in it; closing
 * also updates the parent and ends the thread, so the next opening starts a new one.
 * The caller holds the provider's lock, so transitions are handled one at a time and in order.
 */
export async function postTransition(deps: { redis: Redis; keys: SlackKeys; logger: Logger; poster: ThreadPoster; channel: string }, t: BreakerTransition): Promise<void> {
  const { redis, keys, poster, channel } = deps;
  const threadKey = keys.breakerThread(t.provider);
  const thread = await redis.hgetall(threadKey);
  if (!thread.ts || !thread.channel) {
    if (t.to === 'closed') {
      deps.logger.info({ transition: t }, 'breaker closed with no open thread: nothing to post');
      return;
    }
    const posted = await poster.post({ channel, text: parentText(t.provider, t.at, t.reason) });
    await redis.hset(threadKey, { channel: posted.channel, ts: posted.ts, opened_at: t.at });
    if (t.to === 'half_open') await poster.post({ channel: posted.channel, thread_ts: posted.ts, text: replyText(t) });
    return;
  }
  await poster.post({ channel: thread.channel, thread_ts: thread.ts, text: replyText(t) });
  if (t.to === 'closed') {
    await poster.update({ channel: thread.channel, ts: thread.ts, text: recoveredText(t.provider, thread.opened_at ?? t.at, t.at) });
    await redis.del(threadKey);
  }
}

function replyText(t: BreakerTransition): string {
  const verb = t.to === 'open' ? ':red_circle: re-opened' : STATE[t.to];
  return `${verb} at ${when(t.at)} (was ${t.from.replace('_', '-')}): ${esc(t.reason)}`;
}
