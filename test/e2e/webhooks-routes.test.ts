import { afterEach, describe, expect, it } from 'vitest';
import { pipelineLead, SAMPLES, startWebhookApp, TEST_SECRET, type WebhookApp } from '../helpers/webhook-app.ts';

let app: WebhookApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const LEAD_REF = 'run_20261127_101500_abcdef-p1';

/** One valid body per route, plus one that fails its schema and the field path we expect named. */
const ROUTES = [
  { path: '/webhooks/clay', valid: () => SAMPLES.clayVisitor(), invalid: { email: 42, lead_id: 'bad id!' }, failing: 'lead_id' },
  { path: '/api/clay-callback', valid: () => ({ source: 'caio_pipeline', lead_id: LEAD_REF, email: 'ada@engines.example', email_status: 'valid' }), invalid: { lead_id: ['x'] }, failing: 'lead_id' },
  { path: '/webhooks/rb2b', valid: () => SAMPLES.rb2b(), invalid: { ...SAMPLES.rb2b(), 'Captured URL': null }, failing: 'Captured URL' },
  { path: '/webhooks/instantly', valid: () => SAMPLES.instantly(), invalid: { ...SAMPLES.instantly(), lead_email: 'not-an-email' }, failing: 'lead_email' },
] as const;

/** The webhook body parser's nesting limit (the outer object or array is level 1). */
const MAX_DEPTH = 64;

/** JSON text `levels` deep: `[[…]]` or `{"a":{"a":…}}`. */
function nested(levels: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(levels)}${']'.repeat(levels)}` : `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
}

/** A body's JSON with one more field whose value is the given raw JSON text. */
function withExtra(body: object, rawValue: string): string {
  return `${JSON.stringify(body).slice(0, -1)},"extra":${rawValue}}`;
}

