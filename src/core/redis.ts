import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { StartupError } from './startup-error.ts';

export type { Redis };

/** Opens a connection suitable for BullMQ workers and our own commands (no per-request retry cap). */
export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/** Thrown when no REDIS_URL is set and no redis-server binary can be found (exit code 2). */
export class RedisUnavailableError extends StartupError {
  constructor() {
    super(
      'REDIS_UNAVAILABLE',
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
  /** The data directory of a persistent Redis; null for a throw-away one. */
  dataDir: string | null;
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

/** Written into a persistent Redis's data directory while it runs, so a second CAIO finds it. */
const LOCK_FILE = 'caio-redis.json';
interface DirLock {
  url: string;
  port: number;
  /** The CAIO process that started (and will stop) that redis-server. */
  owner: number;
}

/**
 * Starts a private redis-server on a free loopback port. Without `dataDir` it is throw-away (a
 * temporary directory, no persistence): the demo and tests. With `dataDir` it keeps its data there
 * (AOF, fsync every second, no eviction), so a restart keeps approvals, the stop flag, counters and
 * the audit; a redis-server left running on that directory by a killed CAIO is taken over.
 */
export async function startEmbeddedRedis(options: { port?: number; dataDir?: string } = {}): Promise<EmbeddedRedis> {
  const requested = options.dataDir === undefined ? null : resolve(options.dataDir);
  if (requested) {
    const adopted = await adoptOrphan(requested);
    if (adopted) return adopted;
  }
  // No binary is the first thing to say: an image without redis-server has no writable ./data either.
  const binary = findOnPath('redis-server');
  if (!binary) throw new RedisUnavailableError();
  const dataDir = requested === null ? null : prepareDataDir(requested);
  const port = options.port ?? (await freePort());
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'caio-redis-'));
  const persistence = dataDir
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--logfile', join(dir, 'redis.log')]
    : ['--save', '', '--appendonly', 'no'];
  const child: ChildProcess = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', ...persistence, '--dir', dir, '--loglevel', 'warning'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null) {
      // SIGTERM: redis-server fsyncs the AOF before it exits.
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (dataDir) rmSync(join(dataDir, LOCK_FILE), { force: true });
    else rmSync(dir, { recursive: true, force: true });
  };
  // Loading a large AOF takes time (PING answers LOADING meanwhile); a throw-away one starts at once.
  const ready = waitForRedis(url, dataDir ? 120_000 : 5000);
  const died = exited.then(() => {
    throw new StartupError(
      'REDIS_EXITED',
      `redis-server exited while starting (code ${child.exitCode})${dataDir ? `: see ${join(dataDir, 'redis.log')}` : ''}; fix what it reports, or set REDIS_URL to a running Redis`,
    );
  });
  await Promise.race([ready, died]).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  if (dataDir) writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ url, port, owner: process.pid } satisfies DirLock));
  return { url, port, dataDir, stop };
}

/** Creates the data directory and proves it writable, or says how to fix it. */
export function prepareDataDir(dir: string): string {
  const abs = resolve(dir);
  try {
    mkdirSync(abs, { recursive: true });
    const probe = join(abs, `.caio-write-check-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new StartupError(
      'DATA_DIR_UNWRITABLE',
      `CAIO_DATA_DIR ${abs} is not a writable directory (${code}): create it and give this user write permission, set CAIO_DATA_DIR to a directory that is, or set REDIS_URL to your own Redis`,
    );
  }
  return abs;
}

function readLock(dataDir: string): DirLock | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as DirLock;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A redis-server still serving `dataDir` (its lock file names it and it reports that directory):
 * refused while the CAIO that started it lives (two servers must never write one AOF); taken over
 * when that CAIO was killed, so nothing written since is lost.
 */
async function adoptOrphan(dataDir: string): Promise<EmbeddedRedis | null> {
  const lock = readLock(dataDir);
  if (!lock) return null;
  const probe = new Redis(lock.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    const [, servedDir] = (await probe.config('GET', 'dir')) as [string, string];
    if (resolve(servedDir) !== dataDir) return null;
  } catch {
    return null;
  } finally {
    probe.disconnect();
  }
  if (lock.owner !== process.pid && alive(lock.owner)) {
    throw new StartupError(
      'DATA_DIR_IN_USE',
      `CAIO_DATA_DIR ${dataDir} is in use by the Redis of another CAIO process (pid ${lock.owner}): set REDIS_URL=${lock.url} to share it, or set CAIO_DATA_DIR to another directory`,
    );
  }
  writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ ...lock, owner: process.pid } satisfies DirLock));
  let stopped = false;
  return {
    url: lock.url,
    port: lock.port,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Not our child: ask it to shut down (it fsyncs the AOF first).
      const conn = new Redis(lock.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      conn.on('error', () => undefined);
      await conn
        .connect()
        .then(() => conn.shutdown())
        .catch(() => undefined);
      conn.disconnect();
      rmSync(join(dataDir, LOCK_FILE), { force: true });
    },
  };
}

/** The persistent Redis serving `dataDir` right now, if any (the CLI attaches to a running service's). */
export async function runningRedisIn(dataDir: string): Promise<string | null> {
  const lock = readLock(resolve(dataDir));
  if (!lock || !alive(lock.owner)) return null;
  return waitForRedis(lock.url, 0).then(
    () => lock.url,
    () => null,
  );
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
