import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { slackRequestGuard } from '../../src/bot/request-guard.ts';
import { createKeys } from '../../src/core/keys.ts';
import { createLogger } from '../../src/core/logger.ts';
import { createMetrics } from '../../src/core/metrics.ts';
import { listen } from '../../src/server.ts';
import { blockActionBody, postToSlackEndpoint, slackSignature, slashCommandBody } from '../fakes/slack.ts';
import { TEST_REDIS_URL } from '../helpers/harness.ts';
import { APPROVER, createSlackHarness, OUTSIDER, RUN_CHANNEL, SIGNING_SECRET, type SlackHarness } from '../helpers/slack-harness.ts';

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const runCount = async (s: SlackHarness) => (await s.ctx.store.listRuns(50)).length;
const nowSec = () => Math.floor(Date.now() / 1000);

/** Log lines written at `level` and above, captured as parsed JSON. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/** The guard alone in front of a listener that answers `{ passed: true }`: a second web replica. */
async function guardOnly(redis: Redis, prefix: string, logger = createLogger('silent')) {
  const app = express();
  app.post('/slack/events', slackRequestGuard({ signingSecret: SIGNING_SECRET, logger, metrics: createMetrics(), redis, keys: createKeys(prefix).slack }), (_req, res) => {
    res.status(200).json({ passed: true });
  });
  const server = await listen(app, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('Slack request security and bad input', () => {
  it('answers a forged signature and a stale timestamp with 401 and starts nothing', async () => {
    h = await createSlackHarness('slack-sig', { pipeline: false });
    const body = slashCommandBody({ text: 'run default --leads 3', userId: APPROVER, responseUrl: h.slack.responseUrl('forged') });
    const forged = await h.post(body, undefined, { signature: `v0=${'0'.repeat(64)}` });
    expect(forged.status).toBe(401);
    const wrongSecret = await h.post(body, undefined, { secret: 'not-the-secret' });
    expect(wrongSecret.status).toBe(401);
    const stale = await h.post(body, undefined, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(await runCount(h)).toBe(0);
    expect(h.slack.responses).toHaveLength(0);
    expect(h.slack.ok('chat.postMessage')).toHaveLength(0);
    expect(await h.ctx.audit.list()).toHaveLength(0);
  });

  it('answers a timestamp more than five minutes in the future with 401 and starts nothing', async () => {
    h = await createSlackHarness('slack-future', { pipeline: false });
    const body = slashCommandBody({ text: 'run default --leads 3', userId: APPROVER, responseUrl: h.slack.responseUrl('future') });
    const future = await h.post(body, undefined, { timestamp: nowSec() + 6 * 60 });
    expect(future.status).toBe(401);
    expect(future.text).toContain('stale timestamp');
    const farFuture = await h.post(body, undefined, { timestamp: nowSec() + 365 * 24 * 3600 });
    expect(farFuture.status).toBe(401);
    // A small clock skew ahead is still accepted.
    const help = await h.command('help');
    expect(help.status).toBe(200);
    const skewed = await h.post(slashCommandBody({ text: 'help', userId: APPROVER, responseUrl: h.slack.responseUrl('skew') }), undefined, { timestamp: nowSec() + 60 });
    expect(skewed.status).toBe(200);
    expect((skewed.json as { text: string }).text).toContain('/caio status');
    await new Promise((r) => setTimeout(r, 300));
    expect(await runCount(h)).toBe(0);
    expect(h.slack.responses).toHaveLength(0);
    expect(await h.ctx.audit.list()).toHaveLength(0);
  });

  it("answers Slack's unsigned ssl_check with 200 and nothing else", async () => {
    h = await createSlackHarness('slack-ssl', { pipeline: false });
    const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'ssl_check=1&token=legacy' });
    expect(res.status).toBe(200);
    expect(h.slack.calls).toHaveLength(0);
  });

  it('answers a malformed payload with 400 and a reason', async () => {
    h = await createSlackHarness('slack-400', { pipeline: false });
    const notJson = await h.post(new URLSearchParams({ payload: '{not json' }).toString());
    expect(notJson.status).toBe(400);
    const wrongShape = await h.post(new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', user: {}, actions: [] }) }).toString());
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.text).toContain('malformed payload');
    const unknownType = await h.post(new URLSearchParams({ payload: JSON.stringify({ type: 'no_such_type', user: { id: APPROVER } }) }).toString());
    expect(unknownType.status).toBe(400);
    const missingFields = await h.post(new URLSearchParams({ command: '/caio', text: 'run' }).toString());
    expect(missingFields.status).toBe(400);
    expect(missingFields.text).toContain('user_id');
    expect(await runCount(h)).toBe(0);
  });

  it('answers an unknown subcommand or a bad flag with help that names the problem', async () => {
    h = await createSlackHarness('slack-help', { pipeline: false });
    const unknown = await h.command('launch');
    expect(unknown.status).toBe(200);
    expect(unknown.json).toMatchObject({ response_type: 'ephemeral' });
    expect((unknown.json as { text: string }).text).toContain('unknown subcommand "launch"');
    expect((unknown.json as { text: string }).text).toContain('/caio run [source] [--leads N]');
    const badFlag = await h.command('run default --fast');
    expect((badFlag.json as { text: string }).text).toContain('unknown flag "--fast"');
    const badLeads = await h.command('run default --leads 0');
    expect((badLeads.json as { text: string }).text).toContain('--leads must be from 1 to 10000');
    const badSource = await h.command('run nowhere');
    expect((badSource.json as { text: string }).text).toContain('unknown source "nowhere"');
    expect((badSource.json as { text: string }).text).toContain('competitor_gong');
    const help = await h.command('help', OUTSIDER);
    expect((help.json as { text: string }).text).toContain('/caio status');
    // Acks never wait on Slack's Web API: no auth.test round trip before a command is handled.
    expect(h.slack.calls.filter((c) => c.method === 'auth.test')).toHaveLength(0);
    expect(await runCount(h)).toBe(0);
  });

  it('escapes what the user typed when the help names the problem (no @channel, no links)', async () => {
    h = await createSlackHarness('slack-help-esc', { pipeline: false });
    const unknown = await h.command('<!channel> <https://evil.example|click>');
    const unknownText = (unknown.json as { text: string }).text;
    expect(unknownText).toContain('unknown subcommand "&lt;!channel&gt;"');
    expect(unknownText).not.toMatch(/<!|<https?:/);
    const badSource = await h.command('run <!here>');
    const badSourceText = (badSource.json as { text: string }).text;
    expect(badSourceText).toContain('unknown source "&lt;!here&gt;"');
    expect(badSourceText).not.toMatch(/<!|<https?:/);
    expect(await runCount(h)).toBe(0);
  });

  it('starts one run however often Slack retries /caio run', async () => {
    h = await createSlackHarness('slack-retry', { pipeline: false });
    const triggerId = '1111.2222.retrytrigger';
    const first = await h.command('run default --leads 2', APPROVER, { triggerId });
    expect(first.status).toBe(200);
    const retried = await h.command('run default --leads 2', APPROVER, { triggerId, retryNum: 1 });
    expect(retried.status).toBe(200);
    // The same delivery again without the retry header (a proxy replay) is caught by trigger_id.
    const replay = await h.command('run default --leads 2', APPROVER, { triggerId });
    expect(replay.status).toBe(200);
    await h.slack.waitFor(() => h!.slack.responses.find((r) => String(r.body.text).includes('started')), 10_000, 'run started reply');
    await new Promise((r) => setTimeout(r, 300));
    const runs = await h.ctx.store.listRuns(10);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.started_by).toBe(APPROVER);
    expect((await h.ctx.audit.list({ action: 'run.start' })).length).toBe(1);
  });

  it('in Socket Mode leaves /slack/events unmounted while /healthz is still served', async () => {
    h = await createSlackHarness('slack-socket', { pipeline: false, env: { SLACK_APP_TOKEN: 'xapp-1-test' } });
    const res = await h.command('status');
    expect(res.status).toBe(404);
    const health = await fetch(h.url.replace('/slack/events', '/healthz'));
    expect(health.status).toBe(200);
  });

  it('refuses a non-approver ephemerally and audits the attempt', async () => {
    h = await createSlackHarness('slack-refuse', { pipeline: false });
    const res = await h.command('run default --leads 2', OUTSIDER);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_type: 'ephemeral' });
    expect((res.json as { text: string }).text).toContain('not on the approver list');
    const stop = await h.command('stop', OUTSIDER);
    expect((stop.json as { text: string }).text).toContain('not on the approver list');
    await new Promise((r) => setTimeout(r, 200));
    expect(await runCount(h)).toBe(0);
    expect((await h.ctx.emergency.state()).stopped).toBe(false);
    const refused = await h.ctx.audit.list({ action: 'refused' });
    expect(refused.map((e) => [e.actor, e.details?.attempted])).toEqual([
      [OUTSIDER, 'run'],
      [OUTSIDER, 'stop'],
    ]);
  });
});

