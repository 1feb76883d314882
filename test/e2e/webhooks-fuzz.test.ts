import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysUnder, pipelineLead, SAMPLES, startWebhookApp, TEST_SECRET, type WebhookApp } from '../helpers/webhook-app.ts';

const RUNS = 2_000;
const LEAD_REF = 'run_20261127_101500_abcdef-fz1';

let app: WebhookApp;
beforeAll(async () => {
  // No worker: accepted jobs stay queued, so the queue's size says exactly what was stored.
  app = await startWebhookApp('wh-fuzz');
  await app.harness.ctx.store.createLead(pipelineLead(LEAD_REF));
});
afterAll(async () => {
  await app.close();
});

/** Random JSON, a valid body with fields dropped or replaced by random values, or bytes that are not JSON. */
function bodies(sample: Record<string, unknown>): fc.Arbitrary<string> {
  const keys = Object.keys(sample);
  const mutated = fc
    .record({
      drop: fc.subarray(keys),
      set: fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 12 })), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    })
    .map(({ drop, set }) => {
      const body: Record<string, unknown> = { ...sample };
      for (const k of drop) delete body[k];
      return JSON.stringify(Object.assign(body, set));
    });
  const truncated = fc.nat({ max: 200 }).map((n) => JSON.stringify(sample).slice(0, n));
  return fc.oneof(
    { arbitrary: mutated, weight: 5 },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'), weight: 2 },
    { arbitrary: truncated, weight: 1 },
    { arbitrary: fc.string({ maxLength: 200, unit: 'binary' }), weight: 1 },
  );
}

const ROUTES: { path: string; sample: Record<string, unknown> }[] = [
  { path: '/webhooks/clay', sample: { source: 'caio_pipeline', lead_id: LEAD_REF, ...SAMPLES.clayVisitor() } },
  { path: '/api/clay-callback', sample: { lead_id: LEAD_REF, email: 'ada@engines.example', email_status: 'valid' } },
  { path: '/webhooks/rb2b', sample: SAMPLES.rb2b() },
  { path: '/webhooks/instantly', sample: SAMPLES.instantly() },
];

async function queued(): Promise<number> {
  const counts = await app.harness.ctx.webhookQueue.queue.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed');
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

describe('webhook fuzzing', () => {
  for (const route of ROUTES) {
    it(`${route.path}: ${RUNS} random and mutated bodies never get a 5xx, and a refused body stores nothing`, async () => {
      const seen: Record<number, number> = {};
      let accepted = 0;
      const seenBefore = (await keysUnder(app.harness.redis, app.harness.prefix)).filter((k) => k.includes(':wh:seen:')).length;
      await fc.assert(
        fc.asyncProperty(bodies(route.sample), async (raw) => {
          const before = await queued();
          const res = await fetch(`${app.baseUrl}${route.path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-webhook-secret': TEST_SECRET }, body: raw });
          await res.arrayBuffer();
          seen[res.status] = (seen[res.status] ?? 0) + 1;
          expect(res.status, raw.slice(0, 200)).toBeLessThan(500);
          const after = await queued();
          if (res.status === 202) {
            accepted++;
            expect(after).toBe(before + 1);
          } else {
            expect(after, `status ${res.status} stored a job for ${raw.slice(0, 200)}`).toBe(before);
          }
        }),
        { numRuns: RUNS, seed: 20261128 },
      );
      // One idempotency marker per accepted event, none for anything refused.
      const seenAfter = (await keysUnder(app.harness.redis, app.harness.prefix)).filter((k) => k.includes(':wh:seen:')).length;
      expect(seenAfter - seenBefore).toBe(accepted);
      // The mix really exercised both sides.
      expect(Object.keys(seen).some((s) => Number(s) >= 400)).toBe(true);
    });
  }
});
