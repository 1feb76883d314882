import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { OUTBOX_QUEUE } from '../../src/bot/outbox.ts';
import { deleteByPrefix } from '../../src/core/keys.ts';
import { bullPrefix } from '../../src/core/queue.ts';
import { findOnPath, freePort, startEmbeddedRedis, waitForRedis, type EmbeddedRedis } from '../../src/core/redis.ts';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/harness.ts';
import { spawnCaio, type WorkerProcess } from '../helpers/worker-process.ts';

// The service as operators start it (`caio --role …`), its embedded Redis that keeps its data,
// the start-up checks of the Redis it is given, and the one-line refusals of bad input (exit 2).

const dirs: string[] = [];
const prefixes: string[] = [];
const running: WorkerProcess[] = [];
let privateRedis: EmbeddedRedis | undefined;

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `caio-${name}-`));
  dirs.push(dir);
  return dir;
}

function sharedRedisEnv(): Record<string, string> {
  const prefix = uniquePrefix('startup');
  prefixes.push(prefix);
  return { REDIS_URL: TEST_REDIS_URL, CAIO_REDIS_PREFIX: prefix };
}

async function started(caio: WorkerProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!caio.output().includes('caio started')) {
    if (Date.now() > deadline || caio.child.exitCode !== null) throw new Error(`caio did not start:\n${caio.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function service(args: string[], env: Record<string, string>): WorkerProcess {
  const caio = spawnCaio(args, { LOG_LEVEL: 'info', ...env });
  running.push(caio);
  return caio;
}

/** The one line a refused start prints (pino lines aside), and its exit code. */
async function refusal(caio: WorkerProcess): Promise<{ code: number | string; lines: string[] }> {
  const code = await caio.exited;
  const lines = caio
    .output()
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('{'));
  return { code, lines };
}

function lockOf(dataDir: string): { url: string; owner: number } {
  return JSON.parse(readFileSync(join(dataDir, 'caio-redis.json'), 'utf8')) as { url: string; owner: number };
}

afterEach(async () => {
  for (const caio of running.splice(0)) await caio.stop('SIGKILL');
  await privateRedis?.stop();
  privateRedis = undefined;
});

afterAll(async () => {
  const redis = new Redis(TEST_REDIS_URL);
  for (const p of prefixes) await deleteByPrefix(redis, p);
  redis.disconnect();
  for (const dir of dirs) {
    // A redis-server a test left on its data directory is shut down before the directory goes.
    if (existsSync(join(dir, 'caio-redis.json'))) {
      const conn = new Redis(lockOf(dir).url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      conn.on('error', () => undefined);
      await conn.connect().then(() => conn.shutdown('NOSAVE')).catch(() => undefined);
      conn.disconnect();
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the embedded Redis keeps its data (REDIS_URL unset)', () => {
  it('a stop flag set from the CLI survives a restart of the service; the data directory holds the AOF', { timeout: 90_000 }, async () => {
    const dataDir = tempDir('data');
    const env = { CAIO_DATA_DIR: dataDir, CAIO_REDIS_PREFIX: uniquePrefix('persist') };
    const first = service(['--role', 'worker'], env);
    await started(first);
    expect(first.output()).toContain('keeping its data in CAIO_DATA_DIR (AOF)');
    expect(existsSync(join(dataDir, 'appendonlydir'))).toBe(true);
    // The embedded Redis is AOF with noeviction, so the service starts with no durability warning.
    expect(first.output()).not.toContain('WARNING');

    // The CLI finds the running service's Redis through CAIO_DATA_DIR.
    const stop = spawnCaio(['stop', '--reason', 'persist check'], { ...env, LOG_LEVEL: 'info' });
    expect(await stop.exited).toBe(0);
    expect(stop.output()).toContain("using the running service's Redis");

    expect(await first.stop('SIGTERM')).toBe(0);
    expect(existsSync(join(dataDir, 'caio-redis.json'))).toBe(false);

    const second = service(['--role', 'worker'], env);
    await started(second);
    const status = spawnCaio(['status'], env);
    expect(await status.exited).toBe(0);
    expect(status.output()).toContain('emergency stop: ON (flag) by cli:');
    expect(status.output()).toContain('persist check');
    expect(await second.stop('SIGTERM')).toBe(0);
  });

  it('a service killed with SIGKILL leaves its redis-server running; the next start takes it over and loses nothing', { timeout: 90_000 }, async () => {
    const dataDir = tempDir('orphan');
    const env = { CAIO_DATA_DIR: dataDir, CAIO_REDIS_PREFIX: uniquePrefix('orphan') };
    const first = service(['--role', 'worker'], env);
    await started(first);
    const { url } = lockOf(dataDir);
    expect(await spawnCaio(['stop', '--reason', 'before the kill'], env).exited).toBe(0);
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');

    const second = service(['--role', 'worker'], env);
    await started(second);
    expect(lockOf(dataDir)).toMatchObject({ url, owner: second.child.pid });
    const status = spawnCaio(['status'], env);
    expect(await status.exited).toBe(0);
    expect(status.output()).toContain('before the kill');
    expect(await second.stop('SIGTERM')).toBe(0);
    // The taken-over redis-server was shut down with the service that adopted it.
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    await expect(probe.connect().then(() => probe.ping())).rejects.toThrow();
    probe.disconnect();
  });

  it('a second service on the same CAIO_DATA_DIR is refused (one line, exit 2) while the first runs', { timeout: 60_000 }, async () => {
    const dataDir = tempDir('busy');
    const env = { CAIO_DATA_DIR: dataDir, CAIO_REDIS_PREFIX: uniquePrefix('busy') };
    const first = service(['--role', 'worker'], env);
    await started(first);
    const { code, lines } = await refusal(service(['--role', 'worker'], env));
    expect(code).toBe(2);
    expect(lines).toEqual([expect.stringMatching(/^CAIO_DATA_DIR .* is in use by the Redis of another CAIO process \(pid \d+\): set REDIS_URL=redis:\/\/127\.0\.0\.1:\d+ to share it/)]);
  });
});

describe('start-up checks of the Redis it is given', () => {
  it('a Redis without persistence starts with a warning, logged and queued as a WARNING alert for Slack', { timeout: 60_000 }, async () => {
    // The tests' own Redis runs without AOF or snapshots.
    const env: Record<string, string> = { ...sharedRedisEnv(), SLACK_BOT_TOKEN: 'xoxb-test', SLACK_ALERT_CHANNEL: 'CALERT', SLACK_API_URL: 'http://127.0.0.1:9/api/' };
    const caio = service(['--role', 'worker'], env);
    await started(caio);
    expect(caio.output()).toMatch(/"level_name":"WARNING".*Redis has no persistence.*set appendonly yes/);
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const outbox = new Queue(OUTBOX_QUEUE, { connection: redis, prefix: bullPrefix(env.CAIO_REDIS_PREFIX ?? '') });
    const jobs = await outbox.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed']);
    const alerts = jobs.map((j) => j.data as { kind: string; level?: string; text?: string }).filter((d) => d.kind === 'alert');
    expect(alerts).toEqual([expect.objectContaining({ level: 'WARNING', text: expect.stringContaining('Redis has no persistence') })]);
    await outbox.close();
    redis.disconnect();
    expect(await caio.stop('SIGTERM')).toBe(0);
  });

  it('a Redis with maxmemory-policy allkeys-lru is refused (one line naming the fix, exit 2) unless CAIO_ALLOW_EVICTION is set', { timeout: 60_000 }, async () => {
    privateRedis = await startEmbeddedRedis();
    const admin = new Redis(privateRedis.url);
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    admin.disconnect();
    const env = { REDIS_URL: privateRedis.url, CAIO_REDIS_PREFIX: uniquePrefix('lru') };

    const { code, lines } = await refusal(service(['--role', 'worker'], env));
    expect(code).toBe(2);
    expect(lines).toEqual([expect.stringMatching(/^Redis maxmemory-policy is allkeys-lru: .*set maxmemory-policy noeviction .*or set CAIO_ALLOW_EVICTION=1/)]);

    const allowed = service(['--role', 'worker'], { ...env, CAIO_ALLOW_EVICTION: '1' });
    await started(allowed);
    expect(allowed.output()).toMatch(/"level_name":"WARNING".*allkeys-lru.*started anyway because CAIO_ALLOW_EVICTION is set/);
    expect(await allowed.stop('SIGTERM')).toBe(0);
  });
});

describe('Redis Cluster', () => {
  it('is refused with one line saying what to use instead (exit 2)', { timeout: 60_000 }, async () => {
    const dir = tempDir('cluster');
    const port = await freePort();
    const server = spawn(findOnPath('redis-server')!, ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    try {
      await waitForRedis(`redis://127.0.0.1:${port}`, 5000);
      const { code, lines } = await refusal(service(['--role', 'worker'], { REDIS_URL: `redis://127.0.0.1:${port}`, CAIO_REDIS_PREFIX: uniquePrefix('cluster') }));
      expect(code).toBe(2);
      expect(lines).toEqual([expect.stringMatching(/^REDIS_URL points at a Redis Cluster node \(cluster_enabled:1\), which CAIO does not support .*use a single Redis primary/)]);
    } finally {
      server.kill('SIGKILL');
    }
  });
});

