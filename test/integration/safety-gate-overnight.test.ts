import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAudit } from '../../src/core/audit.ts';
import { buildConfig } from '../../src/core/config.ts';
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

/** A live gate with a Friday-night window in Berlin, whose clock the test moves. */
function overnightGate(maxDailySends: number) {
  const prefix = uniquePrefix('gate-night');
  prefixes.push(prefix);
  const keys = createKeys(prefix);
  const clock = { now: new Date(0) };
  const config = buildConfig({
    safety: { shadow_mode: false, actually_send: true, max_daily_sends: maxDailySends, send_window: { days: ['fri'], from: '22:00', to: '06:00', timezone: 'Europe/Berlin' } },
  });
  const gate = createSafetyGate({ redis, keys, safety: config.safety, emergency: createEmergency(redis, keys, false), audit: createAudit(redis, keys.audit), now: () => clock.now });
  return { gate, clock };
}

const req = (n: number) => ({ leadRef: `run_x-lead${n}`, email: `night${n}@example.com`, step: 1 });

describe('safety gate with an overnight send window (issue 8)', () => {
  // 2026-06-05 is a Friday; Berlin is UTC+2. The window runs Fri 20:00Z to Sat 04:00Z.
  it('sends after midnight inside Friday’s window, and delays Saturday night to next Friday', async () => {
    const { gate, clock } = overnightGate(100);
    clock.now = new Date('2026-06-05T19:00:00Z');
    expect(await gate.check(req(1))).toEqual({ kind: 'delay', reason: 'send_window', until: new Date('2026-06-05T20:00:00Z') });
    clock.now = new Date('2026-06-06T01:30:00Z');
    expect(await gate.check(req(2))).toMatchObject({ kind: 'send', day: '2026-06-06' });
    clock.now = new Date('2026-06-06T20:30:00Z');
    expect(await gate.check(req(3))).toEqual({ kind: 'delay', reason: 'send_window', until: new Date('2026-06-12T20:00:00Z') });
  });

  it('counts the daily cap by calendar day: a cap reached before midnight holds until local midnight, still inside the window', async () => {
    const { gate, clock } = overnightGate(1);
    clock.now = new Date('2026-06-05T21:00:00Z');
    expect(await gate.check(req(1))).toMatchObject({ kind: 'send', day: '2026-06-05' });
    expect(await gate.check(req(2))).toMatchObject({ kind: 'hold', until: new Date('2026-06-05T22:00:00Z') });
    clock.now = new Date('2026-06-05T22:00:00Z');
    expect(await gate.check(req(2))).toMatchObject({ kind: 'send', day: '2026-06-06' });
  });
});
