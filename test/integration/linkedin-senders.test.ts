import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/bot/snapshot.ts';
import { buildConfig } from '../../src/core/config.ts';
import { createKeys, deleteByPrefix } from '../../src/core/keys.ts';
import { CAMPAIGN_SENDER, createLinkedInSenders } from '../../src/core/linkedin-senders.ts';
import type { Lead } from '../../src/core/types.ts';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/harness.ts';
import { createLiveHarness, FAST_LIVE, HEYREACH_CAMPAIGN, until, type LiveHarness } from '../helpers/live-harness.ts';

const DAY = 86_400_000;
/** A fixed start, mid-day, so day boundaries are where the test puts them. */
const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('LinkedIn sender caps (one Lua script per request, counted in Redis)', () => {
  let redis: Redis;
  const prefixes: string[] = [];
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    for (const p of prefixes) await deleteByPrefix(redis, p);
    redis.disconnect();
  });
  const senders = (linkedin: Record<string, unknown>, senderIds: string[] = ['111']) => {
    const prefix = uniquePrefix('li-caps');
    prefixes.push(prefix);
    return createLinkedInSenders({ redis, keys: createKeys(prefix), linkedin: buildConfig({ linkedin }).linkedin, dayMs: DAY, senderIds });
  };

  it('the 21st connection request of a day waits for the next day; a retried lead is not counted twice', async () => {
    const s = senders({ ramp: [] });
    for (let i = 0; i < 20; i++) expect(await s.reserve('111', `lead-${i}`, T0 + i)).toEqual({ ok: true, sender: '111' });
    expect(await s.reserve('111', 'lead-3', T0 + 100)).toEqual({ ok: true, sender: '111' });
    const refused = await s.reserve('111', 'lead-20', T0 + 200);
    expect(refused).toEqual({ ok: false, sender: '111', reason: 'daily', cap: 20, until: Date.UTC(2026, 10, 24) });
    expect(await s.reserve('111', 'lead-20', Date.UTC(2026, 10, 24, 0, 0, 1))).toMatchObject({ ok: true });
    const [usage] = await s.usage(Date.UTC(2026, 10, 24, 1));
    expect(usage).toMatchObject({ sender: '111', today: 1, capToday: 20, week: 21, weeklyCap: 100, rampWeek: null });
  });

  it('a new sender ramps: 5 a day in its first week, 10 in its second', async () => {
    const s = senders({});
    for (let i = 0; i < 5; i++) expect((await s.reserve('111', `w1-${i}`, T0 + i)).ok).toBe(true);
    expect(await s.reserve('111', 'w1-5', T0 + 10)).toMatchObject({ ok: false, reason: 'ramp', cap: 5 });
    expect((await s.usage(T0 + 20))[0]).toMatchObject({ today: 5, capToday: 5, rampWeek: 1 });
    const week2 = T0 + 7 * DAY + 1_000;
    for (let i = 0; i < 10; i++) expect((await s.reserve('111', `w2-${i}`, week2 + i)).ok).toBe(true);
    expect(await s.reserve('111', 'w2-10', week2 + 20)).toMatchObject({ ok: false, reason: 'ramp', cap: 10 });
  });

  it('the rolling 7-day cap holds across day boundaries and frees up as requests age out', async () => {
    const s = senders({ daily_connection_cap: 25, weekly_connection_cap: 60, ramp: [] });
    for (let d = 0; d < 3; d++) for (let i = 0; i < 20; i++) expect((await s.reserve('111', `d${d}-${i}`, T0 + d * DAY + i)).ok).toBe(true);
    // Day 4: nothing sent today, but 60 in the last 7 days.
    const refused = await s.reserve('111', 'd3-0', T0 + 3 * DAY);
    expect(refused).toMatchObject({ ok: false, reason: 'weekly', cap: 60, until: T0 + 7 * DAY });
    expect((await s.usage(T0 + 3 * DAY))[0]).toMatchObject({ today: 0, week: 60 });
    // A week after the first day's requests, they no longer count.
    expect((await s.reserve('111', 'd7-0', T0 + 7 * DAY + 100)).ok).toBe(true);
  });

  it('assigns senders round robin, keeps each lead on its sender, skips senders at their cap, and uses the campaign without ids', async () => {
    const s = senders({ ramp: [] }, ['111', '222']);
    const picks = [await s.senderFor('a'), await s.senderFor('b'), await s.senderFor('c'), await s.senderFor('d')];
    expect(picks).toEqual(['111', '222', '111', '222']);
    expect(await s.senderFor('a')).toBe('111');
    expect(s.accountIdOf('222')).toBe('222');
    // Sender 111 full today: new leads go to 222 until it is full too.
    for (let i = 0; i < 20; i++) await s.reserve('111', `full-${i}`);
    expect([await s.senderFor('e'), await s.senderFor('f')]).toEqual(['222', '222']);
    const none = senders({}, []);
    expect(none.senders).toEqual([CAMPAIGN_SENDER]);
    expect(await none.senderFor('x')).toBe(CAMPAIGN_SENDER);
    expect(none.accountIdOf(CAMPAIGN_SENDER)).toBeNull();
  });
});

