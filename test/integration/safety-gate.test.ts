import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAudit } from '../../src/core/audit.ts';
import { buildConfig, type SafetyConfig } from '../../src/core/config.ts';
import { createEmergency } from '../../src/core/emergency.ts';
import { createKeys, deleteByPrefix } from '../../src/core/keys.ts';
import { createSafetyGate } from '../../src/core/safety-gate.ts';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/harness.ts';

let redis: Redis;
const prefixes: string[] = [];

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
});
afterEach(async () => {
  for (const p of prefixes.splice(0)) await deleteByPrefix(redis, p);
});
afterAll(() => redis.disconnect());

const LIVE = { shadow_mode: false, actually_send: true, max_daily_sends: 100 };

function gateWith(safety: Partial<SafetyConfig> & Record<string, unknown>, options: { envStop?: boolean; now?: () => Date } = {}) {
  const prefix = uniquePrefix('gate');
  prefixes.push(prefix);
  const keys = createKeys(prefix);
  const audit = createAudit(redis, keys.audit);
  const emergency = createEmergency(redis, keys, options.envStop ?? false);
  const config = buildConfig({ safety });
  const gate = createSafetyGate({ redis, keys, safety: config.safety, emergency, audit, ...(options.now ? { now: options.now } : {}) });
  return { gate, emergency, audit, keys };
}

const req = (n: number, step = 1) => ({ leadRef: `run_x-lead${n}`, email: `Person${n}@Example.com`, step });

