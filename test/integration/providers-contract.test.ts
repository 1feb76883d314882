import { afterEach, describe, expect, it } from 'vitest';
import type { Lead } from '../../src/core/types.ts';
import { getCreditUsage } from '../../src/providers/credits.ts';
import { header } from '../fakes/fake-server.ts';
import { CAMPAIGN_ID, createLiveHarness, FAKE_KEYS, FAST_LIVE, fakePeople, GHL_LOCATION, HEYREACH_CAMPAIGN, type LiveHarness } from '../helpers/live-harness.ts';

let h: LiveHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function lead(overrides: Partial<Lead> = {}): Lead {
  return {
    id: 'ap00000',
    ref: 'run_20261128_000000_abcdef-ap00000',
    runId: 'run_20261128_000000_abcdef',
    source: 'default',
    state: 'scraped',
    updated_at: new Date().toISOString(),
    first_name: 'First0',
    last_name: 'Last0',
    title: 'VP Sales',
    seniority: 'vp',
    email: null,
    email_status: null,
    linkedin_url: 'https://www.linkedin.com/in/first0-last0',
    company_name: 'Company 0',
    company_domain: 'example0.com',
    industry: null,
    employee_count: null,
    signals: [],
    ...overrides,
  };
}

describe('Apollo contract', () => {
  it('searches with the source filters and pagination, and reports hasMore from total_entries', async () => {
    const { people } = fakePeople(150, () => 'apollo');
    h = await createLiveHarness({ name: 'apollo-search', people });
    const page1 = await h.providers.search.searchPeople('competitor_gong', 1, 100);
    const page2 = await h.providers.search.searchPeople('competitor_gong', 2, 100);
    expect(page1.people).toHaveLength(100);
    expect(page1.hasMore).toBe(true);
    expect(page2.people).toHaveLength(50);
    expect(page2.hasMore).toBe(false);
    expect(page1.people[0]).toMatchObject({ id: 'ap00000', first_name: 'First0', company_name: 'Company 0', email: null });
    const req = h.fakes.apollo.requests[0]!;
    expect(req.path).toBe('/api/v1/mixed_people/api_search');
    expect(header(req, 'x-api-key')).toBe(FAKE_KEYS.apollo);
    const filters = h.config.providers.sources.competitor_gong;
    expect(req.body).toMatchObject({ page: 1, per_page: 100, person_titles: filters.titles, person_seniorities: filters.seniorities, organization_num_employees_ranges: filters.employee_ranges, q_keywords: 'gong' });
  });

  it('reveals an email with People Match for one credit, never asking for phone numbers, and refunds a miss', async () => {
    const { people } = fakePeople(2, (i) => (i === 0 ? 'apollo' : 'none'));
    h = await createLiveHarness({ name: 'apollo-match', people });
    const found = await h.providers.apollo.matchPerson(lead());
    expect(found?.email).toBe('first0.last0@example0.com');
    expect(found?.email_status).toBe('verified');
    const miss = await h.providers.apollo.matchPerson(lead({ id: 'ap00001', ref: 'r-ap00001', first_name: 'First1', last_name: 'Last1' }));
    expect(miss).toBeNull();
    const bodies = h.fakes.apollo.requests.filter((r) => r.path === '/api/v1/people/match').map((r) => r.body as Record<string, unknown>);
    expect(bodies).toHaveLength(2);
    for (const body of bodies) expect(body).not.toHaveProperty('reveal_phone_number');
    expect(bodies[0]).toMatchObject({ id: 'ap00000', first_name: 'First0', organization_name: 'Company 0', domain: 'example0.com' });
    const usage = await getCreditUsage(h.ctx);
    expect(usage.find((u) => u.budget === 'apollo_reveals')?.day.used).toBe(1);
  });

  it('treats a malformed match response as a WARNING and a miss, not a crash', async () => {
    const { people } = fakePeople(1, () => 'apollo');
    h = await createLiveHarness({ name: 'apollo-malformed', people });
    h.fakes.apollo.failNext(1, { kind: 'malformed' });
    await expect(h.providers.apollo.matchPerson(lead())).resolves.toBeNull();
    h.fakes.apollo.failNext(1, { kind: 'status', status: 200 });
    await expect(h.providers.apollo.matchPerson(lead())).resolves.toBeNull();
    expect(h.recorder.alerts.filter((a) => a.level === 'WARNING' && a.text.includes('apollo people/match'))).toHaveLength(2);
    // Nothing was revealed, so nothing was charged.
    expect((await getCreditUsage(h.ctx)).find((u) => u.budget === 'apollo_reveals')?.day.used).toBe(0);
  });

  it('skips the tier with one WARNING once the daily reveal budget is spent', async () => {
    const { people } = fakePeople(3, () => 'apollo');
    h = await createLiveHarness({ name: 'apollo-budget', people, settings: { ...FAST_LIVE, providers: { ...FAST_LIVE.providers, budgets: { apollo_reveals: { daily: 1 } } } } });
    expect(await h.providers.apollo.matchPerson(lead())).not.toBeNull();
    expect(await h.providers.apollo.matchPerson(lead({ id: 'ap00001' }))).toBeNull();
    expect(await h.providers.apollo.matchPerson(lead({ id: 'ap00002' }))).toBeNull();
    expect(h.fakes.apollo.requests.filter((r) => r.path === '/api/v1/people/match')).toHaveLength(1);
    expect(h.recorder.alerts.filter((a) => a.text.includes('apollo_reveals'))).toHaveLength(1);
  });
});

