/**
 * The LLM crafter's throughput (issue 13): LEADS scored leads through the craft stage (BullMQ
 * workers, the crafter on, every answer grounded) against a fake Anthropic Messages API on
 * 127.0.0.1 that takes 800 ms per answer, with the `llm` rate limit below. Compared with (1) the
 * ideal wall time that limit allows and (2) a bare baseline measured in the same run: the same
 * requests made straight with undici, paced by an in-process scheduler at the same limit (no
 * Redis, no queue, no breaker, no validation). Target: CAIO >= 0.9 of the ideal throughput, every
 * lead written by the model, none lost.
 */
import { randomBytes } from 'node:crypto';
import { Agent } from 'undici';
import { pacer } from './pacer.ts';
import { buildConfig } from '../src/core/config.ts';
import { buildPrompt, loadPrompts } from '../src/core/crafter-prompt.ts';
import { deleteByPrefix } from '../src/core/keys.ts';
import { createLogger } from '../src/core/logger.ts';
import { createRedis, startEmbeddedRedis } from '../src/core/redis.ts';
import type { IcpScore, Lead } from '../src/core/types.ts';
import { createContext } from '../src/context.ts';
import { newRunId } from '../src/jobs/runs.ts';
import { startPipelineWorkers } from '../src/jobs/workers.ts';
import { startFakeLlm } from '../test/fakes/llm.ts';

const LEADS = Number(process.env.BENCH_LEADS ?? 300);
const LATENCY_MS = 800;
const LIMIT = { max: 25, per_ms: 1_000 };
const CONCURRENCY = 60;
const TARGET = 0.9;
const API_KEY = 'bench-llm-key';

const icp: IcpScore = { score: 80, tier: 'A', components: [{ name: 'title', points: 30, max: 30, reason: 'Sales leadership title (VP Sales)' }] };
const names = ['Ava', 'Liam', 'Priya', 'Mateo', 'Aoife', 'Kwame', 'Mei', 'Noah'];
const companies = ['Acme Analytics', 'Northwind Cloud', 'Globex Payments', 'Initech', 'Hooli Labs'];

function lead(runId: string, i: number): Lead {
  return {
    id: `b${i}`, ref: `${runId}-b${i}`, runId, source: 'default', state: 'segmented', updated_at: new Date().toISOString(), providers: 'sandbox',
    first_name: names[i % names.length] ?? null, last_name: `Lee${i}`, title: 'VP Sales', seniority: 'vp', email: `lead${i}@example.com`, email_status: 'verified',
    linkedin_url: null, company_name: companies[i % companies.length] ?? null, company_domain: 'example.com', industry: 'Computer Software', employee_count: 200, signals: ['hiring_sdrs'], icp,
  };
}

/** The best a perfect client could do: the first `max` requests at once, then `max` per window, plus the last answer's latency. */
function idealSeconds(): number {
  return (Math.max(0, LEADS - LIMIT.max) / LIMIT.max) * (LIMIT.per_ms / 1000) + LATENCY_MS / 1000;
}

async function bare(): Promise<{ seconds: number; answered: number }> {
  const fake = await startFakeLlm({ apiKey: API_KEY, latencyMs: LATENCY_MS });
  const agent = new Agent({ connections: 128 });
  const slot = pacer(LIMIT);
  const config = buildConfig({});
  const prompts = loadPrompts('config/prompts');
  let answered = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: LEADS }, async (_, i) => {
      const { system, user } = buildPrompt({ lead: lead('run_bare', i), icp, prompts, maxBody: config.crafter.max_body_chars }, 'full');
      await slot();
      const res = await agent.request({
        origin: fake.url,
        path: '/v1/messages',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: config.crafter.model, max_tokens: config.crafter.max_tokens, system, messages: [{ role: 'user', content: user }] }),
      });
      await res.body.json();
      if (res.statusCode === 200) answered++;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await agent.close();
  await fake.close();
  return { seconds, answered };
}

