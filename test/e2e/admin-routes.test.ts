import type { NextFunction, Request, Response } from 'express';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { adminAccess } from '../../src/admin/access.ts';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/core/redis.ts';
import { SAMPLES, startWebhookApp, type WebhookApp } from '../helpers/webhook-app.ts';

// Health probes, /metrics and the queue view over real HTTP, and the per-IP webhook rate limit.

const TOKEN = 'admin-token-0123456789abcdef';
let app: WebhookApp | undefined;
let redisServer: EmbeddedRedis | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await redisServer?.stop();
  redisServer = undefined;
});

describe('/livez and /readyz', () => {
  it('/livez answers without Redis; /readyz is 503 while Redis is down and 200 once it is back', async () => {
    redisServer = await startEmbeddedRedis();
    const port = redisServer.port;
    app = await startWebhookApp('admin-probes', { redisUrl: redisServer.url });
    const get = async (path: string) => {
      const res = await fetch(`${app!.baseUrl}${path}`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await get('/livez')).toEqual({ status: 200, body: { ok: true } });
    expect(await get('/readyz')).toEqual({ status: 200, body: { ok: true, redis: 'up' } });

    await redisServer.stop();
    const started = Date.now();
    expect(await get('/readyz')).toEqual({ status: 503, body: { ok: false, redis: 'down' } });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await get('/livez')).toEqual({ status: 200, body: { ok: true } });
    // /healthz keeps its own report.
    expect((await get('/healthz')).status).toBe(503);

    redisServer = await startEmbeddedRedis({ port });
    const deadline = Date.now() + 20_000;
    let ready = await get('/readyz');
    while (ready.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await get('/readyz');
    }
    expect(ready).toEqual({ status: 200, body: { ok: true, redis: 'up' } });
  });
});

describe('ADMIN_TOKEN set', () => {
  it('/metrics needs the token (Bearer or ?token=); a wrong or missing one is 401', async () => {
    app = await startWebhookApp('admin-metrics', { env: { ADMIN_TOKEN: TOKEN } });
    const metrics = (init: RequestInit = {}, query = '') => fetch(`${app!.baseUrl}/metrics${query}`, init);
    const missing = await metrics();
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect((await metrics({ headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await metrics({}, '?token=wrong')).status).toBe(401);
    const bearer = await metrics({ headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bearer.status).toBe(200);
    expect(await bearer.text()).toContain('caio_webhook_requests_total');
    expect((await metrics({}, `?token=${TOKEN}`)).status).toBe(200);
  });

  it('the queue view at /admin/queues: 401 without the token; ?token= opens it and its cookie lets the page call the API', async () => {
    app = await startWebhookApp('admin-queues', { env: { ADMIN_TOKEN: TOKEN } });
    const base = `${app.baseUrl}/admin/queues`;
    expect((await fetch(base)).status).toBe(401);
    expect((await fetch(`${base}/api/queues`)).status).toBe(401);

    const page = await fetch(`${base}?token=${TOKEN}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('CAIO queues');
    const cookie = page.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^caio_admin=[0-9a-f]{64}; Path=\/admin\/queues; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(TOKEN);

    const api = await fetch(`${base}/api/queues`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(expect.arrayContaining(['scrape', 'enrich', 'segment', 'craft', 'approve', 'send', 'webhooks', 'slack-outbox']));
    expect((await fetch(`${base}/api/queues`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${base}/api/queues`, { headers: { cookie: 'caio_admin=0000' } })).status).toBe(401);
  });
});

describe('ADMIN_TOKEN unset', () => {
  it('there is no queue view, and /metrics answers a loopback client', async () => {
    app = await startWebhookApp('admin-open');
    expect((await fetch(`${app.baseUrl}/admin/queues`)).status).toBe(404);
    const metrics = await fetch(`${app.baseUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('caio_jobs');
  });

  it('/metrics refuses a client that is not on loopback (its socket address, whatever X-Forwarded-For says)', () => {
    // This machine's only test traffic goes to loopback, so the remote client is a request object.
    const guard = adminAccess(undefined, '/metrics');
    const call = (remoteAddress: string) => {
      const res = { statusCode: 200, body: undefined as unknown, status(code: number) { this.statusCode = code; return this; }, json(b: unknown) { this.body = b; return this; } };
      let passed = false;
      const req = { socket: { remoteAddress }, get: (h: string) => (h === 'x-forwarded-for' ? '127.0.0.1' : undefined), query: {} };
      guard(req as unknown as Request, res as unknown as Response, (() => (passed = true)) as NextFunction);
      return { passed, status: res.statusCode, body: res.body };
    };
    expect(call('203.0.113.7')).toEqual({ passed: false, status: 403, body: { error: '/metrics answers only loopback clients while ADMIN_TOKEN is unset' } });
    expect(call('::ffff:10.1.2.3').passed).toBe(false);
    for (const loopback of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) expect(call(loopback).passed).toBe(true);
  });
});

describe('webhook rate limit per client address', () => {
  it('past webhooks.rate_limit.max in a window: 429 with Retry-After, nothing stored; another address still passes', async () => {
    app = await startWebhookApp('admin-ratelimit', { settings: { webhooks: { rate_limit: { max: 3, per_ms: 60_000, proxy_hops: 1 } } } });
    const from = (ip: string, id: string) => app!.post('/webhooks/instantly', SAMPLES.instantly({ email_id: id }), { headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 3; i++) expect((await from('198.51.100.1', `e${i}`)).status).toBe(202);
    const keysBefore = await app.keys();
    const limited = await app.post('/webhooks/instantly', SAMPLES.instantly({ email_id: 'e3' }), { headers: { 'x-forwarded-for': '198.51.100.1' } });
    expect(limited.status).toBe(429);
    expect(limited.json.error).toMatch(/^rate limit: at most 3 webhook requests per 60 s from one address; retry after \d+ s$/);
    // Even a request without the secret is counted and refused before the secret is looked at.
    expect((await app.post('/webhooks/rb2b', SAMPLES.rb2b(), { secret: null, headers: { 'x-forwarded-for': '198.51.100.1' } })).status).toBe(429);
    const res = await fetch(`${app.baseUrl}/webhooks/instantly`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.1' }, body: '{}' });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await app.keys()).toEqual(keysBefore);
    expect((await from('198.51.100.2', 'e9')).status).toBe(202);
    // The count lives in Redis with the window's expiry, so every web replica shares it.
    const redis = new Redis(app.harness.config.env.REDIS_URL!);
    const [counter] = await redis.keys(`${app.harness.prefix}:wh:ratelimit:198.51.100.1:*`);
    expect(Number(await redis.get(counter!))).toBe(6);
    expect(await redis.pttl(counter!)).toBeGreaterThan(0);
    redis.disconnect();
  });
});
