import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { OUTBOX_QUEUE } from '../../src/bot/outbox.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteByPrefix } from '../../src/core/keys.ts';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/harness.ts';
import { CLI_COMMANDS, runCli, sandboxPrefix } from '../../src/cli.ts';
import { spawnCaio, writeTempConfig, type WorkerProcess } from '../helpers/worker-process.ts';
import { bullPrefix } from '../../src/core/queue.ts';

const prefixes: string[] = [];
afterAll(async () => {
  const redis = new Redis(TEST_REDIS_URL);
  for (const p of prefixes) await deleteByPrefix(redis, p);
  redis.disconnect();
});

function sharedRedisEnv(): Record<string, string> {
  const prefix = uniquePrefix('cli');
  prefixes.push(prefix);
  return { REDIS_URL: TEST_REDIS_URL, CAIO_REDIS_PREFIX: prefix };
}

describe('caio CLI', () => {
  it('the demo runs 10 sandbox leads on its own embedded Redis and prints 6/6 PASS', async () => {
    const caio = spawnCaio(['run', '--sandbox', '--leads', '10'], {});
    expect(await caio.exited).toBe(0);
    const out = caio.output();
    expect(out).toMatch(/\| Stage\s+\| Status \| In\s+\| Out\s+\| Duration \|/);
    for (const stage of ['scrape', 'enrich', 'segment', 'craft', 'approve', 'send']) expect(out).toMatch(new RegExp(`\\| ${stage}\\s+\\| PASS`));
    expect(out).toMatch(/^6\/6 PASS$/m);
    expect(out).toMatch(/run id: run_\d{8}_\d{6}_[a-z0-9]{6}/);
  });

  it('an unknown source is an error that lists the known sources', async () => {
    const caio = spawnCaio(['run', '--sandbox', '--source', 'nope'], sharedRedisEnv());
    expect(await caio.exited).toBe(2);
    expect(caio.output()).toContain('unknown source "nope"; known sources: default, competitor_gong, event_saastr');
  });

  it.each(['0', '10001', 'many'])('--leads %s is an error naming the range', async (leads) => {
    const caio = spawnCaio(['run', '--sandbox', '--leads', leads], sharedRedisEnv());
    expect(await caio.exited).toBe(2);
    expect(caio.output()).toMatch(/--leads must be .*1 (to|and) 10000/);
  });

  it('an invalid config file stops the process with exit code 2 and a message naming the file and field', async () => {
    const config = writeTempConfig({ safety: { max_daily_sends: 'ten' } });
    const caio = spawnCaio(['--role', 'worker'], { ...sharedRedisEnv(), CAIO_CONFIG: config.file });
    expect(await caio.exited).toBe(2);
    expect(caio.output()).toContain(`invalid config in ${config.file}: field "safety.max_daily_sends"`);
    config.cleanup();
  });

  it('an unknown config field is an error, so a typo never passes silently', async () => {
    const config = writeTempConfig({ safety: { shadow_mdoe: false } });
    const caio = spawnCaio(['status'], { ...sharedRedisEnv(), CAIO_CONFIG: config.file });
    expect(await caio.exited).toBe(2);
    expect(caio.output()).toContain('unknown field "safety.shadow_mdoe"');
    config.cleanup();
  });

  it('an invalid environment value names the variable', async () => {
    const caio = spawnCaio(['status'], { ...sharedRedisEnv(), CAIO_PROVIDERS: 'production' });
    expect(await caio.exited).toBe(2);
    expect(caio.output()).toContain('field "CAIO_PROVIDERS"');
  });

  it('stop, status and resume work from the terminal against a shared Redis', async () => {
    const env = sharedRedisEnv();
    const stop = spawnCaio(['stop', '--reason', 'maintenance'], env);
    expect(await stop.exited).toBe(0);
    const status = spawnCaio(['status'], env);
    expect(await status.exited).toBe(0);
    expect(status.output()).toMatch(/emergency stop: ON \(flag\) by cli:\S+: maintenance/);
    const resume = spawnCaio(['resume'], env);
    expect(await resume.exited).toBe(0);
    const after = spawnCaio(['status'], env);
    await after.exited;
    expect(after.output()).toContain('emergency stop: off');
    const audit = spawnCaio(['audit'], env);
    await audit.exited;
    const actions = audit.output().trim().split('\n').map((l) => (JSON.parse(l) as { action: string }).action);
    expect(actions).toEqual(['stop', 'resume']);
  });
});

