import { userInfo } from 'node:os';

/** Where a command writes: results to `log` (stdout), notes and errors to `error` (stderr). */
export interface Out {
  log(line: string): void;
  error(line: string): void;
  /** stdout is a terminal, so a long run may redraw its table in place. */
  tty?: boolean;
}

/** One `caio` subcommand; its usage text lives beside its code, as /caio's do in src/commands. */
export interface CliCommand {
  /** Its lines in `caio --help`: [synopsis, what it does]. */
  helpLines: readonly (readonly [string, string])[];
  /** What `caio <command> --help` prints. */
  usage: string;
  run(args: string[], out: Out): Promise<number>;
}

/** Who did it, for the audit stream: the terminal's user. */
export function actor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** Bad command-line input: the dispatcher prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
