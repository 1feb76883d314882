import { z } from 'zod';

/** `/caio …` text, tokenised and checked; the run request itself is validated by startRun. */
export type CaioCommand =
  | { kind: 'run'; source: string | undefined; leads: number | undefined }
  | { kind: 'stop'; reason: string }
  | { kind: 'resume' }
  | { kind: 'status' }
  | { kind: 'config' }
  | { kind: 'autonomy' }
  | { kind: 'anneal' }
  | { kind: 'help' }
  | { kind: 'invalid'; problem: string };

const leadsSchema = z.coerce
  .number({ error: '--leads needs a number' })
  .refine((n) => Number.isFinite(n), '--leads needs a number');

const runArgsSchema = z
  .array(z.string())
  .max(3, 'too many arguments: expected run [source] [--leads N]')
  .transform((tokens, ctx) => {
    let source: string | undefined;
    let leads: number | undefined;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] ?? '';
      const flag = /^--leads(?:=(.*))?$/.exec(token);
      if (flag) {
        const value = flag[1] ?? tokens[++i];
        if (value === undefined || value === '') {
          ctx.addIssue({ code: 'custom', message: '--leads needs a number, e.g. --leads 25' });
          return z.NEVER;
        }
        const parsed = leadsSchema.safeParse(value);
        if (!parsed.success) {
          ctx.addIssue({ code: 'custom', message: `--leads needs a number (got "${value}")` });
          return z.NEVER;
        }
        leads = parsed.data;
      } else if (token.startsWith('-')) {
        ctx.addIssue({ code: 'custom', message: `unknown flag "${token}"; the only flag is --leads N` });
        return z.NEVER;
      } else if (source === undefined) {
        source = token;
      } else {
        ctx.addIssue({ code: 'custom', message: `unexpected argument "${token}": expected run [source] [--leads N]` });
        return z.NEVER;
      }
    }
    return { source, leads };
  });

/** Parses the text after `/caio`; an unknown subcommand or bad flag comes back as `invalid` with the reason. */
export function parseCaio(text: string): CaioCommand {
  const tokens = text.trim().split(/\s+/).filter((t) => t !== '');
  const [sub, ...rest] = tokens;
  switch ((sub ?? 'help').toLowerCase()) {
    case 'run': {
      const parsed = runArgsSchema.safeParse(rest);
      if (!parsed.success) return { kind: 'invalid', problem: parsed.error.issues.map((i) => i.message).join('; ') };
      return { kind: 'run', ...parsed.data };
    }
    case 'stop':
      return { kind: 'stop', reason: rest.join(' ') || 'stopped from Slack' };
    case 'resume':
    case 'status':
    case 'config':
    case 'autonomy':
    case 'anneal':
    case 'help':
      if (rest.length > 0) return { kind: 'invalid', problem: `"${sub}" takes no arguments (got "${rest.join(' ')}")` };
      return { kind: (sub ?? 'help').toLowerCase() as 'resume' | 'status' | 'config' | 'autonomy' | 'anneal' | 'help' };
    default:
      return { kind: 'invalid', problem: `unknown subcommand "${sub}"` };
  }
}