describe('Clay contract', () => {
  it('posts the row with lead_id, source=caio_pipeline and the auth header, and counts credits', async () => {
    h = await createLiveHarness({ name: 'clay', clayAnswer: () => 'never' });
    await h.providers.clay!.submit(lead());
    expect(h.fakes.clay.rows).toHaveLength(1);
    expect(h.fakes.clay.rows[0]).toMatchObject({ lead_id: 'run_20261128_000000_abcdef-ap00000', source: 'caio_pipeline', first_name: 'First0', company_domain: 'example0.com' });
    expect(header(h.fakes.clay.requests[0]!, 'x-clay-webhook-auth')).toBe(FAKE_KEYS.clayToken);
    const usage = await getCreditUsage(h.ctx);
    expect(usage.find((u) => u.budget === 'clay_credits')?.day.used).toBe(13);
  });

  it('posts one WARNING when the webhook reaches 80% of its submission limit', async () => {
    h = await createLiveHarness({ name: 'clay-limit', clayAnswer: () => 'never', settings: { ...FAST_LIVE, providers: { ...FAST_LIVE.providers, clay_webhook_limit: 5 } } });
    for (let i = 0; i < 5; i++) await h.providers.clay!.submit(lead({ ref: `r-${i}` }));
    expect(h.recorder.alerts.filter((a) => a.text.includes('Clay webhook'))).toHaveLength(1);
    expect(h.recorder.alerts[0]?.details).toMatchObject({ used: 4, limit: 5 });
    // Full: no sixth POST; the lead is answered as a miss instead.
    await h.providers.clay!.submit(lead({ ref: 'r-6' }));
    expect(h.fakes.clay.rows).toHaveLength(5);
  });
});

describe('Clay outage', () => {
  it('gives the credits back when the row never reached Clay, and the breaker says when to come back', async () => {
    h = await createLiveHarness({ name: 'clay-down', clayAnswer: () => 'never', settings: { ...FAST_LIVE, providers: { ...FAST_LIVE.providers, breaker: { failures: 1, window_ms: 10_000, cooldown_ms: 5_000 } } } });
    h.fakes.clay.setFault({ kind: 'status', status: 503 });
    await expect(h.providers.clay!.submit(lead())).rejects.toMatchObject({ code: 'BREAKER_OPEN' });
    await expect(h.providers.clay!.submit(lead())).rejects.toMatchObject({ code: 'BREAKER_OPEN' });
    // Only the first call reached Clay (a POST that may have been taken is never repeated).
    expect(h.fakes.clay.requests).toHaveLength(1);
    expect((await getCreditUsage(h.ctx)).find((u) => u.budget === 'clay_credits')?.day.used).toBe(0);
  });
});

