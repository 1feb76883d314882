import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { asGateDay, asUtcDay, utcMonth } from '../../src/core/days.ts';
import { createKeys, deleteByPrefix, type Keys } from '../../src/core/keys.ts';
import { loadScripts, type Scripts } from '../../src/core/lua.ts';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/harness.ts';

// Each script's contract on its own, against a real Redis under a unique prefix: the keys it
// writes, what it returns, that a retry changes nothing, and the TTLs it sets.

let redis: Redis;
let scripts: Scripts;
let keys: Keys;
let prefix: string;

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  scripts = loadScripts(redis);
});
afterEach(async () => {
  await deleteByPrefix(redis, prefix);
});
afterAll(() => redis.disconnect());

function fresh(): void {
  prefix = uniquePrefix('lua');
  keys = createKeys(prefix);
}

/** A TTL in seconds that is set and at most `max`. */
async function expectTtl(key: string, max: number): Promise<void> {
  const ttl = await redis.ttl(key);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(max);
}

describe('loadScripts', () => {
  it('defines the scripts once per connection', () => {
    expect(loadScripts(redis)).toBe(scripts);
  });
});

describe('run and lead scripts (store)', () => {
  const runId = 'run_1';
  const run = () => keys.run(runId);
  const sets = () => ({
    terminal: keys.runSet(runId, 'terminal'),
    awaiting: keys.runSet(runId, 'awaiting'),
    held: keys.runSet(runId, 'held'),
    sending: keys.runSet(runId, 'sending'),
  });

  it('stageIn counts a member in once and keeps the first start time', async () => {
    fresh();
    const k = { run: run(), inSet: keys.runStageSet(runId, 'scrape', 'in') };
    expect(await scripts.stageIn(k, { member: 'batch-1', stage: 'scrape', nowMs: 1000, count: 5 })).toBe(1);
    expect(await scripts.stageIn(k, { member: 'batch-1', stage: 'scrape', nowMs: 2000, count: 5 })).toBe(0);
    expect(await scripts.stageIn(k, { member: 'batch-2', stage: 'scrape', nowMs: 3000, count: 2 })).toBe(1);
    expect(await redis.hgetall(run())).toEqual({ 'scrape.in': '7', 'scrape.started_at': '1000' });
    expect(await redis.smembers(k.inSet)).toHaveLength(2);
  });

  it('stageOut counts a member out once under its outcome and keeps the latest end time', async () => {
    fresh();
    const k = { run: run(), doneSet: keys.runStageSet(runId, 'segment', 'done') };
    expect(await scripts.stageOut(k, { member: 'a', stage: 'segment', outcome: 'out', nowMs: 5000, count: 1 })).toBe(1);
    expect(await scripts.stageOut(k, { member: 'a', stage: 'segment', outcome: 'out', nowMs: 9000, count: 1 })).toBe(0);
    expect(await scripts.stageOut(k, { member: 'b', stage: 'segment', outcome: 'dropped', nowMs: 4000, count: 1 })).toBe(1);
    expect(await redis.hgetall(run())).toEqual({ 'segment.out': '1', 'segment.dropped': '1', 'segment.ended_at': '5000' });
    await scripts.stageOut(k, { member: 'c', stage: 'segment', outcome: 'errors', nowMs: 6000, count: 3 });
    expect(await redis.hmget(run(), 'segment.errors', 'segment.ended_at')).toEqual(['3', '6000']);
  });

  it('refreshRunStatus derives the status from the sets and keeps stopped, failed and completed', async () => {
    fresh();
    const k = { run: run(), terminal: sets().terminal, awaiting: sets().awaiting };
    const refresh = () => scripts.refreshRunStatus(k, { nowIso: '2026-01-02T03:04:05.000Z' });
    expect(await refresh()).toBeNull();
    await redis.hset(run(), { status: 'running' });
    expect(await refresh()).toBe('running');
    await redis.hset(run(), { total: 3 });
    await redis.sadd(k.terminal, 'l1');
    await redis.sadd(k.awaiting, 'l2');
    expect(await refresh()).toBe('running');
    await redis.sadd(k.awaiting, 'l3');
    expect(await refresh()).toBe('awaiting_approval');
    expect(await redis.hget(run(), 'status')).toBe('awaiting_approval');
    await redis.sadd(k.terminal, 'l2', 'l3');
    expect(await refresh()).toBe('completed');
    expect(await redis.hmget(run(), 'status', 'finished_at')).toEqual(['completed', '2026-01-02T03:04:05.000Z']);
    await redis.hset(run(), { status: 'stopped' });
    expect(await refresh()).toBe('stopped');
  });

  it('leadOut counts a lead through a stage once, indexes approved leads, and ends the run with its last lead', async () => {
    fresh();
    const s = sets();
    const k = (stage: string) => ({ run: run(), ...s, inSet: keys.runStageSet(runId, stage as 'approve', 'in'), doneSet: keys.runStageSet(runId, stage as 'approve', 'done') });
    const args = (ref: string, stage: string, terminal: boolean) => ({ nowIso: '2026-01-02T00:00:00.000Z', ref, stage, outcome: 'out', nowMs: 100, terminal: terminal ? '1' : '0' });
    await redis.hset(run(), { status: 'awaiting_approval', total: 1 });
    await redis.sadd(s.awaiting, 'l1');
    await redis.sadd(s.held, 'l1');

    expect(await scripts.leadOut(k('approve'), args('l1', 'approve', false))).toBe(0);
    expect(await scripts.leadOut(k('approve'), args('l1', 'approve', false))).toBe(0);
    expect(await redis.hmget(run(), 'approve.in', 'approve.out', 'approve.started_at', 'approve.ended_at')).toEqual(['1', '1', '100', '100']);
    expect(await redis.smembers(s.sending)).toEqual(['l1']);

    expect(await scripts.leadOut(k('send'), args('l1', 'send', true))).toBe('completed');
    expect(await scripts.leadOut(k('send'), args('l1', 'send', true))).toBe('completed');
    expect(await redis.hmget(run(), 'send.in', 'send.out', 'status', 'finished_at')).toEqual(['1', '1', 'completed', '2026-01-02T00:00:00.000Z']);
    expect(await redis.smembers(s.terminal)).toEqual(['l1']);
    for (const set of [s.awaiting, s.held, s.sending]) expect(await redis.scard(set)).toBe(0);
  });

  it('growRun adds to the total and runs a completed run again', async () => {
    fresh();
    await redis.hset(run(), { status: 'completed', total: 2, finished_at: 't1' });
    expect(await scripts.growRun({ run: run() }, { count: 1 })).toBe(3);
    expect(await redis.hmget(run(), 'status', 'total', 'finished_at')).toEqual(['running', '3', null]);
    await redis.hset(run(), { status: 'stopped' });
    expect(await scripts.growRun({ run: run() }, { count: 2 })).toBe(5);
    expect(await redis.hget(run(), 'status')).toBe('stopped');
  });

  it('createLead writes a new lead whole and leaves an existing one alone', async () => {
    fresh();
    const k = { lead: keys.lead('r-l1'), runLeads: keys.runSet(runId, 'leads') };
    expect(await scripts.createLead(k, { ref: 'r-l1' }, { args: ['ref', '"r-l1"', 'state', '"scraped"'] })).toBe(1);
    expect(await scripts.createLead(k, { ref: 'r-l1' }, { args: ['ref', '"r-l1"', 'state', '"other"'] })).toBe(0);
    expect(await redis.hgetall(k.lead)).toEqual({ ref: '"r-l1"', state: '"scraped"' });
    expect(await redis.smembers(k.runLeads)).toEqual(['r-l1']);
  });

  it('createLeads writes each new lead of a batch whole, leaves existing ones alone, and adds all to the run', async () => {
    fresh();
    const runLeads = keys.runSet(runId, 'leads');
    await redis.hset(keys.lead('r-l2'), { ref: '"r-l2"', state: '"enriched"' });
    const args = ['r-l1', 2, 'ref', '"r-l1"', 'state', '"scraped"', 'r-l2', 1, 'state', '"scraped"'];
    expect(await scripts.createLeads({ runLeads }, {}, { keys: [keys.lead('r-l1'), keys.lead('r-l2')], args })).toBe(1);
    expect(await redis.hgetall(keys.lead('r-l1'))).toEqual({ ref: '"r-l1"', state: '"scraped"' });
    expect(await redis.hgetall(keys.lead('r-l2'))).toEqual({ ref: '"r-l2"', state: '"enriched"' });
    expect((await redis.smembers(runLeads)).sort()).toEqual(['r-l1', 'r-l2']);
  });

  it('enterStage counts a lead in once (when asked) and returns the lead', async () => {
    fresh();
    const k = { run: run(), inSet: keys.runStageSet(runId, 'enrich', 'in'), lead: keys.lead('r-l1') };
    await redis.hset(k.lead, { ref: '"r-l1"', state: '"scraped"' });
    const args = (nowMs: number, countIn: string) => ({ ref: 'r-l1', stage: 'enrich', nowMs, countIn });
    expect(await scripts.enterStage(k, args(100, '1'))).toEqual(['ref', '"r-l1"', 'state', '"scraped"']);
    await scripts.enterStage(k, args(200, '1'));
    await scripts.enterStage({ ...k, inSet: keys.runStageSet(runId, 'segment', 'in') }, { ...args(300, '0'), stage: 'segment' });
    expect(await redis.hgetall(run())).toEqual({ 'enrich.in': '1', 'enrich.started_at': '100' });
    expect(await scripts.enterStage({ ...k, lead: keys.lead('r-none') }, { ...args(400, '1'), ref: 'r-none' })).toEqual([]);
  });

  it('enterStage leaves out the fields the stage names and keeps the rest', async () => {
    fresh();
    const k = { run: run(), inSet: keys.runStageSet(runId, 'send', 'in'), lead: keys.lead('r-l3') };
    await redis.hset(k.lead, { ref: '"r-l3"', state: '"approved"', email_sequence: '[{"subject":"s"}]', email_draft: '{"subject":"s"}' });
    const read = await scripts.enterStage(k, { ref: 'r-l3', stage: 'send', nowMs: 100, countIn: '1' }, { args: ['email_sequence', 'email_draft'] });
    expect(read).toEqual(['ref', '"r-l3"', 'state', '"approved"']);
    expect(await redis.hget(run(), 'send.in')).toBe('1');
    // Left out of the reply only: the lead keeps them.
    expect(await redis.hlen(k.lead)).toBe(4);
  });

  it('leadStep writes the lead change and counts it out in one step, as leadOut does', async () => {
    fresh();
    const s = sets();
    const k = { run: run(), ...s, inSet: keys.runStageSet(runId, 'send', 'in'), doneSet: keys.runStageSet(runId, 'send', 'done'), lead: keys.lead('l1') };
    const args = { nowIso: '2026-01-02T00:00:00.000Z', ref: 'l1', stage: 'send', outcome: 'out', nowMs: 100, terminal: '1' };
    await redis.hset(run(), { status: 'running', total: 1 });
    await redis.hset(k.lead, { ref: '"l1"', state: '"approved"' });
    expect(await scripts.leadStep(k, args, { args: ['state', '"shadowed"'] })).toBe('completed');
    expect(await scripts.leadStep(k, args, { args: ['state', '"shadowed"'] })).toBe('completed');
    expect(await redis.hgetall(k.lead)).toEqual({ ref: '"l1"', state: '"shadowed"' });
    expect(await redis.hmget(run(), 'send.in', 'send.out', 'status')).toEqual(['1', '1', 'completed']);
    expect(await redis.smembers(s.terminal)).toEqual(['l1']);
  });
});

