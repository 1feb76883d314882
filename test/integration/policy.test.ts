import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { diffPolicies, looseningChanges, parsePolicy, POLICY_CACHE_MS, setPath } from '../../src/core/policy.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import { changePolicy } from '../../src/jobs/policy-change.ts';
import { createHarness, FAST_SANDBOX, TEST_REDIS_URL, type Harness } from '../helpers/harness.ts';
import { createRecordingNotifier } from '../helpers/recording-notifier.ts';

let harness: Harness | null = null;
const extra: { ctx: AppContext; redis: Redis }[] = [];

afterEach(async () => {
  for (const e of extra.splice(0)) {
    await e.ctx.close();
    e.redis.disconnect();
  }
  await harness?.close();
  harness = null;
});

/** A second process on the same prefix with its own config file settings and log. */
function secondProcess(h: Harness, settings: Record<string, unknown>) {
  const lines: string[] = [];
  const config = buildConfig(settings, { CAIO_REDIS_PREFIX: h.prefix, REDIS_URL: TEST_REDIS_URL });
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const recorder = createRecordingNotifier();
  const ctx = createContext({ config, logger: createLogger('info', { write: (line: string) => void lines.push(line) }), redis, notifier: recorder.notifier });
  extra.push({ ctx, redis });
  return { ctx, lines, recorder };
}

