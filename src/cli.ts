import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './core/config.ts';
import { createLogger, type Logger } from './core/logger.ts';
import type { Run, StageStats } from './core/store.ts';
import { STAGES, type Stage } from './core/types.ts';
import { formatCreditUsage, getCreditUsage } from './providers/credits.ts';
import { assertLiveConfig, createLiveProviders } from './providers/live.ts';
import { createSlackNotifier } from './bot/outbox.ts';
import { createContext, type AppContext } from './context.ts';
import { resumeEverything, stopEverything } from './jobs/control.ts';
import { applyAssignments, changePolicy, describeChanges } from './jobs/policy-change.ts';
import { parseRunRequest, RunRequestError, startRun } from './jobs/runs.ts';
import { startPipelineWorkers } from './jobs/workers.ts';
import { checkHealth } from './health.ts';
import { openRedis, type RedisHandle } from './runtime.ts';

export const CLI_COMMANDS = ['run', 'status', 'stop', 'resume', 'approve', 'reject', 'pending', 'audit', 'shadow', 'config', 'help'] as const;

const HELP = `Usage: caio <command> [options]

  caio run --sandbox [--source S] [--leads N]   run the pipeline in this terminal and print the stage table
  caio status                                    emergency state, sends today, queue depths, recent runs
  caio stop [--reason TEXT]                      EMERGENCY STOP: halt every outbound call cluster-wide
  caio resume                                    clear the stop and resume the queues
  caio pending                                   approvals waiting for a decision
  caio approve <id>  |  caio reject <id>         decide one approval (id = the lead ref)
  caio audit [--count N]                         the audit stream as JSON lines
  caio shadow                                    shadow emails as JSON lines
  caio config show                               the cluster's safety policy (version, who, when) as JSON
  caio config set PATH=VALUE... [--yes]          change it, e.g. safety.max_daily_sends=50 (--yes confirms loosening)
  caio --role web|worker|all                     start the service (default: all)

REDIS_URL selects Redis; without it a private redis-server is started and discarded on exit.`;

type Out = { log(line: string): void; error(line: string): void };
const stdout: Out = { log: (l) => process.stdout.write(`${l}\n`), error: (l) => process.stderr.write(`${l}\n`) };

function actor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** PASS / WAIT / HOLD / FAIL / — for one stage row. */
export function stageStatus(stage: Stage, stats: StageStats, run: Run): string {
  if (stats.errors > 0) return 'FAIL';
  if (stage === 'approve' && run.awaiting > 0) return 'WAIT';
  if (stage === 'send' && run.held > 0) return 'HOLD';
  if (run.status === 'stopped' && stats.in > stats.out + stats.dropped) return 'STOP';
  if (stats.in > stats.out + stats.dropped) return 'RUN';
  return 'PASS';
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The stage table: Stage | Status | In | Out | Duration, then a total line such as `6/6 PASS`. */
export function renderRunTable(run: Run): { lines: string[]; passed: number; failed: boolean } {
  const rows = STAGES.map((stage) => {
    const stats = run.stages[stage];
    return [stage, stageStatus(stage, stats, run), String(stats.in), String(stats.out), `${(stats.duration_ms / 1000).toFixed(2)}s`];
  });
  const header = ['Stage', 'Status', 'In', 'Out', 'Duration'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => pad(c, widths[i] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const passed = rows.filter((r) => r[1] === 'PASS').length;
  const failed = rows.some((r) => r[1] === 'FAIL') || run.status === 'failed';
  const lines = [line(header), rule, ...rows.map(line), '', `${passed}/${STAGES.length} ${passed === STAGES.length ? 'PASS' : failed ? 'FAIL' : 'INCOMPLETE'}`, `run id: ${run.id}  status: ${run.status}`];
  return { lines, passed, failed };
}

/** A run is settled for the terminal when nothing more will happen without a person or tomorrow. */
function settled(run: Run): boolean {
  if (run.status !== 'running') return true;
  return run.total !== null && run.terminal + run.awaiting + run.held >= run.total && run.total > 0;
}

async function withContext<T>(
  config: Config,
  logger: Logger,
  fn: (ctx: AppContext, handle: RedisHandle) => Promise<T>,
  options: { slack?: boolean } = {},
): Promise<T> {
  assertLiveConfig(config);
  const handle = await openRedis(config, logger);
  // With Slack configured, a stop or a decision made here is announced and shown in Slack too:
  // the messages go to the shared outbox, which the service's workers post.
  const slackOn = (options.slack ?? true) && config.env.SLACK_BOT_TOKEN !== undefined;
  const ctx = createContext({ config, logger, redis: handle.redis, liveProviders: createLiveProviders, ...(slackOn ? { notifier: createSlackNotifier } : {}) });
  try {
    return await fn(ctx, handle);
  } finally {
    await ctx.close();
    await handle.close();
  }
}

/** The key prefix of `caio run --sandbox`: never the service's, whatever the environment says. */
export function sandboxPrefix(servicePrefix: string): string {
  return `${servicePrefix}-sandbox`;
}

/**
 * The environment a sandbox run is configured from: sandbox providers, the sandbox config file
 * unless one is named, and a key prefix of its own, so its workers never share the service's
 * queues (a sandbox worker would auto-approve and shadow production leads; a service worker would
 * scrape sandbox leads through live Apollo). A copy: this process's environment is not changed.
 */
export function sandboxEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base = env.CAIO_REDIS_PREFIX && env.CAIO_REDIS_PREFIX.trim() !== '' ? env.CAIO_REDIS_PREFIX.trim() : 'caio';
  return {
    ...env,
    CAIO_PROVIDERS: 'sandbox',
    CAIO_CONFIG: env.CAIO_CONFIG && env.CAIO_CONFIG.trim() !== '' ? env.CAIO_CONFIG : 'config/sandbox.json',
    CAIO_REDIS_PREFIX: sandboxPrefix(base),
  };
}

async function commandRun(args: string[], out: Out): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      sandbox: { type: 'boolean', default: false },
      source: { type: 'string', default: 'default' },
      leads: { type: 'string' },
      timeout: { type: 'string', default: '600' },
    },
    strict: true,
  });
  const config = loadConfig(values.sandbox ? sandboxEnv(process.env) : process.env);
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const limit = values.leads === undefined ? config.pipeline.default_leads : Number(values.leads);
  // Bad input is refused before any Redis or worker is started.
  parseRunRequest({ source: values.source, limit, startedBy: actor() });
  // A sandbox run posts nothing to Slack: its cards would land in the team's approval channel.
  return withContext(config, logger, async (ctx) => {
    if (values.sandbox && (await ctx.redis.exists(ctx.keys.service)) === 1) {
      out.error(`the key prefix ${ctx.keys.prefix} belongs to a running service; a sandbox run never shares one. Set CAIO_REDIS_PREFIX to another name.`);
      return 2;
    }
    const workers = startPipelineWorkers(ctx);
    try {
      const { runId, stopped } = await startRun(ctx, { source: values.source, limit, startedBy: actor() });
      if (stopped) out.error('the pipeline is under EMERGENCY STOP: this run waits for `caio resume`.');
      const safety = await ctx.policy.safety();
      out.error(`started ${runId}: source=${values.source} leads=${limit} providers=${ctx.providers.kind} prefix=${ctx.keys.prefix} shadow_mode=${safety?.shadow_mode ?? 'unknown (stored policy invalid)'}`);
      const deadline = Date.now() + Number(values.timeout) * 1000;
      let run = await ctx.store.getRun(runId);
      while (run && !settled(run) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        run = await ctx.store.getRun(runId);
      }
      if (!run) throw new Error(`run ${runId} disappeared`);
      const table = renderRunTable(run);
      table.lines.forEach((l) => out.log(l));
      if (run.awaiting > 0) out.log(`${run.awaiting} email(s) await approval: caio pending, then caio approve <id>`);
      return table.failed ? 1 : 0;
    } finally {
      await workers.close();
    }
  }, { slack: !values.sandbox });
}

