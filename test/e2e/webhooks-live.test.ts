import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.ts';
import { createContext } from '../../src/context.ts';
import { RETRY_POLICIES } from '../../src/core/http-client.ts';
import { createLiveProviders } from '../../src/providers/live.ts';
import { createVisitorStore, visitorIdFor } from '../../src/webhooks/visitor-store.ts';
import { startFakeClay, type FakeClay } from '../fakes/clay.ts';
import { startFakeGhl, type FakeGhl } from '../fakes/ghl.ts';
import { eventually, SAMPLES, startWebhookApp, type WebhookApp } from '../helpers/webhook-app.ts';

const GHL_KEY = 'ghl-key-webhooks-test';
const GHL_LOCATION = 'loc-webhooks';
const CLAY_TOKEN = 'clay-token-webhooks-test';
// Apollo and Instantly are required by live mode but never called here: a closed loopback port.
const UNUSED = 'http://127.0.0.1:9';

let app: WebhookApp | undefined;
let ghl: FakeGhl | undefined;
let clay: FakeClay | undefined;
let clayAnswers = true;
afterEach(async () => {
  await app?.close();
  await ghl?.close();
  await clay?.close();
  app = ghl = clay = undefined;
  clayAnswers = true;
});

async function startLive(): Promise<WebhookApp> {
  ghl = await startFakeGhl({ apiKey: GHL_KEY, locationId: GHL_LOCATION });
  // Plays the Clay visitor table's HTTP API column: it calls our /webhooks/clay with the row's visitor_id.
  clay = await startFakeClay({
    token: CLAY_TOKEN,
    onRow: (row) => void (clayAnswers ? app?.post('/webhooks/clay', { visitor_id: row.visitor_id, source: row.source, email: row.email, first_name: row.first_name, title: 'VP of Sales' }) : undefined),
  });
  app = await startWebhookApp('wh-live', {
    settings: { providers: { timeout_ms: 2_000 }, pipeline: { clay_timeout_ms: 300, backoff_ms: 50 } },
    env: {
      CAIO_PROVIDERS: 'live',
      APOLLO_API_KEY: 'unused',
      APOLLO_BASE_URL: UNUSED,
      INSTANTLY_API_KEY: 'unused',
      INSTANTLY_BASE_URL: UNUSED,
      INSTANTLY_CAMPAIGN_ID: 'camp-unused',
      CLAY_WORKBOOK_WEBHOOK_URL: clay.webhookUrl,
      CLAY_WEBHOOK_TOKEN: CLAY_TOKEN,
      GHL_API_KEY: GHL_KEY,
      GHL_BASE_URL: ghl.url,
      GHL_LOCATION_ID: GHL_LOCATION,
    },
    context: ({ config, redis, notifier }) =>
      createContext({ config, redis, notifier, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), liveProviders: (deps) => createLiveProviders(deps, { policy: RETRY_POLICIES.fast }) }),
  });
  return app;
}

describe('RB2B visitor with live providers against the fake GoHighLevel and Clay', () => {
  it('goes RB2B → Clay (fake) → /webhooks/clay → GoHighLevel (fake) with what only Clay knew', async () => {
    const live = await startLive();
    expect(live.harness.ctx.providers.kind).toBe('live');
    live.startWorker();
    const visitors = createVisitorStore(live.harness.redis, live.harness.ctx.keys.webhooks);
    const id = visitorIdFor('li:linkedin.com/in/jane-doe-123');

    const res = await live.post('/webhooks/rb2b', SAMPLES.rb2b({ Title: null }));
    expect(res.status).toBe(202);
    // RB2B → Clay: one row with our visitor id.
    const row = await eventually(async () => clay!.rows[0], 10_000, 'row posted to Clay');
    expect(row).toMatchObject({ visitor_id: id, source: 'caio_visitor', email: 'jane.doe@acme.example', linkedin_url: 'https://www.linkedin.com/in/jane-doe-123/', title: null });
    // Clay → /webhooks/clay → GoHighLevel, with the title only Clay knew.
    const contact = await eventually(async () => ghl!.contacts.get('jane.doe@acme.example'), 10_000, 'GHL upsert');
    expect(contact.body).toMatchObject({ locationId: GHL_LOCATION, email: 'jane.doe@acme.example', firstName: 'Jane', companyName: 'Acme Software', source: 'rb2b' });
    expect(contact.body.tags).toEqual(expect.arrayContaining(['website_visitor', 'rb2b']));
    const visitor = await eventually(async () => {
      const v = await visitors.get(id);
      return v?.ghl_contact_id ? v : null;
    }, 10_000, 'contact id stored');
    expect(visitor).toMatchObject({ title: 'VP of Sales', ghl_contact_id: contact.id, enriched: true });
    const upserts = ghl!.requests.filter((r) => r.path === '/contacts/upsert');
    expect(upserts.every((r) => r.headers.authorization === `Bearer ${GHL_KEY}`)).toBe(true);
    // The Clay timeout passes: the fallback sees Clay already answered and upserts nothing more.
    await new Promise((r) => setTimeout(r, 600));
    expect(ghl!.requests.filter((r) => r.path === '/contacts/upsert')).toHaveLength(upserts.length);
  });

  it('completes the visitor from RB2B\'s own fields when Clay never answers (after the Clay timeout)', async () => {
    clayAnswers = false;
    const live = await startLive();
    live.startWorker();
    const visitors = createVisitorStore(live.harness.redis, live.harness.ctx.keys.webhooks);
    const id = visitorIdFor('li:linkedin.com/in/jane-doe-123');
    expect((await live.post('/webhooks/rb2b', SAMPLES.rb2b())).status).toBe(202);
    await eventually(async () => clay!.rows[0], 10_000, 'row posted to Clay');
    const contact = await eventually(async () => ghl!.contacts.get('jane.doe@acme.example'), 10_000, 'GHL upsert from the fallback');
    expect(contact.body).toMatchObject({ firstName: 'Jane', lastName: 'Doe', companyName: 'Acme Software' });
    const visitor = await eventually(async () => {
      const v = await visitors.get(id);
      return v?.ghl_contact_id ? v : null;
    }, 10_000, 'visitor completed');
    expect(visitor).toMatchObject({ enriched: true, title: 'VP of Sales', email_status: null });
  });
});
