import { afterEach, describe, expect, it } from 'vitest';
import { startRun } from '../../src/jobs/runs.ts';
import { getCreditUsage } from '../../src/providers/credits.ts';
import { createLiveHarness, FAKE_KEYS, fakePeople, waitForRun, type LiveHarness } from '../helpers/live-harness.ts';

let h: LiveHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const TIERS = ['apollo', 'clay', 'bettercontact', 'none'] as const;

describe('live enrichment waterfall through the pipeline workers', () => {
  it('goes Apollo miss → Clay callback → BetterContact → unenriched, in that order, and logs no key or email', async () => {
    const { people, clayEmails, bcEmails } = fakePeople(20, (i) => TIERS[i % 4] ?? 'none');
    h = await createLiveHarness({
      name: 'waterfall',
      people,
      betterContactEmails: bcEmails,
      clayAnswer: (row) => ({ email: clayEmails.get(String(row.lead_id).split('-').pop() ?? '') ?? null }),
    });
    h.startWorkers();
    const { runId } = await startRun(h.ctx, { source: 'default', limit: 20, startedBy: 'test' });
    const run = await waitForRun(h, runId);
    expect(run.status).toBe('completed');
    expect(run.stages.enrich).toMatchObject({ in: 20, out: 15, dropped: 5, errors: 0 });

    const refs = await h.ctx.store.runLeadRefs(runId);
    const leads = await Promise.all(refs.map((r) => h!.ctx.store.getLead(r)));
    const matchAt = new Map(h.fakes.apollo.requests.filter((r) => r.path === '/api/v1/people/match').map((r) => [String((r.body as { id: string }).id), r.at]));
    const clayAt = new Map(h.fakes.clay.requests.map((r) => [String((r.body as { lead_id: string }).lead_id), r.at]));
    const bcAt = new Map(h.fakes.bettercontact.requests.filter((r) => r.method === 'POST').map((r) => [String((r.body as { data: { custom_fields: { lead_id: string } }[] }).data[0]?.custom_fields.lead_id), r.at]));
    for (const lead of leads) {
      if (!lead) throw new Error('lead missing');
      const i = Number(lead.id.slice(2));
      const tier = TIERS[i % 4];
      expect(lead.enriched_by, lead.id).toBe(tier === 'none' ? 'unenriched' : tier);
      expect(matchAt.has(lead.id)).toBe(true);
      // Each later tier is only tried after the earlier one missed.
      expect(clayAt.has(lead.ref)).toBe(tier !== 'apollo');
      expect(bcAt.has(lead.ref)).toBe(tier === 'bettercontact' || tier === 'none');
      if (clayAt.has(lead.ref)) expect(clayAt.get(lead.ref)!).toBeGreaterThanOrEqual(matchAt.get(lead.id)!);
      if (bcAt.has(lead.ref)) expect(bcAt.get(lead.ref)!).toBeGreaterThanOrEqual(clayAt.get(lead.ref)!);
      if (tier !== 'none') expect(lead.email).toBe(`first${i}.last${i}@example${i % 7}.com`);
    }

    // reveal_phone_number is never sent to Apollo.
    for (const req of h.fakes.apollo.requests) expect(req.body as object).not.toHaveProperty('reveal_phone_number');
    // Credits were counted: 5 reveals, 15 Clay rows × 13 credits, 10 BetterContact lookups.
    const usage = Object.fromEntries((await getCreditUsage(h.ctx)).map((u) => [u.budget, u.day.used]));
    expect(usage).toEqual({ apollo_reveals: 5, clay_credits: 15 * 13, bettercontact_lookups: 10 });
    const shadows = await h.ctx.gate.listShadow();
    expect(shadows.length).toBe(run.stages.send.out);

    // No API key, token or personal email in any log line.
    expect(h.logLines.length).toBeGreaterThan(50);
    const secrets = Object.values(FAKE_KEYS);
    const emails = leads.map((l) => l?.email).filter((e): e is string => Boolean(e));
    for (const line of h.logLines) {
      for (const secret of secrets) expect(line).not.toContain(secret);
      for (const email of emails) expect(line).not.toContain(email);
    }
    expect(h.logLines.some((l) => l.includes('"provider":"apollo"') && l.includes('"route":"people/match"') && l.includes('"status":200'))).toBe(true);
  });
});
