import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../core/config.ts';
import { applyAssignments, changePolicy, describeChanges } from '../jobs/policy-change.ts';
import { actor, UsageError, type CliCommand } from './command.ts';
import { cliLogger, withContext } from './context.ts';

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
export const config: CliCommand = {
  helpLines: [
    ['caio config show', "the cluster's safety policy (version, who, when) as JSON"],
    ['caio config set PATH=VALUE... [--yes]', 'change it, e.g. safety.max_daily_sends=50 (--yes confirms loosening)'],
  ],
  usage: `Usage: caio config show
       caio config set PATH=VALUE... [--yes]

show  prints the cluster's stored safety policy (version, who changed it, when) as JSON on stdout;
      exit 1 when the stored policy is invalid (every send is refused until it is fixed).
set   changes fields under safety. or icp.; a VALUE is read as JSON when it is JSON, e.g.
        caio config set safety.max_daily_sends=50 'safety.warmup={"ramp":[5,10]}' --yes
      The change is validated, audited and announced like /caio config. A change that loosens
      safety (sending on, shadow off, a higher cap, ...) needs --yes. Exit 2 on an invalid value
      or a missing --yes, 1 when the policy changed meanwhile.`,

  async run(args, out) {
    const { values, positionals } = parseArgs({ args, options: { yes: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
    const [sub = 'show', ...assignments] = positionals;
    if (sub !== 'show' && sub !== 'set') throw new UsageError(`unknown config subcommand "${sub}"`);
    if (sub === 'show' && assignments.length > 0) throw new UsageError('caio config show takes no arguments');
    if (sub === 'set' && assignments.length === 0) throw new UsageError('caio config set needs at least one PATH=VALUE');
    const parsedAssignments = Object.fromEntries(assignments.map(parseAssignment));
    const loaded = loadConfig(process.env);
    return withContext(loaded, cliLogger(), async (ctx) => {
      const read = await ctx.policy.read();
      if (sub === 'show') {
        out.log(JSON.stringify(read.ok ? read.stored : { invalid: true, version: read.version, problem: read.problem }, null, 2));
        return read.ok ? 0 : 1;
      }
      const base = read.ok ? read.stored.policy : { safety: loaded.safety, icp: loaded.icp };
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
  },
};
