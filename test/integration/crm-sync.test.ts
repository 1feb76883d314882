import { afterEach, describe, expect, it } from 'vitest';
import { CAMPAIGN_ID, createLiveHarness, FAST_LIVE, until, type LiveHarness } from '../helpers/live-harness.ts';
import { seedApprovedLead, seedRun, seededEmail } from '../helpers/seed-approved.ts';

let h: LiveHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sending = (send: boolean) => ({
  ...FAST_LIVE,
  safety: { ...FAST_LIVE.safety, shadow_mode: !send, actually_send: send, max_daily_sends: 100 },
});

describe('GoHighLevel for pipeline leads (issue 11)', () => {
  it('a real first email upserts the lead as a GHL contact tagged caio, its source and tier, after the send', async () => {
    h = await createLiveHarness({ name: 'crm-send', settings: sending(true) });
    const runId = await seedRun(h.ctx, 1);
    const lead = await seedApprovedLead(h.ctx, runId, 0);
    await h.ctx.store.updateLead(lead.ref, { icp: { score: 64, tier: 'B', components: [] } });
    h.startWorkers();
    await until(() => h!.fakes.instantly.campaigns.get(CAMPAIGN_ID)?.has(seededEmail(0)) ?? false, 20_000);
    await until(() => h!.fakes.ghl.contacts.has(seededEmail(0)), 20_000);
    const contact = h.fakes.ghl.contacts.get(seededEmail(0))!;
    expect(contact.body).toMatchObject({ email: seededEmail(0), firstName: 'Ana', lastName: 'Lee0', companyName: 'Acme', source: 'CAIO pipeline' });
    expect((contact.body.tags as string[]).sort()).toEqual(['caio', 'default', 'tier-B']);
    // The upsert came after Instantly took the lead, from its own queue.
    const ghlAt = h.fakes.ghl.requests[0]!.at;
    const sendAt = h.fakes.instantly.requests.find((r) => r.path === '/api/v2/leads')!.at;
    expect(ghlAt).toBeGreaterThanOrEqual(sendAt);
    await until(async () => (await h!.ctx.audit.list({ action: 'crm.synced' })).length > 0, 10_000);
    expect((await h.ctx.audit.list({ action: 'crm.synced' })).map((e) => e.subject)).toEqual([lead.ref]);
    // A reply to this address now finds the lead.
    expect(await h.redis.hget(h.ctx.keys.leadByEmail, seededEmail(0))).toBe(lead.ref);
  });

  it('shadow mode syncs nothing to GoHighLevel', async () => {
    h = await createLiveHarness({ name: 'crm-shadow', settings: sending(false) });
    const runId = await seedRun(h.ctx, 1);
    const lead = await seedApprovedLead(h.ctx, runId, 0);
    h.startWorkers();
    await until(async () => (await h!.ctx.store.getLead(lead.ref))?.state === 'shadowed', 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.fakes.ghl.requests).toHaveLength(0);
    expect(await h.ctx.queues.leadSync.count()).toBe(0);
  });
});