describe('send scripts (safety gate)', () => {
  const sendKeys = () => ({ idempotency: keys.sendIdempotency('a@b.c|1'), dayCount: keys.sendCount(asGateDay('2026-01-02')), firstDay: keys.firstSendDay, stopFlag: keys.stopFlag });

  it('reserveSend counts a send once under the cap, with the counter expiring', async () => {
    fresh();
    const k = sendKeys();
    expect(await scripts.reserveSend(k, { cap: 2, day: '2026-01-02', dayCountTtlS: 600 })).toEqual(['ok', '1']);
    expect(await redis.get(k.idempotency)).toBe('reserved');
    expect(await redis.get(k.firstDay)).toBe('2026-01-02');
    await expectTtl(k.dayCount, 600);
    expect(await scripts.reserveSend(k, { cap: 2, day: '2026-01-02', dayCountTtlS: 600 })).toEqual(['duplicate', 'reserved']);
    expect(await redis.get(k.dayCount)).toBe('1');

    const second = { ...k, idempotency: keys.sendIdempotency('d@e.f|1') };
    expect(await scripts.reserveSend(second, { cap: 2, day: '2026-01-03', dayCountTtlS: 600 })).toEqual(['ok', '2']);
    expect(await redis.get(k.firstDay)).toBe('2026-01-02');
    const third = { ...k, idempotency: keys.sendIdempotency('g@h.i|1') };
    expect(await scripts.reserveSend(third, { cap: 2, day: '2026-01-02', dayCountTtlS: 600 })).toEqual(['cap', '2']);
    expect(await redis.exists(third.idempotency)).toBe(0);
  });

  it('reserveSend refuses while the stop flag is set and writes nothing', async () => {
    fresh();
    const k = sendKeys();
    await redis.set(k.stopFlag, '1');
    expect(await scripts.reserveSend(k, { cap: 5, day: '2026-01-02', dayCountTtlS: 600 })).toEqual(['stopped', '0']);
    expect(await redis.exists(k.idempotency, k.dayCount, k.firstDay)).toBe(0);
  });

  it('recordShadow records a shadow email once', async () => {
    fresh();
    const k = { marker: keys.shadowIdempotency('r-l1|1'), list: keys.shadowEmails };
    expect(await scripts.recordShadow(k, { email: '{"n":1}' })).toBe(1);
    expect(await scripts.recordShadow(k, { email: '{"n":2}' })).toBe(0);
    expect(await redis.lrange(k.list, 0, -1)).toEqual(['{"n":1}']);
  });

  it('recordShadow appends its audit entry with the record, and not for a repeat', async () => {
    fresh();
    const k = { marker: keys.shadowIdempotency('r-l1|1'), list: keys.shadowEmails };
    const entry = ['at', 't1', 'actor', 'auto_approve', 'action', 'send.shadow', 'subject', 'r-l1'];
    expect(await scripts.recordShadow(k, { email: '{"n":1}' }, { keys: [keys.audit], args: [1000, ...entry] })).toBe(1);
    expect(await scripts.recordShadow(k, { email: '{"n":2}' }, { keys: [keys.audit], args: [1000, ...entry] })).toBe(0);
    expect((await redis.xrange(keys.audit, '-', '+')).map(([, fields]) => fields)).toEqual([entry]);
  });
});

