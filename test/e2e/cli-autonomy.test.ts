import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/core/config.ts';
import { deleteByPrefix } from '../../src/core/keys.ts';
import { createLogger } from '../../src/core/logger.ts';
import { utcDay } from '../../src/core/days.ts';
import { createSegmentKpis } from '../../src/core/segment-kpis.ts';
import { createContext } from '../../src/context.ts';
import { createAnnealing } from '../../src/jobs/autonomy-anneal.ts';
import { seedLead, syntheticOutcomes } from '../helpers/autonomy-seed.ts';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/harness.ts';
import { spawnCaio } from '../helpers/worker-process.ts';

const prefix = uniquePrefix('cli-autonomy');
const env = { REDIS_URL: TEST_REDIS_URL, CAIO_REDIS_PREFIX: prefix };
const dir = mkdtempSync(join(tmpdir(), 'caio-report-'));

afterAll(async () => {
  const redis = new Redis(TEST_REDIS_URL);
  await deleteByPrefix(redis, prefix);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

async function caio(...args: string[]) {
  const p = spawnCaio(args, env);
  const code = await p.exited;
  return { code, out: p.output() };
}

describe('caio autonomy, caio anneal, caio report', () => {
  it('prints the gate table, writes the report, and reverts applied weights', { timeout: 90_000 }, async () => {
    const table = await caio('autonomy');
    expect(table.code).toBe(1); // not every gate passes
    expect(table.out).toContain('Autonomy score 0/100 · 0 of 7 gates pass');
    expect(table.out).toMatch(/production runs with real sends\s+0\s+>= 10\s+0 runs\s+not enough data \(0\/10\)/);
    expect(table.out).toMatch(/open rate\s+-\s+>= 50\.0%\s+0 sends\s+not enough data \(0\/100\)/);
    expect(table.out).toContain('No segment has decisions yet.');

    const file = join(dir, 'report.html');
    const report = await caio('report', '--out', file);
    expect(report.code).toBe(0);
    expect(report.out.trim()).toBe(file);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('<svg class="chart" data-chart="funnel"');
    expect(html).toContain('Graduation gates');
    expect((await caio('anneal', '--revert')).out).toContain('no applied weight proposal to revert');

    // Outcomes where signals predict replies, a proposal applied in Slack: the CLI reverts it.
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const ctx = createContext({ config: buildConfig({}, env), logger: createLogger('silent'), redis });
    try {
      const kpis = createSegmentKpis(ctx.redis, ctx.keys);
      const at = new Date(Date.now() - 86_400_000);
      await Promise.all(
        syntheticOutcomes().map(async (o, n) => {
          await seedLead(ctx, { ref: o.ref, runId: 'run_20260101_000000_aaaaaa', segment: o.segment, email: `${o.ref}@example.com`.toLowerCase(), features: o.features, at });
          await kpis.recordEmailEvent({ eventId: `s${n}`, segment: o.segment, metric: 'sent', day: utcDay(at), campaignId: null, ref: o.ref });
          if (o.replied) await kpis.recordEmailEvent({ eventId: `r${n}`, segment: o.segment, metric: 'replied', day: utcDay(at), campaignId: null, ref: o.ref });
        }),
      );
      const proposed = await caio('anneal');
      expect(proposed.code).toBe(0);
      expect(proposed.out).toMatch(/signals\s+10 → 12/);
      const id = /proposed: (ap_[a-f0-9]{16})/.exec(proposed.out)![1]!;
      expect((await createAnnealing(ctx).apply(id, 'UAPPROVER1')).kind).toBe('done');
      ctx.policy.invalidate();
      expect((await ctx.policy.icp())!.weights.signals).toBe(12);
    } finally {
      await ctx.close();
      redis.disconnect();
    }
    const reverted = await caio('anneal', '--revert');
    expect(reverted.code).toBe(0);
    expect(reverted.out).toContain('ICP weights restored to {"title":30,"seniority":20,"industry":20,"company_size":20,"signals":10}');
    const shown = await caio('config', 'show');
    expect(shown.out).toContain('"signals": 10');
    expect(shown.out).toContain('"version": 3');
  });
});
