import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config.ts';
import type { Run } from '../core/store.ts';
import { parseRunRequest, startRun } from '../jobs/runs.ts';
import { startPipelineWorkers } from '../jobs/workers.ts';
import { actor, UsageError, type CliCommand } from './command.ts';
import { cliLogger, withContext } from './context.ts';
import { createRunDisplay } from './run-display.ts';

/** The exit code of a run that ended neither 6/6 PASS nor FAIL (waiting for approval, held, stopped, timed out). */
export const EXIT_INCOMPLETE = 3;

/** How often the run is read while it runs. */
const POLL_MS = 100;

/** The key prefix of `caio run --sandbox`: never the service's, whatever the environment says. */
export function sandboxPrefix(servicePrefix: string): string {
  return `${servicePrefix}-sandbox`;
}

/**
 * The environment a sandbox run is configured from: sandbox providers, the sandbox config file
 * unless one is named, and a key prefix of its own, so its workers never share the service's
 * queues (a sandbox worker would auto-approve and shadow production leads; a service worker would
 * scrape sandbox leads through live Apollo). A copy handed to the config loader: this process's
 * environment is not changed.
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

/** A run is settled for the terminal when nothing more will happen without a person or tomorrow. */
function settled(run: Run): boolean {
  if (run.status !== 'running') return true;
  return run.total !== null && run.terminal + run.awaiting + run.held >= run.total && run.total > 0;
}

/** A positive number of seconds from a flag, or a usage error naming the flag. */
function seconds(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${flag} must be a positive number of seconds (got "${text}")`);
  return value;
}

export const run: CliCommand = {
  helpLines: [['caio run --sandbox [--source S] [--leads N]', 'run the pipeline in this terminal and print the stage table']],
  usage: `Usage: caio run [--sandbox] [--source S] [--leads N] [--timeout SECONDS] [--progress-every SECONDS]

Runs the pipeline with workers in this process and prints the stage table. On a terminal the table
is redrawn in place while the run goes; otherwise a progress line goes to stderr every few seconds.

  --sandbox                 sandbox providers and config, key prefix <prefix>-sandbox, nothing posted to Slack;
                            refused when that prefix belongs to a running service
  --source S                default, competitor_gong or event_saastr (default: default)
  --leads N                 1 to 10000 (default: the config's pipeline.default_leads)
  --timeout SECONDS         stop waiting after this long (default: 600)
  --progress-every SECONDS  progress line interval when stdout is not a terminal (default: 5)

Exit codes:
  0  every stage passed (6/6 PASS)
  1  the run or a stage failed
  2  bad input, or a sandbox run pointed at a service's key prefix
  3  INCOMPLETE: the run ended neither passed nor failed (emails await approval, sends are held,
     the pipeline is stopped, or --timeout passed)`,

  async run(args, out) {
    const { values } = parseArgs({
      args,
      options: {
        sandbox: { type: 'boolean', default: false },
        source: { type: 'string', default: 'default' },
        leads: { type: 'string' },
        timeout: { type: 'string', default: '600' },
        'progress-every': { type: 'string', default: '5' },
      },
      strict: true,
    });
    // --sandbox reaches the config loader as an overridden copy of the environment.
    const config = loadConfig(values.sandbox ? sandboxEnv(process.env) : process.env);
    const limit = values.leads === undefined ? config.pipeline.default_leads : Number(values.leads);
    const timeoutMs = seconds('timeout', values.timeout) * 1000;
    const progressEveryMs = seconds('progress-every', values['progress-every']) * 1000;
    // Bad input is refused before any Redis or worker is started.
    parseRunRequest({ source: values.source, limit, startedBy: actor() });
    // A sandbox run posts nothing to Slack: its cards would land in the team's approval channel.
    return withContext(config, cliLogger(), async (ctx) => {
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
        const start = Date.now();
        const display = createRunDisplay(out, { progressEveryMs, start });
        let current = await ctx.store.getRun(runId);
        while (current && !settled(current) && Date.now() < start + timeoutMs) {
          await new Promise((r) => setTimeout(r, POLL_MS));
          current = await ctx.store.getRun(runId);
          if (current) display.update(current, Date.now());
        }
        if (!current) throw new Error(`run ${runId} disappeared`);
        const table = display.finish(current);
        if (current.awaiting > 0) out.log(`${current.awaiting} email(s) await approval: caio pending, then caio approve <id>`);
        if (table.verdict === 'FAIL') return 1;
        return table.verdict === 'PASS' ? 0 : EXIT_INCOMPLETE;
      } finally {
        await workers.close();
      }
    }, { slack: !values.sandbox, redis: values.sandbox ? 'throwaway' : 'attach' });
  },
};
