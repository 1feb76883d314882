import { afterEach, describe, expect, it } from 'vitest';
import { visitorRunId } from '../../src/webhooks/processors/visitor-qualify.ts';
import { createVisitorStore, visitorIdFor } from '../../src/webhooks/visitor-store.ts';
import { eventually, pipelineLead, SAMPLES, startWebhookApp, type WebhookApp } from '../helpers/webhook-app.ts';

let app: WebhookApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const JANE_ID = visitorIdFor('li:linkedin.com/in/jane-doe-123');

function visitorsOf(a: WebhookApp) {
  return createVisitorStore(a.harness.redis, a.harness.ctx.keys.webhooks);
}

describe('RB2B visitor → Clay → GoHighLevel → intent → pipeline (sandbox providers)', () => {
  it('enriches a first visit, upserts the contact, and lets a returning high-intent visitor into the pipeline once', async () => {
    app = await startWebhookApp('wh-visitor');
    app.startWorker();
    app.startPipeline();
    const visitors = visitorsOf(app);

    // Day 1: one page. Enriched (sandbox Clay echoes RB2B's fields) and synced, but not enough intent.
    const first = await app.post('/webhooks/rb2b', SAMPLES.rb2b({ 'Captured URL': 'https://acme-caio.example/blog/outbound', 'Seen At': '2026-11-26 09:00:00' }));
    expect(first.status).toBe(202);
    const enriched = await eventually(async () => {
      const v = await visitors.get(JANE_ID);
      return v?.enriched && v.ghl_contact_id ? v : null;
    }, 10_000, 'visitor enriched and synced');
    expect(enriched.email).toBe('jane.doe@acme.example');
    expect(enriched.employee_count).toBe(201);
    expect(enriched.first_seen).toBe('2026-11-26T09:00:00.000Z');
    expect(enriched.intent_score).toBeLessThan(app.harness.config.webhooks.visitors.intent_threshold);
    expect(enriched.entered_ref).toBeNull();
    const ghl = await app.harness.redis.hgetall(app.harness.ctx.keys.sandboxGhl);
    const contact = JSON.parse(Object.values(ghl)[0] ?? '{}') as { email: string; source: string; tags: string[] };
    expect(contact).toMatchObject({ email: 'jane.doe@acme.example', source: 'rb2b' });
    expect(contact.tags).toContain('intent_low');

    // The same visitor the same day by email only (no new Clay submission), then the next day on /pricing and /demo.
    await app.post('/webhooks/rb2b', SAMPLES.rb2b({ 'LinkedIn URL': 'linkedin.com/in/jane-doe-123', 'Captured URL': 'https://acme-caio.example/features', 'Seen At': '2026-11-26T09:05:00Z' }));
    await app.post('/webhooks/rb2b', SAMPLES.rb2b({ 'Captured URL': 'https://acme-caio.example/pricing', 'Seen At': '2026-11-27T10:00:00Z' }));
    await app.post('/webhooks/rb2b', SAMPLES.rb2b({ 'Captured URL': 'https://acme-caio.example/demo', 'Seen At': '2026-11-27T10:02:00Z' }));

    const entered = await eventually(async () => {
      const v = await visitors.get(JANE_ID);
      return v?.entered_ref ? v : null;
    }, 10_000, 'visitor entered the pipeline');
    expect(entered.intent_score).toBeGreaterThanOrEqual(app.harness.config.webhooks.visitors.intent_threshold);
    const runId = visitorRunId(new Date());
    expect(entered.entered_ref).toBe(`${runId}-${JANE_ID}`);
    const activity = await visitors.activity(JANE_ID);
    expect(activity.visitDays).toBe(2);
    expect(activity.pages).toHaveLength(4);

    // Through segment → craft → approve (auto in this config) → send, where shadow mode records it.
    const lead = await eventually(async () => {
      const l = await app!.harness.ctx.store.getLead(entered.entered_ref as string);
      return l?.state === 'shadowed' ? l : null;
    }, 15_000, 'visitor lead shadowed');
    expect(lead.source).toBe('website_visitor');
    expect(lead.icp?.tier).not.toBe('disqualified');
    const run = await app.harness.ctx.store.getRun(runId);
    expect(run).toMatchObject({ source: 'website_visitor', total: 1 });
    const shadows = await app.harness.ctx.gate.listShadow();
    expect(shadows.map((s) => s.to)).toEqual(['jane.doe@acme.example']);
    const announced = app.alerts.filter((a) => a.level === 'INFO' && a.text.includes('Website visitor'));
    expect(announced).toHaveLength(1);
    expect(announced[0]?.text).toMatch(/Jane Doe \(Acme Software\) scored \d+\/100/);

    // A later visit changes nothing: the visitor entered once.
    await app.post('/webhooks/rb2b', SAMPLES.rb2b({ 'Captured URL': 'https://acme-caio.example/pricing/teams', 'Seen At': '2026-11-27T11:00:00Z' }));
    await eventually(async () => (await visitors.activity(JANE_ID)).pages.length === 5, 5_000, 'fifth page');
    await new Promise((r) => setTimeout(r, 300));
    expect((await app.harness.ctx.store.getRun(runId))?.total).toBe(1);
    expect(app.alerts.filter((a) => a.text.includes('Website visitor'))).toHaveLength(1);
  });

  it('keeps a visitor whose ICP is disqualified out of the pipeline however keen', async () => {
    app = await startWebhookApp('wh-visitor-dq', { settings: { webhooks: { visitors: { intent_threshold: 10 } } } });
    app.startWorker();
    const visitors = visitorsOf(app);
    const intern = { Title: 'Intern', Industry: 'Agriculture', 'Employee Count': 3, 'LinkedIn URL': 'https://linkedin.com/in/intern-1', 'Business Email': 'intern@farm.example' };
    await app.post('/webhooks/rb2b', SAMPLES.rb2b({ ...intern, 'Captured URL': 'https://x.example/pricing' }));
    await app.post('/webhooks/rb2b', SAMPLES.rb2b({ ...intern, 'Captured URL': 'https://x.example/demo' }));
    const id = visitorIdFor('li:linkedin.com/in/intern-1');
    const v = await eventually(async () => {
      const got = await visitors.get(id);
      return got?.intent_score !== null && got?.enriched && (await visitors.activity(id)).pages.length === 2 ? got : null;
    }, 10_000, 'intern scored');
    await new Promise((r) => setTimeout(r, 200));
    expect((await visitors.get(id))?.entered_ref).toBeNull();
    expect(v.email).toBe('intern@farm.example');
  });
});