describe('Slack replays of an identical signed request', () => {
  const extra: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const e of extra.splice(0)) await e.close();
  });

  it('a replayed /caio stop acts once: after a resume, the replay stops nothing and gets 200 with an empty body', async () => {
    const s = (h = await createSlackHarness('slack-replay-cmd', { pipeline: false }));
    const stopBody = slashCommandBody({ text: 'stop testing replays', userId: APPROVER, responseUrl: s.slack.responseUrl('stop') });
    const timestamp = nowSec();
    const first = await s.post(stopBody, undefined, { timestamp });
    expect(first.status).toBe(200);
    expect((first.json as { text: string }).text).toContain('Stopping everything');
    await s.slack.waitFor(() => s.slack.responses.find((r) => r.id === 'stop'), 10_000, 'stop reply');
    expect((await s.ctx.emergency.state()).stopped).toBe(true);
    const resumed = await s.command('resume');
    expect(resumed.status).toBe(200);
    await s.slack.waitFor(() => s.slack.responses.find((r) => String(r.body.text).includes('Resumed')), 10_000, 'resume reply');
    expect((await s.ctx.emergency.state()).stopped).toBe(false);

    // The same bytes, timestamp and signature again (an attacker or a proxy replaying them).
    const replay = await s.post(stopBody, undefined, { timestamp });
    expect(replay.status).toBe(200);
    expect(replay.text).toBe('');
    await new Promise((r) => setTimeout(r, 400));
    expect((await s.ctx.emergency.state()).stopped).toBe(false);
    expect(s.slack.responses.filter((r) => r.id === 'stop')).toHaveLength(1);
    expect((await s.ctx.audit.list({ action: 'stop' })).length).toBe(1);
    // The marker lives under the app prefix and expires once the timestamp leaves the window.
    const signature = slackSignature(SIGNING_SECRET, timestamp, stopBody);
    const marker = createKeys(s.prefix).slack.replay(createHash('sha256').update(`${timestamp}:${signature}`).digest('hex'));
    expect(marker.startsWith(`${s.prefix}:slack:replay:`)).toBe(true);
    const ttl = await s.redis.ttl(marker);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(301);
  });

  it('a replayed EMERGENCY STOP click does not stop again, even on another web replica', async () => {
    const s = (h = await createSlackHarness('slack-replay-click', { pipeline: false }));
    const click = blockActionBody({ userId: APPROVER, actionId: 'emergency_stop', value: 'control', channelId: RUN_CHANNEL, responseUrl: s.slack.responseUrl('click') });
    const timestamp = nowSec();
    const signature = slackSignature(SIGNING_SECRET, timestamp, click);
    const first = await s.post(click, undefined, { timestamp, signature });
    expect(first.status).toBe(200);
    await s.slack.waitFor(() => s.slack.responses.find((r) => r.id === 'click'), 10_000, 'stop reply');
    expect((await s.ctx.emergency.state()).stopped).toBe(true);
    await s.command('resume');
    await s.slack.waitFor(() => s.slack.responses.find((r) => String(r.body.text).includes('Resumed')), 10_000, 'resume reply');

    const replay = await s.post(click, undefined, { timestamp, signature });
    expect(replay.status).toBe(200);
    expect(replay.text).toBe('');
    // Another replica (its own Redis connection, the same prefix) refuses it too.
    const otherRedis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    extra.push({ close: async () => void otherRedis.disconnect() });
    const { logger, lines } = capturedLogger();
    const replica = await guardOnly(otherRedis, s.prefix, logger);
    extra.push(replica);
    const elsewhere = await postToSlackEndpoint(replica.url, click, 'application/x-www-form-urlencoded', { secret: SIGNING_SECRET, timestamp, signature });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.text).toBe('');
    expect(lines.some((l) => l.level === 30 && String(l.msg).includes('replay'))).toBe(true);
    // A fresh signature (a new delivery) on that replica goes on to the listener.
    const fresh = await postToSlackEndpoint(replica.url, click, 'application/x-www-form-urlencoded', { secret: SIGNING_SECRET, timestamp: timestamp + 1 });
    expect(fresh.json).toEqual({ passed: true });

    await new Promise((r) => setTimeout(r, 400));
    expect((await s.ctx.emergency.state()).stopped).toBe(false);
    expect(s.slack.responses.filter((r) => r.id === 'click')).toHaveLength(1);
    expect((await s.ctx.audit.list({ action: 'stop' })).length).toBe(1);
  });

  it('does not hang the ack when Redis does not answer: falls through within about a second and warns', async () => {
    // A loopback server that accepts connections and never answers: Redis hung, not down.
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    extra.push({
      close: async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      },
    });
    const hung = new Redis({ host: '127.0.0.1', port: (silent.address() as AddressInfo).port, maxRetriesPerRequest: null, lazyConnect: false });
    hung.on('error', () => undefined);
    extra.push({ close: async () => void hung.disconnect() });
    const { logger, lines } = capturedLogger();
    const replica = await guardOnly(hung, 'caio-test-slack-hung', logger);
    extra.push(replica);
    const body = slashCommandBody({ text: 'status', userId: APPROVER, responseUrl: 'http://127.0.0.1:9/response/x' });
    const started = Date.now();
    const res = await postToSlackEndpoint(replica.url, body, 'application/x-www-form-urlencoded', { secret: SIGNING_SECRET });
    const elapsed = Date.now() - started;
    expect(res.json).toEqual({ passed: true });
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(2_500);
    expect(lines.some((l) => l.level === 40 && String(l.msg).includes('replay'))).toBe(true);
  });
});