describe('one safety policy per cluster', () => {
  it('is seeded from the first file only; a process whose file differs logs the fields once and follows the stored policy', async () => {
    harness = await createHarness('policy-seed', { ...FAST_SANDBOX, safety: { ...FAST_SANDBOX.safety, max_daily_sends: 7 } });
    const first = await harness.ctx.policy.read();
    expect(first.ok && first.stored.version).toBe(1);
    expect(first.ok && first.stored.policy.safety.max_daily_sends).toBe(7);

    const other = secondProcess(harness, { safety: { auto_approve: true, max_daily_sends: 500, shadow_mode: false, actually_send: true }, icp: { weights: { title: 50 } } });
    const safety = await other.ctx.policy.safety();
    expect(safety).toMatchObject({ max_daily_sends: 7, shadow_mode: true, actually_send: false });
    expect((await other.ctx.policy.icp())?.weights.title).toBe(30);
    // The gate of that process follows the stored policy: shadow, not send.
    expect(await other.ctx.gate.check({ leadRef: 'r1', email: 'a@example.com', step: 1 })).toEqual({ kind: 'shadow', reason: 'shadow_mode' });
    await new Promise((r) => setTimeout(r, POLICY_CACHE_MS + 50));
    await other.ctx.policy.read();
    const warnings = other.lines.filter((l) => l.includes('differs from the stored policy'));
    expect(warnings).toHaveLength(1);
    const fields = JSON.parse(warnings[0]!).fields as string[];
    expect([...fields].sort()).toEqual(['icp.weights.title', 'safety.actually_send', 'safety.max_daily_sends', 'safety.send_rate_per_minute', 'safety.shadow_mode']);
  });

  it('a change is validated, audited before/after, announced, and seen by every process within a second', async () => {
    harness = await createHarness('policy-change', { ...FAST_SANDBOX, safety: { ...FAST_SANDBOX.safety, auto_approve: false, max_daily_sends: 10 } });
    await harness.ctx.policy.read();
    const other = secondProcess(harness, {});
    expect((await other.ctx.policy.safety())?.max_daily_sends).toBe(10);
    const recorder = createRecordingNotifier();
    const deps = { policy: harness.ctx.policy, audit: harness.ctx.audit, notifier: recorder.notifier };
    const current = await harness.ctx.policy.read();
    if (!current.ok) throw new Error('policy should be valid');

    const invalid = await changePolicy(deps, { next: setPath(current.stored.policy, 'safety.send_rate_per_minute', 0), by: 'U1', expectedVersion: 1, confirmed: true });
    expect(invalid).toMatchObject({ kind: 'invalid', errors: { 'safety.send_rate_per_minute': expect.any(String) } });

    const raise = setPath(current.stored.policy, 'safety.max_daily_sends', 50);
    expect(await changePolicy(deps, { next: raise, by: 'U1', expectedVersion: 1, confirmed: false })).toMatchObject({ kind: 'needs_confirmation', loosening: ['daily cap raised from 10 to 50'] });
    expect((await harness.ctx.policy.read()).ok && (await harness.ctx.policy.safety())?.max_daily_sends).toBe(10);

    const changed = await changePolicy(deps, { next: raise, by: 'U1', expectedVersion: 1, confirmed: true });
    expect(changed).toMatchObject({ kind: 'changed', after: { version: 2, updated_by: 'U1' } });
    // The same version again is a conflict: two approvers cannot both win.
    expect(await changePolicy(deps, { next: setPath(raise, 'safety.max_daily_sends', 5), by: 'U2', expectedVersion: 1, confirmed: true })).toEqual({ kind: 'conflict', current: 2 });
    // Tightening needs no confirmation.
    expect(await changePolicy(deps, { next: setPath(raise, 'safety.max_daily_sends', 20), by: 'U2', expectedVersion: 2, confirmed: false })).toMatchObject({ kind: 'changed', after: { version: 3 } });

    const audit = await harness.ctx.audit.list({ action: 'policy.change' });
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({ actor: 'U1', details: { from_version: 1, to_version: 2, before: { 'safety.max_daily_sends': 10 }, after: { 'safety.max_daily_sends': 50 } } });
    expect(recorder.alerts.filter((a) => a.level === 'WARNING' && a.text.includes('Safety policy changed to version'))).toHaveLength(2);

    const deadline = Date.now() + POLICY_CACHE_MS + 100;
    let seen = await other.ctx.policy.safety();
    while (seen?.max_daily_sends !== 20 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      seen = await other.ctx.policy.safety();
    }
    expect(seen?.max_daily_sends).toBe(20);
    expect((await other.ctx.gate.sendsToday()).cap).toBe(20);
  });

  it('a stored policy that fails validation makes every gate refuse and posts one CRITICAL alert for the cluster', async () => {
    harness = await createHarness('policy-invalid', { ...FAST_SANDBOX, safety: { shadow_mode: false, actually_send: true, max_daily_sends: 100, send_rate_per_minute: 1000 } });
    const a = secondProcess(harness, {});
    const b = secondProcess(harness, {});
    await a.ctx.policy.read();
    await harness.redis.hset(`${harness.prefix}:control:policy`, 'policy', JSON.stringify({ safety: { max_daily_sends: 'lots' }, icp: {} }));
    a.ctx.policy.invalidate();
    for (let i = 0; i < 5; i++) {
      for (const p of [a, b]) {
        p.ctx.policy.invalidate();
        expect(await p.ctx.gate.check({ leadRef: `r${i}`, email: `p${i}@example.com`, step: 1 })).toEqual({ kind: 'refuse', reason: 'policy_invalid' });
      }
    }
    expect(await a.ctx.policy.safety()).toBeNull();
    expect(await a.ctx.policy.icp()).toBeNull();
    const critical = [...a.recorder.alerts, ...b.recorder.alerts].filter((x) => x.level === 'CRITICAL');
    expect(critical).toHaveLength(1);
    expect(critical[0]!.text).toContain('max_daily_sends');
    expect((await a.ctx.gate.sendsToday()).cap).toBe(0);

    // An approver's fix replaces it (confirmed, since it cannot be compared with a broken policy).
    const fixed = await changePolicy(a.ctx, { next: { safety: { max_daily_sends: 3 }, icp: {} }, by: 'U1', expectedVersion: 1, confirmed: true });
    expect(fixed).toMatchObject({ kind: 'changed', after: { version: 2 } });
    b.ctx.policy.invalidate();
    expect((await b.ctx.gate.check({ leadRef: 'r9', email: 'z@example.com', step: 1 })).kind).toBe('shadow');
  });

  it('pure rules: loosening is recognised, diffs name fields, unknown fields are refused', () => {
    const base = parsePolicy({ safety: {}, icp: {} });
    if (!base.ok) throw new Error('defaults must parse');
    const s = base.policy.safety;
    expect(looseningChanges(s, { ...s, shadow_mode: false, actually_send: true, auto_approve: true, max_daily_sends: 1 })).toEqual(['shadow mode off', 'actually_send on', 'daily cap raised from 0 to 1', 'auto-approve on']);
    expect(looseningChanges({ ...s, warmup: { ramp: [5, 10] } }, { ...s, warmup: null })).toEqual(['warm-up removed']);
    expect(looseningChanges({ ...s, max_daily_sends: 10 }, { ...s, max_daily_sends: 5, shadow_mode: true })).toEqual([]);
    expect(diffPolicies(base.policy, setPath(base.policy, 'icp.weights.title', 40) as typeof base.policy)).toEqual([{ path: 'icp.weights.title', before: 30, after: 40 }]);
    expect(parsePolicy({ safety: { shadow_mdoe: false }, icp: {} })).toEqual({ ok: false, errors: { 'safety.shadow_mdoe': 'unknown field' } });
    expect(() => setPath({}, '__proto__.polluted', 1)).toThrow();
  });
});
