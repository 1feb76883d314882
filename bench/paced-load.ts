/**
 * A paced load generator for benchmarks (run as its own process): requests arrive at an even,
 * randomised rate (Poisson arrivals) over a pool of keep-alive connections, and each latency is
 * measured from the moment the request was due, so a slow server cannot hide its queueing.
 * autocannon's own rate option sends each second's requests in one burst; this does not.
 * Usage: node --import tsx bench/paced-load.ts <url> <rate/s> <seconds> <connections> <headers JSON> <body> [signing secret]
 * With a signing secret, the body is a template and every request is signed afresh (bench/signed-requests.ts).
 * Prints one JSON line: { requests, rps, p50, p99, max, non2xx, errors } (latencies in ms).
 */
import { Pool } from 'undici';
import { signedRequests } from './signed-requests.ts';

const [url, rateArg, secondsArg, connectionsArg, headersArg, body, secret] = process.argv.slice(2);
if (!url || !rateArg || !secondsArg || !connectionsArg || !headersArg || body === undefined) {
  process.stderr.write('usage: paced-load.ts <url> <rate> <seconds> <connections> <headers JSON> <body>\n');
  process.exit(2);
}
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const target = new URL(url);
const pool = new Pool(target.origin, { connections: Number(connectionsArg), pipelining: 1 });
const fixedHeaders = JSON.parse(headersArg) as Record<string, string>;
const nextRequest = secret ? signedRequests(secret, body) : () => ({ body, headers: fixedHeaders });

const latencies: number[] = [];
let non2xx = 0;
let errors = 0;
const inFlight: Promise<void>[] = [];
const start = performance.now();
let due = start;

async function fire(dueAt: number): Promise<void> {
  try {
    const res = await pool.request({ path: target.pathname, method: 'POST', ...nextRequest() });
    await res.body.dump();
    if (res.statusCode < 200 || res.statusCode >= 300) non2xx++;
    latencies.push(performance.now() - dueAt);
  } catch {
    errors++;
  }
}

while (due - start < seconds * 1000) {
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  inFlight.push(fire(due));
  // Exponential gaps: arrivals are independent, as clicks from many people are.
  due += (-Math.log(1 - Math.random()) * 1000) / rate;
}
await Promise.all(inFlight);
await pool.close();
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
const elapsed = (performance.now() - start) / 1000;
process.stdout.write(
  `${JSON.stringify({ requests: latencies.length, rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), max: at(1), non2xx, errors })}\n`,
);