describe('policy scripts', () => {
  it('seedPolicy writes version 1 only when there is none', async () => {
    fresh();
    expect(await scripts.seedPolicy({ policy: keys.policy }, { policy: '{"a":1}', by: 'config:x', at: 't1' })).toBe(1);
    expect(await scripts.seedPolicy({ policy: keys.policy }, { policy: '{"a":2}', by: 'config:y', at: 't2' })).toBe(0);
    expect(await redis.hgetall(keys.policy)).toEqual({ version: '1', policy: '{"a":1}', updated_by: 'config:x', updated_at: 't1' });
  });

  it('replacePolicy is a compare-and-set on the version', async () => {
    fresh();
    const k = { policy: keys.policy };
    expect(await scripts.replacePolicy(k, { expected: '', version: '1', policy: '{"a":1}', by: 'U1', at: 't1' })).toEqual([1, '1']);
    expect(await scripts.replacePolicy(k, { expected: '1', version: '2', policy: '{"a":2}', by: 'U2', at: 't2' })).toEqual([1, '2']);
    expect(await scripts.replacePolicy(k, { expected: '1', version: '2', policy: '{"a":3}', by: 'U3', at: 't3' })).toEqual([0, '2']);
    expect(await redis.hgetall(keys.policy)).toEqual({ version: '2', policy: '{"a":2}', updated_by: 'U2', updated_at: 't2' });
  });
});

