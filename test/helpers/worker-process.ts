import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
export const CAIO_BIN = join(ROOT, 'bin/caio.js');
/** Paths that do not exist: the defaults of spawned processes, so they start from nothing. */
const NO_ENV_FILE = join(tmpdir(), 'caio-test-no-env-file');
const NO_DATA_DIR = join(tmpdir(), `caio-test-data-${process.pid}`);

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Writes settings to a temporary config file (removed by the returned cleanup). */
export function writeTempConfig(settings: unknown): { file: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'caio-config-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(settings));
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `caio` as a real child process (the same entry point operators run). */
export function spawnCaio(args: string[], env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [CAIO_BIN, ...args], {
    cwd: ROOT,
    // A developer's .env and ./data never reach a test: a test names what it wants.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', CAIO_ENV_FILE: NO_ENV_FILE, CAIO_DATA_DIR: NO_DATA_DIR, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')));
  return {
    child,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
