import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startRun } from '../../src/jobs/runs.ts';
import { createHttpApp, listen } from '../../src/server.ts';
import { startWebhookWorker, type WebhookWorker } from '../../src/webhooks/worker.ts';
import { createLiveHarness, FAKE_KEYS, FAST_LIVE, fakePeople, until, waitForRun, type LiveHarness } from '../helpers/live-harness.ts';
import { SAMPLES } from '../helpers/webhook-app.ts';

// Nothing an attacker or a log aggregator could use leaves through the service's own output: a
// live-mode run against the fake providers (sending, every enrichment tier, webhooks in, a wrong
// secret, a bad body), then every log line at trace level, /metrics and /healthz are searched for
// the API keys, the webhook secret, the admin token and every lead's address.

const WEBHOOK_SECRET = 'whsec-SECRET-5c0f9e2a71';
const ADMIN_TOKEN = 'admin-SECRET-93b1d04e6f';
const WRONG_SECRET = 'guess-SECRET-77aa10';
const TIERS = ['apollo', 'clay', 'bettercontact', 'none'] as const;

let h: LiveHarness | undefined;
let server: Server | undefined;
let webhookWorker: WebhookWorker | undefined;
afterEach(async () => {
  await webhookWorker?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await h?.close();
  h = webhookWorker = server = undefined;
});

describe('no secret and no lead address in logs, /metrics or /healthz', () => {
  it('after a sending live run, webhooks in (right and wrong secret, bad body) and scrapes', { timeout: 90_000 }, async () => {
    const { people, clayEmails, bcEmails } = fakePeople(12, (i) => TIERS[i % 4] ?? 'none');
    h = await createLiveHarness({
      name: 'no-secrets',
      people,
      betterContactEmails: bcEmails,
      clayAnswer: (row) => ({ email: clayEmails.get(String(row.lead_id).split('-').pop() ?? '') ?? null }),
      settings: { ...FAST_LIVE, safety: { shadow_mode: false, actually_send: true, max_daily_sends: 100, auto_approve: true, send_rate_per_minute: 100_000 } },
      env: { WEBHOOK_SECRET, ADMIN_TOKEN },
      logLevel: 'trace',
    });
    h.startWorkers();
    webhookWorker = startWebhookWorker(h.ctx, { concurrency: 5 });
    server = await listen(createHttpApp(h.ctx), 0, '127.0.0.1');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const { runId } = await startRun(h.ctx, { source: 'default', limit: 12, startedBy: 'test' });
    const run = await waitForRun(h, runId);
    expect(run.status).toBe('completed');
    const sent = [...(h.fakes.instantly.campaigns.values().next().value?.keys() ?? [])];
    expect(sent.length).toBeGreaterThan(0);

    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then((r) => r.status);
    // The secret in the query string (as RB2B sends it) and in the header; a wrong one; a bad body.
    expect(await post(`/webhooks/instantly?token=${WEBHOOK_SECRET}`, SAMPLES.instantly({ event_type: 'email_sent', lead_email: sent[0], email_id: 'sent-1' }))).toBe(202);
    expect(await post('/webhooks/instantly', SAMPLES.instantly({ event_type: 'reply_received', lead_email: sent[1] ?? sent[0], email_id: 'reply-1', reply_text_snippet: 'Sounds good' }), { 'x-webhook-secret': WEBHOOK_SECRET })).toBe(202);
    expect(await post('/webhooks/rb2b', SAMPLES.rb2b({ 'Business Email': sent[0] }), { 'x-webhook-secret': WEBHOOK_SECRET })).toBe(202);
    expect(await post(`/webhooks/instantly?token=${WRONG_SECRET}`, SAMPLES.instantly({ lead_email: sent[0] }))).toBe(401);
    expect(await post('/webhooks/instantly', { event_type: 42, lead_email: sent[0] }, { 'x-webhook-secret': WEBHOOK_SECRET })).toBe(422);
    await until(async () => (await h!.ctx.webhookQueue.queue.getJobCounts('waiting', 'active')).waiting === 0, 20_000);
    await new Promise((r) => setTimeout(r, 300));

    const metrics = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(metrics.status).toBe(200);
    const metricsText = await metrics.text();
    expect(metricsText).toContain('caio_webhook_requests_total');
    const healthText = await (await fetch(`${base}/healthz`)).text();
    expect(healthText).toContain('"redis":"up"');

    const leads = await Promise.all((await h.ctx.store.runLeadRefs(runId)).map((ref) => h!.ctx.store.getLead(ref)));
    const emails = [...new Set([...people.map((p) => p.email), ...clayEmails.values(), ...Object.values(bcEmails), ...leads.map((l) => l?.email)].filter((e): e is string => Boolean(e)))];
    expect(emails.length).toBeGreaterThanOrEqual(9);
    const secrets = [...Object.values(FAKE_KEYS), WEBHOOK_SECRET, ADMIN_TOKEN, WRONG_SECRET];
    // Enough was logged to mean something: every stage, the webhooks and the refused request.
    expect(h.logLines.length).toBeGreaterThan(50);
    expect(h.logLines.some((l) => l.includes('webhook refused: missing or wrong secret'))).toBe(true);
    const outputs = { metrics: metricsText, healthz: healthText, ...Object.fromEntries(h.logLines.map((l, i) => [`log line ${i}`, l])) };
    const found: string[] = [];
    for (const [where, text] of Object.entries(outputs)) {
      const lower = text.toLowerCase();
      for (const s of secrets) if (text.includes(s)) found.push(`${where}: ${s}`);
      for (const e of emails) if (lower.includes(e.toLowerCase())) found.push(`${where}: ${e}`);
    }
    expect(found).toEqual([]);
  });
});