describe('emergency stop script', () => {
  it('setStop writes the flag with its author and reason at once, and only the first time', async () => {
    fresh();
    const k = { stopFlag: keys.stopFlag };
    expect(await scripts.setStop(k, { at: 't1', by: 'U1', reason: 'first' })).toBe(1);
    expect(await scripts.setStop(k, { at: 't2', by: 'U2', reason: 'second' })).toBe(0);
    expect(await redis.hgetall(keys.stopFlag)).toEqual({ at: 't1', by: 'U1', reason: 'first' });
  });
});

describe('provider protection scripts', () => {
  it('reserveRateSlot grants max calls per window, then a later slot, and reserves nothing past the longest wait', async () => {
    fresh();
    const k = { grants: keys.rateLimit('apollo') };
    const args = { max: 2, perMs: 60_000, maxWaitMs: 120_000, graceMs: 1_000 };
    expect(await scripts.reserveRateSlot(k, args)).toBe(0);
    expect(await scripts.reserveRateSlot(k, args)).toBe(0);
    const wait = await scripts.reserveRateSlot(k, args);
    expect(wait).toBeGreaterThan(59_000);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect(await redis.llen(k.grants)).toBe(2);
    const pttl = await redis.pttl(k.grants);
    expect(pttl).toBeGreaterThan(60_000);
    expect(pttl).toBeLessThanOrEqual(wait + 60_000 + 1_000);
    const refused = await scripts.reserveRateSlot(k, { ...args, maxWaitMs: 1_000 });
    expect(refused).toBeLessThan(-59_000);
    expect(await redis.llen(k.grants)).toBe(2);
  });

  it('breaker scripts: closed → open after the threshold → one probe after the cooldown → closed', async () => {
    fresh();
    const k = { state: keys.breaker('clay'), probe: keys.breakerProbe('clay') };
    const failure = { threshold: 2, windowMs: 60_000, cooldownMs: 50, reason: 'HTTP 503' };
    expect(await scripts.breakerAcquire(k, { probeTtlMs: 5_000, recheckMs: 50 })).toEqual(['allow', 'closed', '', 0]);
    expect(await scripts.breakerFailure(k, failure)).toEqual(['', 0]);
    const [opened, until] = await scripts.breakerFailure(k, failure);
    expect(opened).toBe('closed>open');
    expect(until).toBeGreaterThan(0);
    expect(await redis.hmget(k.state, 'state', 'reason', 'fail_count')).toEqual(['open', 'HTTP 503', null]);
    expect(await scripts.breakerFailure(k, failure)).toEqual(['', until]);
    expect(await scripts.breakerAcquire(k, { probeTtlMs: 5_000, recheckMs: 50 })).toEqual(['deny', 'open', '', until]);

    await new Promise((r) => setTimeout(r, 60));
    expect(await scripts.breakerAcquire(k, { probeTtlMs: 5_000, recheckMs: 50 })).toEqual(['probe', 'half_open', 'open>half_open', 0]);
    const probeTtl = await redis.pttl(k.probe);
    expect(probeTtl).toBeGreaterThan(0);
    expect(probeTtl).toBeLessThanOrEqual(5_000);
    const [denied, state, transition, retryAt] = await scripts.breakerAcquire(k, { probeTtlMs: 5_000, recheckMs: 50 });
    expect([denied, state, transition]).toEqual(['deny', 'half_open', '']);
    expect(retryAt).toBeGreaterThan(0);

    expect(await scripts.breakerSuccess(k, {})).toBe('half_open>closed');
    expect(await scripts.breakerSuccess(k, {})).toBe('');
    expect(await redis.exists(k.probe)).toBe(0);
    expect(await redis.hgetall(k.state)).toEqual({ state: 'closed', reason: 'HTTP 503' });
  });

  it('breakerFailure re-opens a half-open breaker whose probe failed', async () => {
    fresh();
    const k = { state: keys.breaker('clay'), probe: keys.breakerProbe('clay') };
    await redis.hset(k.state, { state: 'half_open' });
    await redis.set(k.probe, '1');
    const [transition, until] = await scripts.breakerFailure(k, { threshold: 5, windowMs: 60_000, cooldownMs: 30_000, reason: 'probe failed' });
    expect(transition).toBe('half_open>open');
    expect(until).toBeGreaterThan(Date.now() + 25_000);
    expect(await redis.exists(k.probe)).toBe(0);
  });

  it('reserveCredits reserves against day and month only when neither goes over, with both counters expiring', async () => {
    fresh();
    const k = { day: keys.creditUsage('clay_credits', asUtcDay('2026-01-02')), month: keys.creditUsage('clay_credits', utcMonth(new Date('2026-01-02T12:00:00Z'))) };
    const limits = { dayLimit: 3, monthLimit: 4, dayTtlS: 600, monthTtlS: 6000 };
    expect(await scripts.reserveCredits(k, { cost: 2, ...limits })).toBe('ok');
    await expectTtl(k.day, 600);
    await expectTtl(k.month, 6000);
    expect(await scripts.reserveCredits(k, { cost: 2, ...limits })).toBe('day');
    expect(await scripts.reserveCredits(k, { cost: 2, ...limits, dayLimit: -1 })).toBe('ok');
    expect(await scripts.reserveCredits(k, { cost: 1, ...limits, dayLimit: -1 })).toBe('month');
    expect(await scripts.reserveCredits(k, { cost: 100, ...limits, dayLimit: -1, monthLimit: -1 })).toBe('ok');
    expect(await redis.mget(k.day, k.month)).toEqual(['104', '104']);
  });
});

