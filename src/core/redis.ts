import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';

export type { Redis };

/** Opens a connection suitable for BullMQ workers and our own commands (no per-request retry cap). */
export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/** Thrown when no REDIS_URL is set and no redis-server binary can be found. */
export class RedisUnavailableError extends Error {
  readonly code = 'REDIS_UNAVAILABLE';
  constructor() {
    super(
      'CAIO needs Redis. No REDIS_URL is set and no redis-server binary was found on PATH, so the ' +
        'embedded Redis cannot start. Install Redis (Debian/Ubuntu: `sudo apt-get install redis-server`, ' +
        'macOS: `brew install redis`) or point REDIS_URL at a running server, e.g. ' +
        'REDIS_URL=redis://127.0.0.1:6379.',
    );
    this.name = 'RedisUnavailableError';
  }
}

export interface EmbeddedRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Finds an executable on PATH without spawning a shell. */
export function findOnPath(binary: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, binary);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Asks the OS for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts a private redis-server on a free loopback port with its own temporary directory and no
 * persistence. Used when REDIS_URL is unset (the demo) and by tests that must stop Redis.
 */
export async function startEmbeddedRedis(options: { port?: number } = {}): Promise<EmbeddedRedis> {
  const binary = findOnPath('redis-server');
  if (!binary) throw new RedisUnavailableError();
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'caio-redis-'));
  const child: ChildProcess = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  await waitForRedis(url, 5000).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { url, port, stop };
}

/** Resolves once a PING succeeds, or rejects after the timeout. */
export async function waitForRedis(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return;
    } catch (err) {
      probe.disconnect();
      if (Date.now() > deadline) throw new Error(`Redis at ${url} did not answer within ${timeoutMs} ms: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
