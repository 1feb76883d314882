/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process, one after another, so each
 * gets the machine to itself and its peak RSS is its own. Pass names to run only some:
 * `npm run bench -- pipeline`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((name) => f.includes(name)))
  .sort();

let failed = 0;
for (const file of files) {
  process.stdout.write(`\n=== ${file} ===\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, file)], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) failed++;
}
process.stdout.write(`\n${files.length - failed}/${files.length} benchmarks ran${failed ? `, ${failed} failed` : ''}\n`);
process.exit(failed ? 1 : 0);
