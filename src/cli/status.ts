import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config.ts';
import { checkHealth } from '../health.ts';
import { crafterLine, readCrafterDay } from '../core/crafter-usage.ts';
import { formatCreditUsage, getCreditUsage } from '../providers/credits.ts';
import { campaignStatusLines, loadCampaignStatus } from '../jobs/campaign-status.ts';
import type { CliCommand } from './command.ts';
import { cliLogger, withContext } from './context.ts';

export const status: CliCommand = {
  helpLines: [['caio status', 'emergency state, sends today, campaign preflight, queue depths, recent runs']],
  usage: `Usage: caio status

Prints the emergency state, the stored safety policy, sends today against the cap, credits spent,
queue depths and the last five runs. Set REDIS_URL to look at your deployment (without it: the
Redis a local service keeps in CAIO_DATA_DIR, if one runs).`,

  async run(args, out) {
    parseArgs({ args, strict: true });
    const config = loadConfig(process.env);
    return withContext(config, cliLogger(), async (ctx, handle) => {
      if (handle.embedded && !handle.embedded.dataDir) out.error('note: REDIS_URL is unset and no service runs on CAIO_DATA_DIR, so this looks at a fresh private Redis; set REDIS_URL to see your deployment.');
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
      for (const line of campaignStatusLines(await loadCampaignStatus(ctx))) out.log(line);
      for (const line of formatCreditUsage(await getCreditUsage(ctx))) out.log(`credits ${line}`);
      const crafter = ctx.crafter;
      out.log(crafter ? `crafter ${crafter.model} (prompt v${crafter.prompts.version} ${crafter.prompts.hash}) today: ${crafterLine(await readCrafterDay(ctx.redis, ctx.keys))}` : 'crafter: off (no LLM_API_KEY), templates write every email');
      for (const [queue, counts] of Object.entries(health.queues)) out.log(`queue ${queue.padEnd(8)} ${JSON.stringify(counts)}`);
      for (const run of await ctx.store.listRuns(5)) out.log(`${run.id}  ${run.status.padEnd(17)} ${run.source}  leads=${run.total ?? '?'} by ${run.started_by}`);
      return 0;
    });
  },
};
