import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, HttpStatusError, NoResponseError, parseRetryAfter, RateLimitedError, RETRY_POLICIES, type HttpClient } from '../../src/core/http-client.ts';
import { createLogger } from '../../src/core/logger.ts';
import { startFakeServer, type FakeServer } from '../fakes/fake-server.ts';

let fake: FakeServer | undefined;
let client: HttpClient | undefined;
afterEach(async () => {
  await client?.close();
  await fake?.close();
  fake = undefined;
  client = undefined;
});

const SECRET = 'sk-live-SECRET-123456';

async function setup(options: { timeoutMs?: number } = {}) {
  fake = await startFakeServer(() => ({ status: 200, body: { ok: true, email: 'jane.doe@example.com' } }));
  const lines: string[] = [];
  const sleeps: number[] = [];
  client = createHttpClient({
    logger: createLogger('info', { write: (l: string) => void lines.push(l) }),
    policy: RETRY_POLICIES.fast,
    timeoutMs: options.timeoutMs ?? 2_000,
    sleep: async (ms) => void sleeps.push(ms),
  });
  const call = (overrides: Partial<Parameters<HttpClient['request']>[0]> = {}) =>
    client!.request({ provider: 'test', route: 'thing', method: 'POST', url: `${fake!.url}/thing`, headers: { 'x-api-key': SECRET }, body: { email: 'jane.doe@example.com' }, idempotent: true, ...overrides });
  return { lines, sleeps, call };
}

describe('http client', () => {
  it('retries a 429 after the Retry-After it was given (seconds and HTTP date)', async () => {
    const { sleeps, call } = await setup();
    fake!.failNext(1, { kind: 'status', status: 429, retryAfter: '2' });
    fake!.failNext(1, { kind: 'status', status: 429, retryAfter: new Date(Date.now() + 3_000).toUTCString() });
    const res = await call();
    expect(res.status).toBe(200);
    expect(fake!.requests).toHaveLength(3);
    expect(sleeps[0]).toBe(2_000);
    expect(sleeps[1]).toBeGreaterThan(1_000);
    expect(sleeps[1]).toBeLessThanOrEqual(3_000);
  });

  it('retries a 5xx with backoff when the request is idempotent, but not when it is not', async () => {
    const { sleeps, call } = await setup();
    fake!.failNext(2, { kind: 'status', status: 503 });
    expect((await call()).status).toBe(200);
    expect(fake!.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    fake!.failNext(1, { kind: 'status', status: 502 });
    const err = await call({ idempotent: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect((err as HttpStatusError).status).toBe(502);
    expect(fake!.requests).toHaveLength(4);
  });

  it('never retries another 4xx and carries status and body', async () => {
    const { call } = await setup();
    fake!.failNext(1, { kind: 'status', status: 422 });
    const err = (await call().catch((e: unknown) => e)) as HttpStatusError;
    expect(err).toBeInstanceOf(HttpStatusError);
    expect(err.code).toBe('HTTP_STATUS');
    expect(err.status).toBe(422);
    expect(err.body).toEqual({ error: 'fake fault' });
    expect(fake!.requests).toHaveLength(1);
  });

  it('times out a request that gets no answer and reports NoResponseError with the cause', async () => {
    const { call } = await setup({ timeoutMs: 150 });
    fake!.setFault({ kind: 'timeout' });
    const err = (await call().catch((e: unknown) => e)) as NoResponseError;
    expect(err).toBeInstanceOf(NoResponseError);
    expect(err.code).toBe('HTTP_NO_RESPONSE');
    expect(err.cause).toBeDefined();
    expect(fake!.requests).toHaveLength(RETRY_POLICIES.fast.attempts);
  });

  it('turns a Retry-After longer than the policy allows into a RateLimitedError to park on', async () => {
    const { call } = await setup();
    fake!.failNext(1, { kind: 'status', status: 429, retryAfter: '120' });
    const before = Date.now();
    const err = (await call().catch((e: unknown) => e)) as RateLimitedError;
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err.retryAt).toBeGreaterThanOrEqual(before + 119_000);
    expect(fake!.requests).toHaveLength(1);
  });

  it('logs provider, route, status and duration of every attempt, and never the key or the email', async () => {
    const { lines, call } = await setup();
    fake!.failNext(1, { kind: 'status', status: 500 });
    await call();
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ provider: 'test', route: 'thing', status: 500, attempt: 1 });
    expect(entries[1]).toMatchObject({ provider: 'test', route: 'thing', status: 200, attempt: 2 });
    expect(typeof entries[1]?.duration_ms).toBe('number');
    for (const line of lines) {
      expect(line).not.toContain(SECRET);
      expect(line).not.toContain('jane.doe');
    }
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('7')).toBe(7_000);
    expect(parseRetryAfter(new Date(1_000_000 + 5_000).toUTCString(), 1_000_000)).toBe(5_000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
  });
});