describe('BetterContact contract', () => {
  it('treats a malformed poll answer as a WARNING and a miss', async () => {
    h = await createLiveHarness({ name: 'bc-malformed', betterContactEmails: { 'First0 Last0': 'first0@example0.com' } });
    const { requestId } = await h.providers.bettercontact!.submit(lead());
    h.fakes.bettercontact.failNext(1, { kind: 'malformed' });
    expect(await h.providers.bettercontact!.poll(requestId)).toEqual({ done: true, email: null, email_status: null, credits: 0 });
    expect(h.recorder.alerts.filter((a) => a.level === 'WARNING' && a.text.includes('bettercontact'))).toHaveLength(1);
  });

  it('submits asynchronously, polls 202 then 200 terminated, and reads the email', async () => {
    h = await createLiveHarness({ name: 'bc', betterContactEmails: { 'First0 Last0': 'first0@example0.com' } });
    const { requestId } = await h.providers.bettercontact!.submit(lead());
    expect(requestId).toBe('bc-1');
    const submit = h.fakes.bettercontact.requests[0]!;
    expect(header(submit, 'x-api-key')).toBe(FAKE_KEYS.bettercontact);
    expect(submit.body).toMatchObject({ data: [{ first_name: 'First0', last_name: 'Last0', company: 'Company 0' }], enrich_email_address: true, enrich_phone_number: false });
    expect(await h.providers.bettercontact!.poll(requestId)).toEqual({ done: false });
    expect(await h.providers.bettercontact!.poll(requestId)).toEqual({ done: true, email: 'first0@example0.com', email_status: 'deliverable', credits: 1, phone: null });
  });

  it('ends an unknown request id (406) as a miss', async () => {
    h = await createLiveHarness({ name: 'bc-406' });
    expect(await h.providers.bettercontact!.poll('bc-999')).toEqual({ done: true, email: null, email_status: null, credits: 0 });
  });
});

describe('Instantly contract', () => {
  it('adds the lead to the campaign with every approved step as caio_subject_N / caio_body_N and skip_if_in_campaign', async () => {
    h = await createLiveHarness({ name: 'instantly' });
    const steps = [1, 2, 3, 4, 5].map((n) => ({ subject: `Hi A ${n}`, body: `Hello A ${n}` }));
    const result = await h.providers.instantly.addLead({ idempotencyKey: 'k1', leadRef: 'r1', email: 'a@example.com', first_name: 'A', last_name: 'B', company_name: 'C', title: 'VP', steps });
    const req = h.fakes.instantly.requests[0]!;
    expect(header(req, 'authorization')).toBe(`Bearer ${FAKE_KEYS.instantly}`);
    expect(req.body).toMatchObject({ campaign: CAMPAIGN_ID, email: 'a@example.com', skip_if_in_campaign: true });
    expect((req.body as { custom_variables: unknown }).custom_variables).toEqual({
      caio_ref: 'r1',
      caio_key: 'k1',
      ...Object.fromEntries(steps.flatMap((s, i) => [[`caio_subject_${i + 1}`, s.subject], [`caio_body_${i + 1}`, s.body]])),
    });
    expect(result.providerRef).toBe(h.fakes.instantly.campaigns.get(CAMPAIGN_ID)?.get('a@example.com')?.id);
  });
});

describe('GoHighLevel contract', () => {
  it('upserts a contact with the Version header and locationId', async () => {
    h = await createLiveHarness({ name: 'ghl' });
    const first = await h.providers.ghl!.upsertContact({ email: 'v@example.com', first_name: 'Vi', last_name: 'Sitor', company_name: 'Acme', source: 'rb2b', tags: ['rb2b'] });
    const again = await h.providers.ghl!.upsertContact({ email: 'v@example.com', first_name: 'Vi', last_name: 'Sitor', company_name: 'Acme', source: 'rb2b', tags: ['rb2b'] });
    expect(first.created).toBe(true);
    expect(again).toEqual({ contactId: first.contactId, created: false });
    const req = h.fakes.ghl.requests[0]!;
    expect(header(req, 'version')).toBe('2021-07-28');
    expect(req.body).toMatchObject({ locationId: GHL_LOCATION, firstName: 'Vi', email: 'v@example.com', companyName: 'Acme', tags: ['rb2b'] });
  });
});

describe('HeyReach contract', () => {
  it('adds the lead to the LinkedIn campaign', async () => {
    h = await createLiveHarness({ name: 'heyreach' });
    await h.providers.heyreach!.addLeadToCampaign({ linkedin_url: 'https://www.linkedin.com/in/x', first_name: 'X', last_name: 'Y', company_name: 'Z', title: 'CRO', email: null });
    const req = h.fakes.heyreach.requests[0]!;
    expect(header(req, 'x-api-key')).toBe(FAKE_KEYS.heyreach);
    expect(req.body).toMatchObject({ campaignId: Number(HEYREACH_CAMPAIGN), accountLeadPairs: [{ lead: { profileUrl: 'https://www.linkedin.com/in/x', firstName: 'X', position: 'CRO' } }] });
    expect(h.fakes.heyreach.campaigns.get(HEYREACH_CAMPAIGN)?.has('https://www.linkedin.com/in/x')).toBe(true);
  });
});
