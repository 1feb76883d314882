import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/core/redis.ts';
import { eventually, startWebhookApp, type WebhookApp } from '../helpers/webhook-app.ts';

let app: WebhookApp | undefined;
let redisServer: EmbeddedRedis | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await redisServer?.stop();
  redisServer = undefined;
});

async function health(a: WebhookApp): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${a.baseUrl}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: Date.now() - started };
}

describe('/healthz on a private Redis', () => {
  it('is 200 with queue depths, emergency and breaker states; 503 quickly while Redis is stopped; 200 again once it is back', async () => {
    // Its own redis-server, so stopping it cannot disturb any other test.
    redisServer = await startEmbeddedRedis();
    const port = redisServer.port;
    app = await startWebhookApp('wh-health', { redisUrl: redisServer.url });

    const up = await health(app);
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ ok: true, redis: 'up', emergency: { stopped: false } });
    expect(Object.keys(up.body.queues as object)).toEqual(['scrape', 'enrich', 'segment', 'craft', 'approve', 'send', 'webhooks']);
    expect(up.body.breakers).toEqual({ apollo: 'closed', clay: 'closed', bettercontact: 'closed', instantly: 'closed', ghl: 'closed', heyreach: 'closed', llm: 'closed' });

    await redisServer.stop();
    const down = await health(app);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ ok: false, redis: 'down' });
    // Answered, not hung: the ping is raced against a one-second timeout.
    expect(down.ms).toBeLessThan(3_000);
    // Webhooks answer 503 too rather than hanging while the queue is unreachable.
    const webhook = await app.post('/webhooks/instantly', { event_type: 'email_opened', lead_email: 'a@x.example', email_id: 'e1' });
    expect(webhook.status).toBe(503);
    const clay = await app.post('/webhooks/clay', { source: 'caio_pipeline', lead_id: 'run_20261127_101500_abcdef-p1', email: 'a@x.example' });
    expect(clay.status).toBe(503);

    redisServer = await startEmbeddedRedis({ port });
    const back = await eventually(async () => {
      const h = await health(app!);
      return h.status === 200 ? h : null;
    }, 20_000, '/healthz back to 200');
    expect(back.body).toMatchObject({ ok: true, redis: 'up' });
  });
});