async function caio(url: string): Promise<{ seconds: number; model: number; template: number; flagged: number; crafted: number; calls: number }> {
  const fake = await startFakeLlm({ apiKey: API_KEY, latencyMs: LATENCY_MS });
  const prefix = `caio-bench-crafter-${randomBytes(3).toString('hex')}`;
  const config = buildConfig(
    {
      // No auto-approve: the approve stage only records the approvals, so the craft stage has the machine.
      safety: { auto_approve: false },
      pipeline: { concurrency: CONCURRENCY, attempts: 3, backoff_ms: 100 },
      providers: { limits: { llm: LIMIT } },
      crafter: { budget: { daily_tokens: null, daily_usd: null }, timeout_ms: 10_000 },
    },
    { CAIO_REDIS_PREFIX: prefix, REDIS_URL: url, LLM_API_KEY: API_KEY, LLM_BASE_URL: fake.url },
  );
  const redis = createRedis(url);
  const ctx = createContext({ config, logger: createLogger('silent'), redis });
  const runId = newRunId();
  await ctx.store.createRun({ id: runId, source: 'default', limit: LEADS, started_by: 'bench', providers: 'sandbox' });
  await ctx.store.setRunFields(runId, { total: LEADS });
  const leads = Array.from({ length: LEADS }, (_, i) => lead(runId, i));
  for (const l of leads) await ctx.store.createLead(l);
  const workers = startPipelineWorkers(ctx);
  const started = performance.now();
  await ctx.queues.addLeadJobs('craft', leads.map((l) => ({ runId, ref: l.ref })));
  const deadline = Date.now() + 180_000;
  let run = await ctx.store.getRun(runId);
  while (run && run.stages.craft.out + run.stages.craft.errors < LEADS && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    run = await ctx.store.getRun(runId);
  }
  const seconds = (performance.now() - started) / 1000;
  const crafted = await Promise.all(leads.map((l) => ctx.store.getLead(l.ref)));
  const result = {
    seconds,
    crafted: run?.stages.craft.out ?? 0,
    model: crafted.filter((l) => l?.craft?.author === 'model').length,
    flagged: crafted.filter((l) => l?.craft?.grounded === false).length,
    template: crafted.filter((l) => l?.craft?.author === 'template').length,
    calls: fake.calls.length,
  };
  await workers.close();
  await ctx.close();
  await deleteByPrefix(redis, prefix);
  redis.disconnect();
  await fake.close();
  return result;
}

const embedded = process.env.REDIS_URL ? null : await startEmbeddedRedis();
const url = process.env.REDIS_URL ?? embedded?.url ?? '';
try {
  const ideal = idealSeconds();
  const base = await bare();
  const run = await caio(url);
  const line = (name: string, seconds: number) => process.stdout.write(`${name.padEnd(52)} ${seconds.toFixed(2).padStart(8)} s ${(LEADS / seconds).toFixed(1).padStart(8)} leads/s\n`);
  process.stdout.write(`${LEADS} leads, ${LATENCY_MS} ms per model answer, llm limit ${LIMIT.max}/${LIMIT.per_ms} ms, craft concurrency ${CONCURRENCY}\n`);
  line('ideal the rate limit allows', ideal);
  line('bare baseline (undici + in-process pacing)', base.seconds);
  line('CAIO craft stage (queue, Redis limit, checks)', run.seconds);
  const ratio = ideal / run.seconds;
  process.stdout.write(`bare baseline / ideal: ${(ideal / base.seconds).toFixed(2)}; answered ${base.answered}/${LEADS}\n`);
  process.stdout.write(`CAIO / bare baseline throughput: ${(base.seconds / run.seconds).toFixed(2)}\n`);
  process.stdout.write(`CAIO / ideal throughput: ${ratio.toFixed(2)} (target >= ${TARGET}) ${ratio >= TARGET ? 'OK' : 'BELOW TARGET'}\n`);
  const lost = LEADS - run.crafted;
  process.stdout.write(`crafted ${run.crafted}/${LEADS}: model ${run.model} (${run.flagged} flagged), template ${run.template}; model calls ${run.calls}; leads lost ${lost} ${lost === 0 && run.model === LEADS ? 'OK' : 'CHECK'}\n`);
  if (ratio < TARGET || lost !== 0 || run.model !== LEADS) process.exitCode = 1;
} finally {
  await embedded?.stop();
}