/** What the child wrote to stdout alone (its `output()` mixes in stderr). Call right after spawning. */
function stdoutOf(caio: WorkerProcess): () => string {
  let text = '';
  caio.child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  return () => text;
}

describe('caio help', () => {
  it.each(['--help', 'help'])('caio %s lists every command and exits 0', async (flag) => {
    const caio = spawnCaio([flag], {});
    expect(await caio.exited).toBe(0);
    for (const command of ['run', 'status', 'stop', 'resume', 'pending', 'approve', 'reject', 'audit', 'shadow', 'config show', 'config set']) expect(caio.output()).toContain(`caio ${command}`);
    expect(caio.output()).toContain('caio <command> --help');
  });

  it.each([['run', '--help'], ['help', 'run']])('caio %s %s prints the run usage with its exit codes, starting nothing', async (...args) => {
    // No redis-server on PATH: help that tried to start one would fail.
    const caio = spawnCaio(args, { PATH: '/nonexistent' });
    expect(await caio.exited).toBe(0);
    expect(caio.output()).toMatch(/^Usage: caio run /);
    expect(caio.output()).toMatch(/^\s+3\s+INCOMPLETE/m);
  });

  it('every command answers --help and -h with its own usage (in process: help opens no Redis)', async () => {
    for (const command of CLI_COMMANDS.filter((c) => c !== 'help')) {
      for (const flag of ['--help', '-h']) {
        const printed: string[] = [];
        const code = await runCli([command, '--sandbox', flag], { log: (l) => printed.push(l), error: (l) => printed.push(l) });
        expect(code, `${command} ${flag}`).toBe(0);
        expect(printed.join('\n')).toMatch(new RegExp(`^Usage: caio ${command}`));
      }
    }
  });

  it('an unknown command exits 2 with the help, and starts no service', async () => {
    const caio = spawnCaio(['frobnicate'], sharedRedisEnv());
    expect(await caio.exited).toBe(2);
    expect(caio.output()).toContain('unknown command "frobnicate"');
    expect(caio.output()).toContain('Usage: caio <command> [options]');
  });

  it('a bad option exits 2 with that command\'s usage', async () => {
    const caio = spawnCaio(['audit', '--cuont', '3'], sharedRedisEnv());
    expect(await caio.exited).toBe(2);
    expect(caio.output()).toContain("Unknown option '--cuont'");
    expect(caio.output()).toContain('Usage: caio audit');
  });
});

describe('clean JSON on stdout', () => {
  it('caio audit, shadow and config show print only JSON on stdout with LOG_LEVEL=info; the logs go to stderr', { timeout: 180_000 }, async () => {
    // Without REDIS_URL every command logs (at info) that it started a private redis-server.
    for (const args of [['audit'], ['shadow'], ['config', 'show']]) {
      const caio = spawnCaio(args, { LOG_LEVEL: 'info' });
      const stdout = stdoutOf(caio);
      expect(await caio.exited).toBe(0);
      expect(caio.output()).toContain('started a private redis-server');
      expect(stdout()).not.toContain('redis-server');
      if (args[0] === 'config') expect(JSON.parse(stdout())).toMatchObject({ version: 1 });
      else expect(stdout()).toBe('');
    }

    const env = { ...sharedRedisEnv(), LOG_LEVEL: 'info' };
    expect(await spawnCaio(['stop', '--reason', 'json check'], env).exited).toBe(0);
    expect(await spawnCaio(['resume'], env).exited).toBe(0);
    const audit = spawnCaio(['audit'], env);
    const stdout = stdoutOf(audit);
    expect(await audit.exited).toBe(0);
    const lines = stdout().trim().split('\n');
    const entries = lines.map((l) => JSON.parse(l) as { action: string; level?: unknown });
    expect(entries.map((e) => e.action)).toEqual(['stop', 'resume']);
    expect(entries.every((e) => e.level === undefined)).toBe(true);
  });
});