describe('the LinkedIn cadence step goes through the sender caps', () => {
  let h: LiveHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('30 leads over two senders capped at 5 a day: 10 connection requests a day, the rest parked for later days, none lost', async () => {
    const dayMs = 1_500;
    h = await createLiveHarness({
      name: 'li-cadence',
      settings: {
        ...FAST_LIVE,
        safety: { ...FAST_LIVE.safety, shadow_mode: false, actually_send: true, max_daily_sends: 100 },
        cadence: { day_ms: dayMs, concurrency: 10 },
        linkedin: { daily_connection_cap: 5, ramp: [] },
      },
      env: { HEYREACH_SENDER_IDS: '111, 222' },
    });
    const { ctx } = h;
    const runId = 'run_20261127_101500_linked';
    const leads: Lead[] = [];
    for (let i = 0; i < 30; i++) {
      const lead: Lead = {
        id: `li${i}`, ref: `${runId}-li${i}`, runId, source: 'default', providers: 'live', state: 'sent', updated_at: new Date().toISOString(),
        first_name: 'Li', last_name: `Lead${i}`, title: 'VP Sales', seniority: 'vp', email: `li${i}@example.com`, email_status: 'verified',
        linkedin_url: `https://linkedin.com/in/li-lead-${i}`, company_name: 'Acme', company_domain: 'acme.example', industry: 'Software', employee_count: 100, signals: [],
      };
      await ctx.store.createLead(lead);
      leads.push(lead);
    }
    // Start just after a day boundary, so the first day is a whole one.
    const start = (Math.floor(Date.now() / dayMs) + 1) * dayMs + 50;
    await new Promise((r) => setTimeout(r, start - Date.now()));
    await ctx.queues.cadence.addBulk(leads.map((l) => ({ name: 'linkedin1', data: { runId, ref: l.ref, day: 2, channel: 'linkedin' as const, step: 1 }, opts: { jobId: `${l.ref}-cadence-linkedin1` } })));
    h.startWorkers();
    const adds = () => h!.fakes.heyreach.requests.filter((r) => r.path === '/api/public/campaign/AddLeadsToCampaignV2');
    await until(() => adds().length === 30, 20_000);

    const byDay = new Map<number, { total: number; perSender: Map<number, number> }>();
    for (const r of adds()) {
      const day = Math.floor(r.at / dayMs);
      const pair = (r.body as { campaignId: number; accountLeadPairs: { linkedInAccountId?: number }[] }).accountLeadPairs[0]!;
      expect((r.body as { campaignId: number }).campaignId).toBe(Number(HEYREACH_CAMPAIGN));
      expect([111, 222]).toContain(pair.linkedInAccountId);
      const entry = byDay.get(day) ?? { total: 0, perSender: new Map() };
      entry.total++;
      entry.perSender.set(pair.linkedInAccountId!, (entry.perSender.get(pair.linkedInAccountId!) ?? 0) + 1);
      byDay.set(day, entry);
    }
    const days = [...byDay.keys()].sort();
    expect(byDay.get(days[0]!)!.total).toBe(10);
    expect(days.length).toBeGreaterThanOrEqual(3);
    for (const { total, perSender } of byDay.values()) {
      expect(total).toBeLessThanOrEqual(10);
      for (const n of perSender.values()) expect(n).toBeLessThanOrEqual(5);
    }
    // Every lead in the campaign once, each on the sender it was given; nothing failed.
    expect(h.fakes.heyreach.campaigns.get(HEYREACH_CAMPAIGN)?.size).toBe(30);
    expect((await ctx.queues.cadence.getJobCounts('failed')).failed).toBe(0);
    expect((await ctx.audit.list({ action: 'cadence.linkedin_capped' })).length).toBeGreaterThanOrEqual(20);
    // /caio status and App Home show both senders' usage.
    const snapshot = await loadSnapshot(ctx);
    expect(snapshot.linkedin?.map((u) => u.sender)).toEqual(['111', '222']);
    expect(snapshot.linkedin?.every((u) => u.week === 15 && u.capToday === 5)).toBe(true);
  });
});