describe('bad input: one line naming the problem and the fix, exit code 2', () => {
  it('an unwritable CAIO_DATA_DIR', async () => {
    // Root may write anywhere, so "unwritable" here is a path under a regular file.
    const file = join(tempDir('file'), 'not-a-dir');
    writeFileSync(file, '');
    for (const dataDir of [file, join(file, 'data')]) {
      const { code, lines } = await refusal(service(['--role', 'worker'], { CAIO_DATA_DIR: dataDir }));
      expect(code).toBe(2);
      expect(lines).toEqual([expect.stringMatching(/^CAIO_DATA_DIR .*not-a-dir.* is not a writable directory \((EEXIST|ENOTDIR)\): create it .*or set REDIS_URL/)]);
    }
  });

  it('a port in use', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    const { code, lines } = await refusal(service(['--role', 'web'], { ...sharedRedisEnv(), PORT: String(port) }));
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    expect(code).toBe(2);
    expect(lines).toEqual([`port ${port} is already in use: stop the process that listens on it, or set PORT to a free port`]);
  });

  it('a missing redis-server binary (REDIS_URL unset), said first even when the data directory is unusable too (an image without Redis)', async () => {
    const emptyBin = tempDir('nobin');
    const file = join(tempDir('nobin-data'), 'not-a-dir');
    writeFileSync(file, '');
    const { code, lines } = await refusal(service(['--role', 'worker'], { PATH: emptyBin, CAIO_DATA_DIR: join(file, 'data') }));
    expect(code).toBe(2);
    expect(lines).toEqual([expect.stringMatching(/^CAIO needs Redis\. No REDIS_URL is set and no redis-server binary was found on PATH.*REDIS_URL=redis:\/\/127\.0\.0\.1:6379\.$/)]);
  });
});

describe('.env', () => {
  it('is loaded when present, and a variable set in the real environment wins', async () => {
    const prefix = uniquePrefix('dotenv');
    prefixes.push(prefix);
    const file = join(tempDir('env'), '.env');
    writeFileSync(file, `# comments and quotes as in .env.example\nCAIO_REDIS_PREFIX="${prefix}"\nREDIS_URL=redis://127.0.0.1:1\n`);
    const stop = spawnCaio(['stop', '--reason', 'from dotenv'], { CAIO_ENV_FILE: file, REDIS_URL: TEST_REDIS_URL });
    expect(await stop.exited).toBe(0);
    const redis = new Redis(TEST_REDIS_URL);
    const entries = await redis.xrange(`${prefix}:audit`, '-', '+');
    redis.disconnect();
    expect(entries.map(([, fields]) => fields.join(' '))).toEqual([expect.stringContaining('from dotenv')]);
  });
});
