import { audit } from './audit.ts';
import { anneal } from './anneal.ts';
import { autonomy } from './autonomy.ts';
import { UsageError, type CliCommand, type Out } from './command.ts';
import { config } from './config.ts';
import { approve, reject } from './decide.ts';
import { pending } from './pending.ts';
import { report } from './report.ts';
import { resume } from './resume.ts';
import { run } from './run.ts';
import { shadow } from './shadow.ts';
import { status } from './status.ts';
import { stop } from './stop.ts';

/** The subcommands, one file each; the order is the order of `caio --help`. */
const COMMANDS = { run, status, stop, resume, pending, approve, reject, audit, shadow, config, autonomy, anneal, report } satisfies Record<string, CliCommand>;

type CommandName = keyof typeof COMMANDS;

/** Every word `caio` answers as a command rather than starting the service. */
export const CLI_COMMANDS = [...(Object.keys(COMMANDS) as CommandName[]), 'help'] as const;

const HELP_FLAGS = new Set(['--help', '-h']);

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** `caio --help`: every command's help lines, the synopses in one column. */
function help(): string {
  const rows: (readonly [string, string])[] = [
    ...Object.values(COMMANDS).flatMap((c) => c.helpLines),
    ['caio --role web|worker|all', 'start the service (default: all)'],
    ['caio <command> --help', "the command's options and exit codes"],
  ];
  const width = Math.max(...rows.map(([synopsis]) => synopsis.length)) + 3;
  return `Usage: caio <command> [options]

${rows.map(([synopsis, what]) => `  ${synopsis.padEnd(width)}${what}`).join('\n')}

REDIS_URL selects Redis; without it a command uses the Redis a local service keeps in CAIO_DATA_DIR
when one runs, else a private redis-server discarded on exit.
Results go to stdout, notes and logs to stderr.`;
}

/**
 * Whether argv is for the CLI rather than the service: a command, help, or any other bare word
 * (answered with the help and exit 2, instead of starting the service on a typo).
 */
export function isCliInvocation(argv: readonly string[]): boolean {
  const first = argv[0];
  return first !== undefined && (HELP_FLAGS.has(first) || !first.startsWith('-'));
}

/** node:util parseArgs errors carry codes such as ERR_PARSE_ARGS_UNKNOWN_OPTION. */
function isParseArgsError(err: unknown): err is Error {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS_');
}

const stdout: Out = {
  log: (l) => process.stdout.write(`${l}\n`),
  error: (l) => process.stderr.write(`${l}\n`),
  tty: process.stdout.isTTY === true,
};

/** Runs one `caio` command and returns its exit code; bad usage prints the usage and returns 2. */
export async function runCli(argv: string[], out: Out = stdout): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || HELP_FLAGS.has(name)) {
    // `caio help run` is `caio run --help`.
    const topic = args[0];
    if (topic !== undefined && isCommand(topic)) out.log(COMMANDS[topic].usage);
    else out.log(help());
    return 0;
  }
  if (!isCommand(name)) {
    out.error(`unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  const command = COMMANDS[name];
  // Everything after `--` is an argument, never a request for help.
  const flags = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (flags.some((a) => HELP_FLAGS.has(a))) {
    out.log(command.usage);
    return 0;
  }
  try {
    return await command.run(args, out);
  } catch (err) {
    if (!(err instanceof UsageError) && !isParseArgsError(err)) throw err;
    out.error(`${err.message}\n\n${command.usage}`);
    return 2;
  }
}