describe('safety gate (DESIGN §6)', () => {
  it('refuses everything when EMERGENCY_STOP is set in the environment', async () => {
    const { gate, audit } = gateWith(LIVE, { envStop: true });
    expect(await gate.check(req(1))).toEqual({ kind: 'refuse', reason: 'emergency_stop' });
    expect((await audit.list({ action: 'send.refuse' })).length).toBe(1);
  });

  it('refuses when the Redis stop flag is set, and allows again once cleared', async () => {
    const { gate, emergency } = gateWith(LIVE);
    await emergency.stop('U1', 'test');
    expect((await gate.check(req(1))).kind).toBe('refuse');
    await emergency.clear();
    expect((await gate.check(req(1))).kind).toBe('send');
  });

  it('records a shadow email instead of sending in shadow mode, even with actually_send on', async () => {
    const { gate } = gateWith({ shadow_mode: true, actually_send: true, max_daily_sends: 100 });
    expect(await gate.check(req(1))).toEqual({ kind: 'shadow', reason: 'shadow_mode' });
  });

  it('shadows when actually_send is off', async () => {
    const { gate } = gateWith({ shadow_mode: false, actually_send: false, max_daily_sends: 100 });
    expect(await gate.check(req(1))).toEqual({ kind: 'shadow', reason: 'actually_send_off' });
  });

  it('sends nothing at all with the default settings', async () => {
    const { gate } = gateWith({});
    expect((await gate.check(req(1))).kind).toBe('shadow');
  });

  it('skips a suppressed address, whatever its case', async () => {
    const { gate } = gateWith(LIVE);
    await gate.suppress('PERSON1@example.com', 'bounced');
    expect(await gate.check(req(1))).toEqual({ kind: 'skip', reason: 'suppressed' });
    expect((await gate.check(req(2))).kind).toBe('send');
  });

  it('never passes the daily cap and holds the rest until local midnight', async () => {
    const now = new Date('2026-03-10T15:00:00Z');
    const { gate } = gateWith({ ...LIVE, max_daily_sends: 3, timezone: 'America/New_York' }, { now: () => now });
    const decisions = await Promise.all(Array.from({ length: 10 }, (_, i) => gate.check(req(i))));
    expect(decisions.filter((d) => d.kind === 'send')).toHaveLength(3);
    const held = decisions.filter((d) => d.kind === 'hold');
    expect(held).toHaveLength(7);
    // Midnight in New York on 2026-03-11 is 04:00 UTC (EDT).
    expect(held[0]?.kind === 'hold' && held[0].until.toISOString()).toBe('2026-03-11T04:00:00.000Z');
    expect((await gate.sendsToday()).count).toBe(3);
  });

  it('a cap of 0 sends nothing', async () => {
    const { gate } = gateWith({ ...LIVE, max_daily_sends: 0 });
    expect((await gate.check(req(1))).kind).toBe('hold');
  });

  it('uses one idempotency key per address and step: a second check skips as already sent', async () => {
    const { gate } = gateWith(LIVE);
    const first = await gate.check(req(1));
    expect(first.kind).toBe('send');
    if (first.kind !== 'send') return;
    await gate.markSent(first.idempotencyKey, 'prov-1');
    expect(await gate.check(req(1))).toEqual({ kind: 'skip', reason: 'already_sent' });
    expect((await gate.check(req(1, 2))).kind).toBe('send');
    expect((await gate.sendsToday()).count).toBe(2);
  });

  it('lets a retry of an unconfirmed send through without counting it twice', async () => {
    const { gate } = gateWith(LIVE);
    const first = await gate.check(req(1));
    const retry = await gate.check(req(1));
    expect(first).toMatchObject({ kind: 'send', retry: false });
    expect(retry).toMatchObject({ kind: 'send', retry: true });
    expect((await gate.sendsToday()).count).toBe(1);
  });

  it('delays to the next opening of the send window', async () => {
    // Saturday 2026-03-14 12:00 UTC; window Mon-Fri 09:00-17:00 Europe/Berlin.
    const now = new Date('2026-03-14T12:00:00Z');
    const { gate } = gateWith(
      { ...LIVE, send_window: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00', timezone: 'Europe/Berlin' } },
      { now: () => now },
    );
    const decision = await gate.check(req(1));
    expect(decision.kind).toBe('delay');
    // Monday 09:00 in Berlin (CET, UTC+1) is 08:00 UTC.
    expect(decision.kind === 'delay' && decision.until.toISOString()).toBe('2026-03-16T08:00:00.000Z');
    expect((await gate.sendsToday()).count).toBe(0);
  });

  it('sends inside the send window', async () => {
    const now = new Date('2026-03-16T10:00:00Z');
    const { gate } = gateWith(
      { ...LIVE, send_window: { days: ['mon'], from: '09:00', to: '17:00', timezone: 'Europe/Berlin' } },
      { now: () => now },
    );
    expect((await gate.check(req(1))).kind).toBe('send');
  });

  it('ramps the cap with warm-up by day since the first send', async () => {
    let now = new Date('2026-03-10T12:00:00Z');
    const { gate } = gateWith({ ...LIVE, max_daily_sends: 50, warmup: { ramp: [2, 4] } }, { now: () => now });
    const day1 = await Promise.all(Array.from({ length: 5 }, (_, i) => gate.check(req(i))));
    expect(day1.filter((d) => d.kind === 'send')).toHaveLength(2);
    now = new Date('2026-03-11T12:00:00Z');
    const day2 = await Promise.all(Array.from({ length: 6 }, (_, i) => gate.check(req(100 + i))));
    expect(day2.filter((d) => d.kind === 'send')).toHaveLength(4);
    now = new Date('2026-03-20T12:00:00Z');
    expect((await gate.sendsToday()).cap).toBe(4);
  });

  it('checks the stop flag atomically with the reservation', async () => {
    const { gate, emergency } = gateWith(LIVE);
    const results = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => gate.check(req(i))),
      emergency.stop('U1', 'race'),
    ]);
    const afterStop = await gate.check(req(99));
    expect(afterStop.kind).toBe('refuse');
    const sends = results.filter((d) => typeof d === 'object' && d.kind === 'send').length;
    expect((await gate.sendsToday()).count).toBe(sends);
  });

  it('records each shadow email once per lead and step', async () => {
    const { gate } = gateWith({});
    const email = { leadRef: 'r-1', runId: 'r', step: 1, to: 'a@b.example', subject: 's', body: 'b', approvedBy: 'U1', contentHash: 'h', recordedAt: new Date().toISOString() };
    expect(await gate.recordShadow(email)).toBe(true);
    expect(await gate.recordShadow(email)).toBe(false);
    expect(await gate.listShadow()).toHaveLength(1);
  });
});
