/**
 * 10,000 sandbox leads through all six stages (auto-approve, shadow send) against a bare BullMQ
 * chain of six queues of no-op jobs, on the same Redis, in the same run. Prints leads/s for both,
 * the ratio, CPU per lead, peak RSS, and per lead: Redis commands (INFO commandstats calls, Lua's
 * own included), round trips (Redis read events) and kB sent to and read from Redis.
 * Bare and CAIO alternate over BENCH_ROUNDS rounds (default 3); the median ratio is reported.
 * Each phase runs in a fresh process on the built code (`npm run build` runs first), as the
 * service runs in production: neither phase inherits the other's heap or peak RSS, and no
 * TypeScript loader sits in the measured memory. Targets: ratio >= 0.7, RSS < 250 MB.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedRedis } from '../src/core/redis.ts';

const LEADS = Number(process.env.BENCH_LEADS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RATIO_TARGET = 0.7;
const RSS_TARGET_MB = 250;

const here = dirname(fileURLToPath(import.meta.url));

interface Phase {
  seconds: number;
  rssMb: number;
  /** This process's CPU time per lead (µs): steadier than leads/s when other work shares the machine. */
  cpuPerLead: number;
  commandsPerLead: number;
  roundTripsPerLead: number;
  kbInPerLead: number;
  kbOutPerLead: number;
  completed?: number;
  shadows?: number;
}

function run(command: string, args: string[]): string {
  const child = spawnSync(command, args, { cwd: join(here, '..'), encoding: 'utf8', env: { ...process.env, BENCH_LEADS: String(LEADS) }, maxBuffer: 16 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${child.status}): ${child.stderr}`);
  return child.stdout;
}

function phase(name: 'bare' | 'caio', url: string): Phase {
  const line = run(process.execPath, [join(here, 'pipeline-phase.js'), name, url]).trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Phase;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (name: string, rate: number, p: Phase) =>
  `${name.padEnd(38)} ${`${rate.toFixed(0)} leads/s`.padStart(14)} ${`${p.seconds.toFixed(2)} s`.padStart(9)}  RSS ${p.rssMb} MB  CPU ${p.cpuPerLead.toFixed(0)} µs/lead  ` +
  `Redis per lead: ${p.commandsPerLead.toFixed(1)} commands, ${p.roundTripsPerLead.toFixed(1)} round trips, ${p.kbInPerLead.toFixed(1)} kB in / ${p.kbOutPerLead.toFixed(1)} kB out\n`;

process.stdout.write('building dist/ (the phases run the built code)\n');
run('npm', ['run', '--silent', 'build']);
const embedded = process.env.REDIS_URL ? null : await startEmbeddedRedis();
const url = process.env.REDIS_URL ?? embedded?.url ?? '';
try {
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  let caioPeakMb = 0;
  let last: { bare: Phase; caio: Phase } | null = null;
  for (let round = 1; round <= ROUNDS; round++) {
    const bare = phase('bare', url);
    const caio = phase('caio', url);
    ratios.push(bare.seconds / caio.seconds);
    cpuRatios.push(caio.cpuPerLead / bare.cpuPerLead);
    caioPeakMb = Math.max(caioPeakMb, caio.rssMb);
    last = { bare, caio };
    if (ROUNDS > 1) process.stdout.write(`round ${round}\n`);
    process.stdout.write(fmt('bare BullMQ chain (6 no-op queues)', LEADS / bare.seconds, bare));
    process.stdout.write(fmt('CAIO pipeline (sandbox, shadow)', LEADS / caio.seconds, caio));
  }
  const ratio = median(ratios);
  process.stdout.write(`leads: ${LEADS}, finished: ${last?.caio.completed ?? 0}, shadow emails: ${last?.caio.shadows ?? 0}\n`);
  process.stdout.write(
    `ratio CAIO/bare: ${ratio.toFixed(2)}${ROUNDS > 1 ? ` (median of ${ROUNDS} rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')})` : ''} (target >= ${RATIO_TARGET}) ${ratio >= RATIO_TARGET ? 'OK' : 'BELOW TARGET'}\n`,
  );
  process.stdout.write(`CPU per lead CAIO/bare: ${median(cpuRatios).toFixed(2)} (median; ${cpuRatios.map((r) => r.toFixed(2)).join(', ')})\n`);
  process.stdout.write(`peak RSS of the CAIO process: ${caioPeakMb} MB (target < ${RSS_TARGET_MB} MB) ${caioPeakMb < RSS_TARGET_MB ? 'OK' : 'ABOVE TARGET'}\n`);
} finally {
  await embedded?.stop();
}
