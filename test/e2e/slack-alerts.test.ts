import { afterEach, describe, expect, it } from 'vitest';
import { createSlackNotifier } from '../../src/bot/outbox.ts';
import { ALERT_CHANNEL, APPROVAL_CHANNEL, createSlackHarness, type SlackHarness } from '../helpers/slack-harness.ts';

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Slack alerts and circuit-breaker threads', () => {
  it('threads a breaker opening, half-opening and closing: one parent, two replies, parent updated on recovery', async () => {
    const s = (h = await createSlackHarness('slack-breaker', { pipeline: false }));
    // A second process's notifier: same Redis, its own queue handle.
    const other = createSlackNotifier(s.ctx);
    try {
      const t0 = new Date(Date.now() - 3_000).toISOString();
      const opening = { provider: 'apollo', from: 'closed' as const, to: 'open' as const, at: t0, reason: '5 failures in 60 s: HTTP 503' };
      await Promise.all([s.ctx.notifier.breakerTransition(opening), other.breakerTransition(opening)]);
      await other.breakerTransition({ provider: 'apollo', from: 'open', to: 'half_open', at: new Date(Date.now() - 2_000).toISOString(), reason: 'cool-down over: probing' });
      await s.ctx.notifier.breakerTransition({ provider: 'apollo', from: 'half_open', to: 'closed', at: new Date(Date.now() - 1_000).toISOString(), reason: 'probe succeeded' });
      const posts = () => s.slack.ok('chat.postMessage').filter((c) => c.args.channel === ALERT_CHANNEL);
      await s.slack.waitFor(() => posts().length >= 3 && s.slack.ok('chat.update').length >= 1, 10_000, 'breaker thread');
      await sleep(300);
      const parents = posts().filter((c) => !c.args.thread_ts);
      expect(parents).toHaveLength(1);
      expect(String(parents[0]!.args.text)).toContain('apollo');
      expect(String(parents[0]!.args.text)).toContain('HTTP 503');
      const replies = posts().filter((c) => c.args.thread_ts);
      expect(replies).toHaveLength(2);
      const threadTs = replies[0]!.args.thread_ts;
      expect(replies.every((r) => r.args.thread_ts === threadTs)).toBe(true);
      expect(String(replies[0]!.args.text)).toContain('half-open');
      expect(String(replies[1]!.args.text)).toContain('closed');
      const update = s.slack.ok('chat.update')[0]!;
      expect(update.args.ts).toBe(threadTs);
      expect(String(update.args.text)).toContain('recovered');

      // After recovery, a new opening starts a new thread.
      await s.ctx.notifier.breakerTransition({ provider: 'apollo', from: 'closed', to: 'open', at: new Date().toISOString(), reason: 'timeouts' });
      await s.slack.waitFor(() => posts().filter((c) => !c.args.thread_ts).length === 2, 10_000, 'second parent');
    } finally {
      await other.close?.();
    }
  });

  it('does not retry a message Slack refuses for good (channel_not_found), and goes on with the next', async () => {
    const s = (h = await createSlackHarness('slack-perm', { pipeline: false }));
    s.slack.fail('chat.postMessage', 'channel_not_found', 1);
    await s.ctx.notifier.alert('WARNING', 'first alert: refused by Slack');
    await s.slack.waitFor(() => s.slack.calls.find((c) => c.method === 'chat.postMessage'), 10_000, 'first attempt');
    await s.ctx.notifier.alert('WARNING', 'second alert: delivered');
    await s.slack.waitFor(() => s.slack.ok('chat.postMessage').length === 1, 10_000, 'second alert');
    await sleep(500);
    const attempts = s.slack.calls.filter((c) => c.method === 'chat.postMessage');
    expect(attempts.map((c) => [c.status, String(c.args.text).includes('first') ? 'first' : 'second'])).toEqual([
      [400, 'first'],
      [200, 'second'],
    ]);
  });

  it('posts an alert exactly once when Slack answers 429, after Retry-After', async () => {
    const s = (h = await createSlackHarness('slack-429', { pipeline: false }));
    s.slack.rateLimit('chat.postMessage', 1, 1);
    const queuedAt = Date.now();
    await s.ctx.notifier.alert('CRITICAL', 'Instantly rejected the API key', { provider: 'instantly' });
    // The same alert reported again (another worker, a retry) is one message.
    await s.ctx.notifier.alert('CRITICAL', 'Instantly rejected the API key', { provider: 'instantly' });
    const delivered = await s.slack.waitFor(() => s.slack.ok('chat.postMessage').find((c) => String(c.args.text).includes('Instantly rejected')), 15_000, 'alert');
    await sleep(500);
    const attempts = s.slack.calls.filter((c) => c.method === 'chat.postMessage');
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect(s.slack.ok('chat.postMessage')).toHaveLength(1);
    expect(delivered.args.channel).toBe(ALERT_CHANNEL);
    expect(String(delivered.args.text)).toContain('CRITICAL');
    // Retry-After was 1 s: the second attempt waited for it.
    expect(delivered.at - attempts[0]!.at).toBeGreaterThanOrEqual(900);
    expect(delivered.at - queuedAt).toBeLessThan(10_000);
  });

  it('posts INFO notices (a qualified visitor, a call task) to the sales channel, not the on-call one', async () => {
    const s = (h = await createSlackHarness('slack-info', { pipeline: false }));
    await s.ctx.notifier.alert('INFO', 'Website visitor Ana Lee (Acme) qualified: intent 82');
    await s.ctx.notifier.alert('WARNING', 'Clay webhook at 80% of its submissions');
    await s.slack.waitFor(() => s.slack.ok('chat.postMessage').length === 2, 10_000, 'both notices');
    const info = s.slack.ok('chat.postMessage').find((c) => String(c.args.text).includes('INFO'));
    const warning = s.slack.ok('chat.postMessage').find((c) => String(c.args.text).includes('WARNING'));
    expect(info?.args.channel).toBe(APPROVAL_CHANNEL);
    expect(String(info?.args.text)).toContain('Website visitor Ana Lee');
    expect(warning?.args.channel).toBe(ALERT_CHANNEL);
  });
});