describe('visitors during an emergency stop', () => {
  it('makes no Clay or GoHighLevel call while stopped, and completes the visitor after resume', async () => {
    app = await startWebhookApp('wh-visitor-stop');
    app.startWorker();
    const { ctx, redis } = app.harness;
    await ctx.emergency.stop('U1', 'test');
    expect((await app.post('/webhooks/rb2b', SAMPLES.rb2b())).status).toBe(202);
    // The visit is recorded (local), but the job parks before any outbound call.
    await eventually(async () => (await app!.harness.ctx.webhookQueue.queue.getJobCounts('delayed')).delayed === 1, 5_000, 'job parked');
    const visitors = visitorsOf(app);
    expect((await visitors.get(JANE_ID))?.enriched).toBe(false);
    expect(await redis.hlen(ctx.keys.sandboxGhl)).toBe(0);
    await ctx.emergency.clear();
    const done = await eventually(async () => {
      const v = await visitors.get(JANE_ID);
      return v?.ghl_contact_id ? v : null;
    }, 15_000, 'visitor completed after resume');
    expect(done.enriched).toBe(true);
    expect(await redis.hlen(ctx.keys.sandboxGhl)).toBe(1);
  });
});

describe('unified Clay callback routing', () => {
  it('routes caio_pipeline + lead_id to the waiting lead (applied once), and records a late one without applying it', async () => {
    app = await startWebhookApp('wh-clay-pipeline');
    app.startWorker();
    const { ctx, redis } = app.harness;
    const waiting = 'run_20261127_101500_abcdef-p1';
    const late = 'run_20261127_101500_abcdef-p2';
    await ctx.store.createLead(pipelineLead(waiting));
    await ctx.store.createLead(pipelineLead(late));
    // The enrich stage marks a lead as waiting for Clay; `late` has timed out (no wait marker).
    await redis.set(ctx.keys.clayWait(waiting), '1', 'EX', 60);

    const res = await app.post('/webhooks/clay', { source: 'caio_pipeline', lead_id: waiting, email: 'ada@engines.example', email_status: 'valid', extra_column: 'ignored' });
    expect(res.status).toBe(202);
    expect(res.json.branch).toBe('pipeline');
    const stored = await eventually(() => redis.get(ctx.keys.clayResult(waiting)), 5_000, 'clay result stored');
    expect(JSON.parse(stored)).toMatchObject({ lead_id: waiting, email: 'ada@engines.example' });
    expect(JSON.parse(stored)).not.toHaveProperty('extra_column');

    const legacy = await app.post('/api/clay-callback', { lead_id: late, email: 'late@engines.example' });
    expect(legacy.status).toBe(202);
    await eventually(async () => (await redis.lrange(ctx.keys.clayLate, 0, -1)).includes(late), 5_000, 'late recorded');
    // A second, different callback for the same lead is a duplicate and changes nothing.
    const again = await app.post('/api/clay-callback', { lead_id: late, email: 'other@engines.example' });
    expect(again.json.status).toBe('duplicate');
    await new Promise((r) => setTimeout(r, 200));
    expect(await redis.lrange(ctx.keys.clayLate, 0, -1)).toEqual([late]);
    expect(JSON.parse((await redis.get(ctx.keys.clayResult(late))) ?? '{}')).toMatchObject({ email: 'late@engines.example' });
  });

  it('routes visitor_id, and rows without the pipeline source, to the visitor flow', async () => {
    app = await startWebhookApp('wh-clay-visitor');
    app.startWorker();
    const visitors = visitorsOf(app);
    await app.post('/webhooks/rb2b', SAMPLES.rb2b({ 'Business Email': null, Title: null }));
    await eventually(async () => (await visitors.get(JANE_ID))?.enriched, 10_000, 'first enrichment');
    // Clay's answer for our visitor row: the email and title RB2B did not know.
    const withId = await app.post('/webhooks/clay', { visitor_id: JANE_ID, source: 'caio_visitor', email: 'Jane@Acme.example', title: 'Chief Revenue Officer' });
    expect(withId.status).toBe(202);
    expect(withId.json.branch).toBe('visitor');
    const v = await eventually(async () => {
      const got = await visitors.get(JANE_ID);
      return got?.email ? got : null;
    }, 5_000, 'visitor email from Clay');
    expect(v).toMatchObject({ email: 'jane@acme.example', title: 'Chief Revenue Officer' });

    // A row from a Clay table CAIO did not fill (no source, no ids): a new visitor by its email.
    const bare = await app.post('/webhooks/clay', SAMPLES.clayVisitor());
    expect(bare.status).toBe(202);
    const samId = visitorIdFor('li:linkedin.com/in/sam-lee');
    const sam = await eventually(async () => visitors.get(samId), 5_000, 'visitor from a bare Clay row');
    expect(sam).toMatchObject({ email: 'sam@beta.example', enriched: true, company_name: 'Beta' });
    // And it reached no pipeline lead.
    expect(await app.harness.redis.lrange(app.harness.ctx.keys.clayLate, 0, -1)).toEqual([]);
  });
});