describe('webhook and callback scripts', () => {
  it('markSeen marks a batch of events and says which were new, with the markers expiring', async () => {
    fresh();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => keys.webhooks.seen('rb2b', id)) as [string, string, string];
    expect(await scripts.markSeen({}, { ttlS: 300 }, { keys: [a, b] })).toEqual([1, 1]);
    expect(await scripts.markSeen({}, { ttlS: 300 }, { keys: [a, c] })).toEqual([0, 1]);
    await expectTtl(c, 300);
  });

  it('countRequests adds each counter its requests and expires it with the window', async () => {
    fresh();
    const [a, b] = ['10.0.0.1', '10.0.0.2'].map((ip) => keys.webhooks.rateLimit(ip, '1')) as [string, string];
    expect(await scripts.countRequests({}, { windowMs: 60_000 }, { keys: [a, b], args: [3, 1] })).toEqual([3, 1]);
    expect(await scripts.countRequests({}, { windowMs: 60_000 }, { keys: [a], args: [2] })).toEqual([5]);
    const ttl = await redis.pttl(a);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('recordInstantlyEvent records an event once: timeline by event time, KPIs, recent sends, all expiring', async () => {
    fresh();
    const w = keys.webhooks;
    const k = (id: string) => ({ marker: w.seen('instantly-processed', id), timeline: w.timeline('a@b.c'), kpiDay: w.kpiDay(asUtcDay('2026-01-02')), kpiCampaign: w.kpiCampaign('c1'), kpiCampaigns: w.kpiCampaigns, recentSends: w.recentSends });
    const args = { entry: '{"type":"email_sent"}', kpiField: 'sent', timelineMax: 2, retentionS: 900, campaignId: 'c1', email: 'a@b.c', isSend: '1', window: 2, atMs: 2000 };
    expect(await scripts.recordInstantlyEvent(k('e1'), args)).toBe(1);
    expect(await scripts.recordInstantlyEvent(k('e1'), args)).toBe(0);
    expect(await redis.hgetall(w.kpiDay(asUtcDay('2026-01-02')))).toEqual({ sent: '1' });
    expect(await redis.hgetall(w.kpiCampaign('c1'))).toEqual({ sent: '1' });
    expect(await redis.smembers(w.kpiCampaigns)).toEqual(['c1']);
    for (const key of [w.seen('instantly-processed', 'e1'), w.timeline('a@b.c'), w.kpiDay(asUtcDay('2026-01-02'))]) await expectTtl(key, 900);

    await scripts.recordInstantlyEvent(k('e2'), { ...args, entry: '{"type":"email_opened"}', kpiField: 'opened', isSend: '0', atMs: 1000 });
    await scripts.recordInstantlyEvent(k('e3'), { ...args, entry: '{"type":"reply"}', kpiField: 'replied', campaignId: '', isSend: '0', atMs: 3000 });
    expect(await redis.zrange(w.timeline('a@b.c'), '0', '-1')).toEqual(['{"type":"email_sent"}', '{"type":"reply"}']);
    expect(await redis.hgetall(w.kpiCampaign('c1'))).toEqual({ sent: '1', opened: '1' });
    for (const id of ['e4', 'e5']) await scripts.recordInstantlyEvent(k(id), { ...args, email: `${id}@b.c` });
    expect(await redis.lrange(w.recentSends, 0, -1)).toEqual(['e5@b.c', 'e4@b.c']);
  });

  it('bounceRate marks the address bounced and counts bounced addresses among the recent sends', async () => {
    fresh();
    const k = { recentSends: keys.webhooks.recentSends, bounced: keys.webhooks.bouncedAddresses };
    await redis.lpush(k.recentSends, 'a@b.c', 'd@e.f', 'g@h.i');
    expect(await scripts.bounceRate(k, { email: 'a@b.c' })).toEqual([1, 3]);
    expect(await scripts.bounceRate(k, { email: 'a@b.c' })).toEqual([1, 3]);
    expect(await scripts.bounceRate(k, { email: 'x@y.z' })).toEqual([1, 3]);
    expect(await redis.smembers(k.bounced)).toHaveLength(2);
  });

  it('recordClayResult stores the first callback and says whether the enrichment waits for it', async () => {
    fresh();
    const k = (ref: string) => ({ lead: keys.lead(ref), result: keys.clayResult(ref), wait: keys.clayWait(ref), late: keys.clayLate });
    const args = (ref: string, payload = '{"email":"a@b.c"}') => ({ payload, ref, lateKeep: 2, lateTtlS: 900, resultTtlS: 600 });
    expect(await scripts.recordClayResult(k('r-1'), args('r-1'))).toBe('unknown_lead');
    expect(await redis.exists(keys.clayResult('r-1'))).toBe(0);

    await redis.hset(keys.lead('r-1'), { ref: '"r-1"' });
    await redis.set(keys.clayWait('r-1'), '1');
    expect(await scripts.recordClayResult(k('r-1'), args('r-1'))).toBe('applied');
    expect(await scripts.recordClayResult(k('r-1'), args('r-1', '{"email":"x@y.z"}'))).toBe('duplicate');
    expect(await redis.get(keys.clayResult('r-1'))).toBe('{"email":"a@b.c"}');
    await expectTtl(keys.clayResult('r-1'), 600);

    for (const ref of ['r-2', 'r-3', 'r-4']) {
      await redis.hset(keys.lead(ref), { ref: `"${ref}"` });
      expect(await scripts.recordClayResult(k(ref), args(ref))).toBe('late');
    }
    expect(await redis.lrange(keys.clayLate, 0, -1)).toEqual(['r-3', 'r-4']);
    await expectTtl(keys.clayLate, 900);
  });
});

describe('approval and reply scripts', () => {
  const approvalKeys = () => ({ approval: keys.approval('r-l1'), pending: keys.approvalsPending });
  const record = ['id', 'r-l1', 'status', 'pending', 'subject', 'S1', 'body', 'B1', 'steps', '[{"subject":"S1","body":"B1"},{"subject":"","body":"B2"}]', 'hash', 'h1', 'version', '1'];
  const decision = { status: 'approved', by: 'U1', at: 't1', newHash: '', shownHash: '', subject: '', body: '', id: 'r-l1', steps: '', stepCount: 0 };

  it('createApproval writes the record and its queue entry once, and returns the existing record on a retry', async () => {
    fresh();
    expect(await scripts.createApproval(approvalKeys(), { id: 'r-l1', createdMs: 1000 }, { args: record })).toEqual([1]);
    const [created, ...flat] = await scripts.createApproval(approvalKeys(), { id: 'r-l1', createdMs: 2000 }, { args: ['id', 'r-l1', 'status', 'other'] });
    expect(created).toBe(0);
    expect(flat).toEqual(record);
    expect(await redis.zrange(keys.approvalsPending, '0', '-1', 'WITHSCORES')).toEqual(['r-l1', '1000']);
  });

  it('recordKpiLeads records each lead of a batch with a TTL, indexes it by time and trims old index entries', async () => {
    fresh();
    const index = keys.autonomy.leads;
    await redis.zadd(index, 10, 'old');
    const args = ['l1', 1000, 'default/A', 'run_1', '{"title":1}', 'l2', 2000, 'default/B', 'run_1', '{}'];
    expect(await scripts.recordKpiLeads({ index }, { ttlS: 3600, dropBeforeMs: 500 }, { keys: [keys.autonomy.lead('l1'), keys.autonomy.lead('l2')], args })).toBe(2);
    expect(await redis.hgetall(keys.autonomy.lead('l1'))).toEqual({ segment: 'default/A', run: 'run_1', at: '1000', features: '{"title":1}' });
    await expectTtl(keys.autonomy.lead('l2'), 3600);
    expect(await redis.zrange(index, '0', '-1', 'WITHSCORES')).toEqual(['l1', '1000', 'l2', '2000']);
  });

  it('createApproved writes an approved record with its audit entry once, and no queue entry', async () => {
    fresh();
    const k = { approval: keys.approval('r-l1'), audit: keys.audit };
    const approved = ['id', 'r-l1', 'status', 'approved', 'decided_by', 'auto_approve'];
    const entry = ['at', 't1', 'actor', 'auto_approve', 'action', 'approval.approved', 'subject', 'r-l1'];
    expect(await scripts.createApproved(k, { auditMaxLen: 1000, auditPairs: 4 }, { args: [...entry, ...approved] })).toEqual([1]);
    const [created, ...flat] = await scripts.createApproved(k, { auditMaxLen: 1000, auditPairs: 4 }, { args: [...entry, 'id', 'r-l1', 'status', 'other'] });
    expect(created).toBe(0);
    expect(flat).toEqual(approved);
    expect((await redis.xrange(keys.audit, '-', '+')).map(([, fields]) => fields)).toEqual([entry]);
    expect(await redis.zcard(keys.approvalsPending)).toBe(0);
  });

  it('decideApproval applies the first decision only, refuses a stale one, and returns the record before and after', async () => {
    fresh();
    expect(await scripts.decideApproval(approvalKeys(), decision)).toEqual(['not_found']);
    await scripts.createApproval(approvalKeys(), { id: 'r-l1', createdMs: 1000 }, { args: record });
    const [stale] = await scripts.decideApproval(approvalKeys(), { ...decision, shownHash: 'old' });
    expect(stale).toBe('stale');
    const [wrongCount] = await scripts.decideApproval(approvalKeys(), { ...decision, status: 'edited', newHash: 'h2', steps: '[{"subject":"S","body":"B"}]', stepCount: 1 });
    expect(wrongCount).toBe('stale');

    const edit = { ...decision, status: 'edited', newHash: 'h2', shownHash: 'h1', subject: 'S1b', body: 'B1b', steps: '[{"subject":"S1b","body":"B1b"},{"subject":"","body":"B2"}]', stepCount: 2 };
    const [ok, before, ...after] = await scripts.decideApproval(approvalKeys(), edit);
    expect(ok).toBe('ok');
    expect(JSON.parse(before ?? '[]')).toEqual(record);
    expect(await redis.hmget(keys.approval('r-l1'), 'status', 'decided_by', 'subject', 'hash', 'version')).toEqual(['edited', 'U1', 'S1b', 'h2', '2']);
    expect(after).toContain('edited');
    expect(await redis.zcard(keys.approvalsPending)).toBe(0);

    const [again, none] = await scripts.decideApproval(approvalKeys(), { ...decision, by: 'U2' });
    expect([again, none]).toEqual(['already_decided', '']);
    expect(await redis.hget(keys.approval('r-l1'), 'decided_by')).toBe('U1');
  });

  it('createReply writes a reply once with its retention, and decideReply keeps the first outcome', async () => {
    fresh();
    const k = { reply: keys.reply('r1') };
    expect(await scripts.decideReply(k, { outcome: 'interested', by: 'U1', at: 't1' })).toEqual(['not_found']);
    expect(await scripts.createReply(k, { retentionS: 600 }, { args: ['id', 'r1', 'status', 'new'] })).toBe(1);
    expect(await scripts.createReply(k, { retentionS: 600 }, { args: ['id', 'r1', 'status', 'other'] })).toBe(0);
    await expectTtl(k.reply, 600);
    const [first, ...flat] = await scripts.decideReply(k, { outcome: 'interested', by: 'U1', at: 't1' });
    expect(first).toBe('ok');
    expect(flat).toEqual(['id', 'r1', 'status', 'interested', 'decided_by', 'U1', 'decided_at', 't1']);
    const [second] = await scripts.decideReply(k, { outcome: 'not_now', by: 'U2', at: 't2' });
    expect(second).toBe('already_decided');
    expect(await redis.hget(k.reply, 'status')).toBe('interested');
  });
});

describe('LinkedIn connection caps', () => {
  const DAY = 1_000;
  const k = () => ({ day: `${prefix}:li:day`, week: `${prefix}:li:week`, first: `${prefix}:li:first` });
  const args = (nowMs: number, ref: string) => ({ nowMs, dayMs: DAY, dailyCap: 2, weeklyCap: 3, ref, weekTtlMs: 8 * DAY, dayTtlMs: 2 * DAY });

  it('reserveLinkedInConnection counts a lead once under the day cap, with both keys expiring', async () => {
    fresh();
    expect(await scripts.reserveLinkedInConnection(k(), args(10_000, 'l1'))).toEqual(['ok', '1']);
    expect(await scripts.reserveLinkedInConnection(k(), args(10_001, 'l1'))).toEqual(['ok', '0']);
    expect(await scripts.reserveLinkedInConnection(k(), args(10_002, 'l2'))).toEqual(['ok', '2']);
    expect(await scripts.reserveLinkedInConnection(k(), args(10_003, 'l3'))).toEqual(['daily', '2']);
    expect(await redis.get(k().first)).toBe('10000');
    const dayTtl = await redis.pttl(k().day);
    expect(dayTtl).toBeGreaterThan(0);
    expect(dayTtl).toBeLessThanOrEqual(2 * DAY);
    const weekTtl = await redis.pttl(k().week);
    expect(weekTtl).toBeGreaterThan(2 * DAY);
    expect(weekTtl).toBeLessThanOrEqual(8 * DAY);
  });

  it('reserveLinkedInConnection holds a new sender to the ramp and a busy one to the rolling week', async () => {
    fresh();
    expect(await scripts.reserveLinkedInConnection(k(), args(10_000, 'l1'), { args: [1, 5] })).toEqual(['ok', '1']);
    expect(await scripts.reserveLinkedInConnection(k(), args(10_001, 'l2'), { args: [1, 5] })).toEqual(['ramp', '1']);
    await redis.del(k().day);
    expect(await scripts.reserveLinkedInConnection(k(), args(10_002, 'l2'))).toEqual(['ok', '1']);
    await redis.del(k().day);
    expect(await scripts.reserveLinkedInConnection(k(), args(10_003, 'l3'))).toEqual(['ok', '1']);
    await redis.del(k().day);
    expect(await scripts.reserveLinkedInConnection(k(), args(10_004, 'l4'))).toEqual(['weekly', '10000']);
  });
});

describe('Slack and sandbox scripts', () => {
  it('releaseLock deletes the lock only for its holder', async () => {
    fresh();
    const lock = keys.slack.lock('run-1');
    await redis.set(lock, 'mine');
    expect(await scripts.releaseLock({ lock }, { token: 'theirs' })).toBe(0);
    expect(await redis.get(lock)).toBe('mine');
    expect(await scripts.releaseLock({ lock }, { token: 'mine' })).toBe(1);
    expect(await redis.exists(lock)).toBe(0);
  });

  it('sandboxRecordSend records a send once per idempotency key with its campaign entry', async () => {
    fresh();
    const k = { sentKeys: keys.sandboxInstantlyKeys, sent: keys.sandboxInstantly, campaign: keys.sandboxInstantlyCampaign };
    const args = { idempotencyKey: 'a@b.c|1', email: '{"to":"a@b.c"}', address: 'a@b.c', providerRef: 'sandbox-a@b.c|1' };
    expect(await scripts.sandboxRecordSend(k, args)).toBe(1);
    expect(await scripts.sandboxRecordSend(k, { ...args, providerRef: 'other' })).toBe(1);
    expect(await redis.lrange(k.sent, 0, -1)).toEqual(['{"to":"a@b.c"}']);
    expect(await redis.hgetall(k.campaign)).toEqual({ 'a@b.c': 'sandbox-a@b.c|1' });
    expect(await redis.hgetall(k.sentKeys)).toEqual({ 'a@b.c|1': '1' });
  });
});