async function commandStatus(out: Out): Promise<number> {
  const config = loadConfig(process.env);
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  if (!config.env.REDIS_URL) out.error('note: REDIS_URL is unset, so this looks at a fresh private Redis; set REDIS_URL to see your deployment.');
  return withContext(config, logger, async (ctx) => {
    const health = await checkHealth(ctx);
    const e = health.emergency;
    out.log(`emergency stop: ${e.stopped ? `ON (${e.source}) by ${e.by ?? '?'}: ${e.reason ?? ''}` : 'off'}`);
    const policy = await ctx.policy.read();
    if (policy.ok) {
      const safety = policy.stored.policy.safety;
      out.log(`safety (policy v${policy.stored.version}): shadow_mode=${safety.shadow_mode} actually_send=${safety.actually_send} max_daily_sends=${safety.max_daily_sends} auto_approve=${safety.auto_approve}`);
    } else {
      out.log(`safety: THE STORED POLICY IS INVALID, every send is refused: ${policy.problem}`);
    }
    if (health.sends_today) out.log(`sends today (${health.sends_today.day}): ${health.sends_today.count}/${health.sends_today.cap}`);
    for (const line of formatCreditUsage(await getCreditUsage(ctx))) out.log(`credits ${line}`);
    for (const [queue, counts] of Object.entries(health.queues)) out.log(`queue ${pad(queue, 8)} ${JSON.stringify(counts)}`);
    const runs = await ctx.store.listRuns(5);
    for (const run of runs) out.log(`${run.id}  ${pad(run.status, 17)} ${run.source}  leads=${run.total ?? '?'} by ${run.started_by}`);
    return 0;
  });
}

async function commandDecide(action: 'approve' | 'reject', args: string[], out: Out): Promise<number> {
  const id = args[0];
  if (!id) {
    out.error(`usage: caio ${action} <id>`);
    return 2;
  }
  const config = loadConfig(process.env);
  return withContext(config, createLogger(process.env.LOG_LEVEL ?? 'warn'), async (ctx) => {
    const result = await ctx.approvalService.decide(id, { action, by: actor() });
    if (result.ok) {
      out.log(`${id}: ${result.approval.status} by ${result.approval.decided_by}`);
      return 0;
    }
    if (result.reason === 'not_found') out.error(`no approval with id ${id}`);
    else out.error(`${id}: already ${result.approval.status} by ${result.approval.decided_by ?? 'unknown'}`);
    return 1;
  });
}

