/**
 * A closed-loop load generator (autocannon, as its own process) whose every request is signed
 * afresh (bench/signed-requests.ts): each connection sends its next request when the last is answered.
 * Usage: node --import tsx bench/signed-load.ts <url> <seconds> <connections> <secret> <body template>
 * Prints autocannon's result as one JSON line.
 */
import { createRequire } from 'node:module';
import { signedRequests } from './signed-requests.ts';

type Cannon = (options: Record<string, unknown>) => Promise<unknown>;
// autocannon ships no types; its result is passed through as JSON.
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

const [url, secondsArg, connectionsArg, secret, template] = process.argv.slice(2);
if (!url || !secondsArg || !connectionsArg || !secret || template === undefined) {
  process.stderr.write('usage: signed-load.ts <url> <seconds> <connections> <secret> <body template>\n');
  process.exit(2);
}
const next = signedRequests(secret, template);
const result = await autocannon({
  url,
  connections: Number(connectionsArg),
  duration: Number(secondsArg),
  requests: [{ method: 'POST', setupRequest: (req: Record<string, unknown>) => ({ ...req, ...next() }) }],
});
process.stdout.write(`${JSON.stringify(result)}\n`);
