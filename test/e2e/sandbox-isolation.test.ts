import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { OUTBOX_QUEUE } from '../../src/bot/outbox.ts';
import { sandboxEnv, sandboxPrefix } from '../../src/cli.ts';
import { deleteByPrefix } from '../../src/core/keys.ts';
import { startRun } from '../../src/jobs/runs.ts';
import { createHarness, FAST_SANDBOX, TEST_REDIS_URL, type Harness } from '../helpers/harness.ts';
import { CAMPAIGN_ID, createLiveHarness, FAKE_KEYS, FAST_LIVE, fakePeople, until, type LiveHarness } from '../helpers/live-harness.ts';
import { spawnCaio } from '../helpers/worker-process.ts';
import { bullPrefix } from '../../src/core/queue.ts';

let live: LiveHarness | null = null;
let sandbox: Harness | null = null;
const extraPrefixes: string[] = [];

afterEach(async () => {
  await live?.close();
  await sandbox?.close();
  live = null;
  sandbox = null;
});

afterAll(async () => {
  const redis = new Redis(TEST_REDIS_URL);
  for (const p of extraPrefixes) await deleteByPrefix(redis, p);
  redis.disconnect();
});

describe('sandbox isolation', () => {
  it('the sandbox environment is a copy with sandbox providers and its own prefix, whatever the environment says', () => {
    const env = { CAIO_PROVIDERS: 'live', CAIO_REDIS_PREFIX: 'acme', REDIS_URL: 'redis://x' };
    const copy = sandboxEnv(env);
    expect(copy).toMatchObject({ CAIO_PROVIDERS: 'sandbox', CAIO_REDIS_PREFIX: 'acme-sandbox', CAIO_CONFIG: 'config/sandbox.json', REDIS_URL: 'redis://x' });
    expect(env.CAIO_PROVIDERS).toBe('live');
    expect(sandboxEnv({}).CAIO_REDIS_PREFIX).toBe(sandboxPrefix('caio'));
  });

  it('caio run --sandbox beside a live service with cards pending makes no live call and decides or shadows no production lead', { timeout: 120_000 }, async () => {
    const { people } = fakePeople(6, () => 'apollo');
    live = await createLiveHarness({ name: 'iso-live', people, settings: { ...FAST_LIVE, safety: { auto_approve: false, send_rate_per_minute: 100_000 } } });
    live.startWorkers();
    extraPrefixes.push(sandboxPrefix(live.prefix));
    const { runId } = await startRun(live.ctx, { source: 'default', limit: 6, startedBy: 'U_LIVE' });
    await until(async () => (await live!.ctx.approvals.listPending(100)).length === 6, 30_000);
    const apolloCallsBefore = live.fakes.apollo.requests.length;
    const instantlyCallsBefore = live.fakes.instantly.requests.length;

    // A CLI user with the service's whole environment (the README tells them to set REDIS_URL).
    const caio = spawnCaio(['run', '--sandbox', '--leads', '10'], {
      REDIS_URL: TEST_REDIS_URL,
      CAIO_REDIS_PREFIX: live.prefix,
      CAIO_PROVIDERS: 'live',
      APOLLO_API_KEY: FAKE_KEYS.apollo,
      APOLLO_BASE_URL: live.fakes.apollo.url,
      INSTANTLY_API_KEY: FAKE_KEYS.instantly,
      INSTANTLY_BASE_URL: live.fakes.instantly.url,
      INSTANTLY_CAMPAIGN_ID: CAMPAIGN_ID,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_APPROVAL_CHANNEL: 'C_APPROVALS',
    });
    expect(await caio.exited).toBe(0);
    expect(caio.output()).toMatch(/^6\/6 PASS$/m);
    expect(caio.output()).toContain(`prefix=${sandboxPrefix(live.prefix)}`);

    // Nothing of the sandbox run reached the live providers or the production records.
    expect(live.fakes.apollo.requests.length).toBe(apolloCallsBefore);
    expect(live.fakes.instantly.requests.length).toBe(instantlyCallsBefore);
    const pending = await live.ctx.approvals.listPending(100);
    expect(pending).toHaveLength(6);
    expect(pending.every((a) => a.status === 'pending')).toBe(true);
    expect(await live.ctx.audit.list({ action: 'approve' })).toHaveLength(0);
    expect((await live.ctx.audit.list({ count: 1000 })).filter((e) => e.actor === 'auto_approve')).toHaveLength(0);
    expect(await live.ctx.gate.listShadow()).toHaveLength(0);
    expect(await live.ctx.store.listRuns(10)).toHaveLength(1);
    expect((await live.ctx.store.getRun(runId))?.status).toBe('awaiting_approval');
    // No approval card of the sandbox run was queued for the team's Slack.
    const outbox = new Queue(OUTBOX_QUEUE, { connection: live.redis, prefix: bullPrefix(live.prefix) });
    expect(await outbox.getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed')).toBe(0);
    await outbox.close();
  });

  it('refuses a sandbox prefix that a running service has marked as its own', async () => {
    sandbox = await createHarness('iso-marker', FAST_SANDBOX);
    const servicePrefix = sandbox.prefix.replace(/-sandbox$/, '');
    const marked = sandboxPrefix(servicePrefix);
    extraPrefixes.push(marked);
    await sandbox.redis.set(`${marked}:control:service`, JSON.stringify({ role: 'all' }), 'EX', 60);
    const caio = spawnCaio(['run', '--sandbox', '--leads', '2'], { REDIS_URL: TEST_REDIS_URL, CAIO_REDIS_PREFIX: servicePrefix });
    expect(await caio.exited).toBe(2);
    expect(caio.output()).toContain('belongs to a running service');
  });

  it('a worker of the other provider mode parks a run\'s jobs for a matching worker instead of working them', { timeout: 60_000 }, async () => {
    sandbox = await createHarness('iso-mode', FAST_SANDBOX);
    sandbox.startWorkers();
    // A run started by a live-mode process on this prefix: the sandbox workers must not touch it.
    const { runId } = await startRun({ ...sandbox.ctx, providers: { kind: 'live' } }, { source: 'default', limit: 3, startedBy: 'U1' });
    const scrape = sandbox.ctx.queues.byStage.scrape;
    await until(async () => (await scrape.getJobCountByTypes('delayed')) === 1, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const run = await sandbox.ctx.store.getRun(runId);
    expect(run?.providers).toBe('live');
    expect(run?.total).toBeNull();
    expect(run?.stages.scrape.in).toBe(0);
    expect(await sandbox.ctx.store.runLeadRefs(runId)).toHaveLength(0);

    // A run of its own mode goes through as before.
    const own = await startRun(sandbox.ctx, { source: 'default', limit: 3, startedBy: 'U1' });
    const done = await sandbox.waitForRun(own.runId, ['completed']);
    expect(done.providers).toBe('sandbox');
    const lead = await sandbox.ctx.store.getLead((await sandbox.ctx.store.runLeadRefs(own.runId))[0]!);
    expect(lead?.providers).toBe('sandbox');
  });
});