describe('caio run progress and exit codes', () => {
  it('a run that ends waiting for approval prints progress lines when piped and exits 3 (INCOMPLETE)', { timeout: 180_000 }, async () => {
    const sandbox = JSON.parse(readFileSync('config/sandbox.json', 'utf8')) as { safety: Record<string, unknown> };
    const config = writeTempConfig({ ...sandbox, safety: { ...sandbox.safety, auto_approve: false } });
    const shared = sharedRedisEnv();
    prefixes.push(sandboxPrefix(shared.CAIO_REDIS_PREFIX ?? ''));
    const env = { ...shared, CAIO_CONFIG: config.file };
    const caio = spawnCaio(['run', '--sandbox', '--leads', '10', '--progress-every', '0.2'], env);
    const stdout = stdoutOf(caio);
    expect(await caio.exited).toBe(3);
    expect(caio.output()).toMatch(/^run_\d{8}_\d{6}_[a-z0-9]{6} (running|awaiting_approval): \d+\/(\d+|\?) done, \d+ awaiting/m);
    expect(stdout()).not.toMatch(/ done, \d+ awaiting/); // progress goes to stderr: stdout keeps the table
    expect(stdout()).not.toContain('\u001b['); // no redraw when stdout is not a terminal
    expect(stdout()).toMatch(/\| approve\s+\| WAIT/);
    expect(stdout()).toMatch(/^\d\/6 INCOMPLETE$/m);
    expect(stdout()).toMatch(/email\(s\) await approval/);
    config.cleanup();
  });
});

describe('caio CLI with Slack configured', () => {
  it('a stop from the terminal queues the CRITICAL alert for Slack, naming who stopped', async () => {
    const env: Record<string, string> = { ...sharedRedisEnv(), SLACK_BOT_TOKEN: 'xoxb-test', SLACK_ALERT_CHANNEL: 'CALERT' };
    const stop = spawnCaio(['stop', '--reason', 'list looks wrong'], env);
    expect(await stop.exited).toBe(0);
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const outbox = new Queue(OUTBOX_QUEUE, { connection: redis, prefix: bullPrefix(env.CAIO_REDIS_PREFIX ?? '') });
    const jobs = await outbox.getJobs(['waiting', 'delayed', 'prioritized']);
    const alerts = jobs.map((j) => j.data as { kind: string; level?: string; text?: string }).filter((d) => d.kind === 'alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ level: 'CRITICAL' });
    expect(alerts[0]?.text).toMatch(/EMERGENCY STOP by cli:\S+.*list looks wrong/);
    await outbox.close();
    redis.disconnect();
  });
});

describe('service roles', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('a worker shuts down cleanly on %s and exits 0', async (signal) => {
    const caio = spawnCaio(['--role', 'worker'], { ...sharedRedisEnv(), LOG_LEVEL: 'info' });
    const deadline = Date.now() + 15_000;
    while (!caio.output().includes('caio started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(caio.output()).toContain('caio started');
    expect(await caio.stop(signal)).toBe(0);
    expect(caio.output()).toContain('shutdown complete');
  });

  it('an unknown role is refused with exit code 2', async () => {
    const caio = spawnCaio(['--role', 'boss'], sharedRedisEnv());
    expect(await caio.exited).toBe(2);
    expect(caio.output()).toContain('--role must be web, worker or all');
  });
});

describe('embedded Redis', () => {
  it('without REDIS_URL and without redis-server on PATH, says how to fix it and exits 2', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const emptyBin = mkdtempSync(`${tmpdir()}/caio-nobin-`);
    const caio = spawnCaio(['run', '--sandbox', '--leads', '1'], { PATH: emptyBin });
    expect(await caio.exited).toBe(2);
    expect(caio.output()).toContain('no redis-server binary was found on PATH');
    expect(caio.output()).toContain('REDIS_URL=redis://127.0.0.1:6379');
    rmSync(emptyBin, { recursive: true, force: true });
  });
});