/** `PATH=VALUE` → [path, value]; the value is read as JSON when it is JSON (numbers, true, null, arrays). */
export function parseAssignment(text: string): [string, unknown] {
  const at = text.indexOf('=');
  if (at <= 0) throw new ConfigError(`expected PATH=VALUE, e.g. safety.max_daily_sends=50 (got "${text}")`);
  const path = text.slice(0, at).trim();
  if (!/^(safety|icp)(\.[A-Za-z0-9_]+)+$/.test(path)) throw new ConfigError(`"${path}" is not a policy field: paths start with safety. or icp.`);
  const raw = text.slice(at + 1);
  try {
    return [path, JSON.parse(raw) as unknown];
  } catch {
    return [path, raw];
  }
}

/** `caio config show|set`: the same policy, rules, audit and announcement as /caio config. */
async function commandConfig(args: string[], config: Config, logger: Logger, out: Out): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { yes: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  const [sub = 'show', ...assignments] = positionals;
  if (sub !== 'show' && sub !== 'set') {
    out.error(`usage: caio config show | caio config set PATH=VALUE... [--yes]`);
    return 2;
  }
  const parsedAssignments = sub === 'set' ? Object.fromEntries(assignments.map(parseAssignment)) : {};
  if (sub === 'set' && assignments.length === 0) {
    out.error('usage: caio config set PATH=VALUE... [--yes], e.g. caio config set safety.max_daily_sends=50');
    return 2;
  }
  return withContext(config, logger, async (ctx) => {
    const read = await ctx.policy.read();
    if (sub === 'show') {
      out.log(JSON.stringify(read.ok ? read.stored : { invalid: true, version: read.version, problem: read.problem }, null, 2));
      return read.ok ? 0 : 1;
    }
    const base = read.ok ? read.stored.policy : { safety: config.safety, icp: config.icp };
    const outcome = await changePolicy(ctx, {
      next: applyAssignments(base, parsedAssignments),
      by: actor(),
      expectedVersion: read.ok ? read.stored.version : read.version,
      confirmed: values.yes,
    });
    switch (outcome.kind) {
      case 'changed':
        out.log(`policy version ${outcome.after.version}:`);
        for (const line of describeChanges(outcome.changed)) out.log(`  ${line}`);
        return 0;
      case 'invalid':
        for (const [field, message] of Object.entries(outcome.errors)) out.error(`invalid policy: field "${field}": ${message}`);
        return 2;
      case 'needs_confirmation':
        out.error(`this change loosens safety (${outcome.loosening.join(', ')}); run it again with --yes to confirm.`);
        return 2;
      case 'conflict':
        out.error(`the policy changed meanwhile (now version ${outcome.current ?? 'unknown'}); look at caio config show and try again.`);
        return 1;
      case 'unchanged':
        out.log('nothing changed: the policy already has these values.');
        return 0;
    }
  });
}

export async function runCli(argv: string[], out: Out = stdout): Promise<number> {
  const [command, ...rest] = argv;
  const config = () => loadConfig(process.env);
  const logger = () => createLogger(process.env.LOG_LEVEL ?? 'warn');
  switch (command) {
    case 'run':
      return commandRun(rest, out);
    case 'status':
      return commandStatus(out);
    case 'stop': {
      const { values } = parseArgs({ args: rest, options: { reason: { type: 'string', default: 'stopped from the CLI' } } });
      return withContext(config(), logger(), async (ctx) => {
        const { changed } = await stopEverything(ctx, actor(), values.reason);
        out.log(changed ? 'EMERGENCY STOP set: every outbound call is halted and the queues are paused.' : 'already stopped');
        return 0;
      });
    }
    case 'resume':
      return withContext(config(), logger(), async (ctx) => {
        const { changed } = await resumeEverything(ctx, actor());
        out.log(changed ? 'resumed: the queues are running again.' : 'was not stopped; queues resumed.');
        return 0;
      });
    case 'approve':
    case 'reject':
      return commandDecide(command, rest, out);
    case 'pending':
      return withContext(config(), logger(), async (ctx) => {
        for (const a of await ctx.approvals.listPending(500)) out.log(`${a.id}  ${a.subject}`);
        return 0;
      });
    case 'audit': {
      const { values } = parseArgs({ args: rest, options: { count: { type: 'string' } } });
      return withContext(config(), logger(), async (ctx) => {
        const entries = await ctx.audit.list(values.count ? { count: Number(values.count) } : {});
        for (const entry of entries) out.log(JSON.stringify(entry));
        return 0;
      });
    }
    case 'config':
      return commandConfig(rest, config(), logger(), out);
    case 'shadow':
      return withContext(config(), logger(), async (ctx) => {
        for (const email of await ctx.gate.listShadow()) out.log(JSON.stringify(email));
        return 0;
      });
    case 'help':
    case undefined:
      out.log(HELP);
      return 0;
    default:
      out.error(`unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

export { RunRequestError };