describe('webhook routes over real HTTP', () => {
  for (const route of ROUTES) {
    describe(route.path, () => {
      it('accepts a valid body once (202), answers a redelivery as a duplicate (200) and queues one job', async () => {
        app = await startWebhookApp('wh-valid');
        await app.harness.ctx.store.createLead(pipelineLead(LEAD_REF));
        const first = await app.post(route.path, route.valid());
        expect(first.status, JSON.stringify(first.json)).toBe(202);
        expect(first.json.status).toBe('accepted');
        const again = await app.post(route.path, route.valid());
        expect(again.status).toBe(200);
        expect(again.json.status).toBe('duplicate');
        const counts = await app.harness.ctx.webhookQueue.queue.getJobCounts('waiting', 'delayed', 'active', 'completed');
        expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1);
      });

      it('refuses a missing or wrong secret with 401 and stores nothing', async () => {
        app = await startWebhookApp('wh-secret');
        const before = await app.keys();
        const none = await app.post(route.path, route.valid(), { secret: null });
        expect(none.status).toBe(401);
        const wrong = await app.post(route.path, route.valid(), { secret: `${TEST_SECRET}x` });
        expect(wrong.status).toBe(401);
        const short = await app.post(route.path, route.valid(), { secret: 'x' });
        expect(short.status).toBe(401);
        expect(await app.keys()).toEqual(before);
      });

      it('accepts the secret as ?token= (RB2B cannot send headers)', async () => {
        app = await startWebhookApp('wh-token');
        await app.harness.ctx.store.createLead(pipelineLead(LEAD_REF));
        const res = await fetch(`${app.baseUrl}${route.path}?token=${encodeURIComponent(TEST_SECRET)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(route.valid()),
        });
        expect(res.status).toBe(202);
        expect(res.headers.get('x-request-id')).toMatch(/.+/);
      });

      it('answers 413 to a body over 1 MB, 400 to non-JSON and 422 naming the failing field; stores nothing', async () => {
        app = await startWebhookApp('wh-bad');
        const before = await app.keys();
        const big = await app.post(route.path, null, { raw: JSON.stringify({ ...route.valid(), pad: 'x'.repeat(1024 * 1024 + 10) }) });
        expect(big.status).toBe(413);
        const notJson = await app.post(route.path, null, { raw: 'event_type=email_sent&lead_email=a@b.c' });
        expect(notJson.status).toBe(400);
        const scalar = await app.post(route.path, null, { raw: '"just a string"' });
        expect(scalar.status).toBe(400);
        const invalid = await app.post(route.path, route.invalid);
        expect(invalid.status).toBe(422);
        const paths = (invalid.json.issues as { path: string }[]).map((i) => i.path);
        expect(paths).toContain(route.failing);
        expect(await app.keys()).toEqual(before);
      });

      it(`refuses a body nested deeper than ${MAX_DEPTH} levels with 400 before parsing, and accepts one exactly at the limit`, async () => {
        app = await startWebhookApp('wh-deep');
        await app.harness.ctx.store.createLead(pipelineLead(LEAD_REF));
        const before = await app.keys();
        const depthError = { error: `body nested deeper than ${MAX_DEPTH} levels` };
        // A valid event with one extra field 10,000 levels deep (arrays, then objects).
        const arrays = await app.post(route.path, null, { raw: withExtra(route.valid(), nested(10_000, 'array')) });
        expect(arrays.status).toBe(400);
        expect(arrays.json).toEqual(depthError);
        const objects = await app.post(route.path, null, { raw: withExtra(route.valid(), nested(10_000, 'object')) });
        expect(objects.status).toBe(400);
        expect(objects.json).toEqual(depthError);
        // One level over the limit (the outer object is level 1).
        const over = await app.post(route.path, null, { raw: withExtra(route.valid(), nested(MAX_DEPTH, 'array')) });
        expect(over.status).toBe(400);
        expect(over.json).toEqual(depthError);
        expect(await app.keys()).toEqual(before);
        expect(await app.harness.ctx.webhookQueue.queue.count()).toBe(0);
        // Brackets inside strings (escaped quotes and backslashes too) are not nesting.
        const stringy = { ...route.valid(), note: `\\"${'[{'.repeat(5_000)}\\` };
        const inString = await app.post(route.path, null, { raw: withExtra(stringy, nested(MAX_DEPTH - 1, 'object')) });
        expect(inString.status, JSON.stringify(inString.json)).toBe(202);
        // Exactly at the limit: accepted (a redelivery of the same event, so a duplicate).
        const atLimit = await app.post(route.path, null, { raw: withExtra(route.valid(), nested(MAX_DEPTH - 1, 'array')) });
        expect(atLimit.status, JSON.stringify(atLimit.json)).toBeLessThan(300);
        expect(['accepted', 'duplicate']).toContain(atLimit.json.status);
      });
    });
  }

  it('refuses every webhook with 503 when WEBHOOK_SECRET is not configured (deny by default)', async () => {
    app = await startWebhookApp('wh-nosecret', { env: { WEBHOOK_SECRET: '' } });
    for (const route of ROUTES) {
      const res = await app.post(route.path, route.valid());
      expect(res.status, route.path).toBe(503);
      expect(String(res.json.error)).toMatch(/WEBHOOK_SECRET/);
    }
  });

  it('answers 404 to a pipeline callback for an unknown lead_id or visitor_id', async () => {
    app = await startWebhookApp('wh-404');
    const lead = await app.post('/webhooks/clay', { source: 'caio_pipeline', lead_id: 'run_20261127_101500_abcdef-nobody', email: 'x@y.example' });
    expect(lead.status).toBe(404);
    const legacy = await app.post('/api/clay-callback', { lead_id: 'run_20261127_101500_abcdef-nobody' });
    expect(legacy.status).toBe(404);
    const visitor = await app.post('/webhooks/clay', { visitor_id: 'v_0123456789abcdef0123', email: 'x@y.example' });
    expect(visitor.status).toBe(404);
    const neither = await app.post('/webhooks/clay', { source: 'somewhere', first_name: 'No identity' });
    expect(neither.status).toBe(422);
  });

  it('serves /metrics in Prometheus text with webhook counts by route and status and job gauges', async () => {
    app = await startWebhookApp('wh-metrics');
    const shadow = { leadRef: 'r-1', runId: 'r', step: 1, to: 'a@b.example', subject: 's', body: 'b', approvedBy: 'U1', contentHash: 'h', recordedAt: new Date().toISOString() };
    await app.harness.ctx.gate.recordShadow(shadow);
    await app.post('/webhooks/instantly', SAMPLES.instantly());
    await app.post('/webhooks/instantly', SAMPLES.instantly(), { secret: null });
    const res = await fetch(`${app.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/caio_webhook_requests_total\{route="instantly",status="202"\} 1/);
    expect(text).toMatch(/caio_webhook_requests_total\{route="instantly",status="401"\} 1/);
    expect(text).toMatch(/caio_jobs\{stage="webhooks",state="waiting"\} 1/);
    expect(text).toMatch(/caio_jobs\{stage="send",state="waiting"\} 0/);
    expect(text).toMatch(/caio_breaker_state\{provider="clay"\} 0/);
    // Read from Redis at scrape time, so sends by worker processes count too.
    expect(text).toMatch(/^caio_shadow_emails 1$/m);
    expect(text).toMatch(/^caio_sends_today 0$/m);
    expect(text).toMatch(/^caio_send_cap_today 0$/m);
  });
});
