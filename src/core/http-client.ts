import { Agent, type Dispatcher } from 'undici';
import type { Logger } from './logger.ts';

/** Error codes of every provider call; callers branch on `code`, never on messages. */
export type HttpErrorCode = 'HTTP_NO_RESPONSE' | 'HTTP_STATUS' | 'BREAKER_OPEN' | 'RATE_LIMITED' | 'EMERGENCY_STOPPED';

/** Base of every provider call error. */
export class ProviderCallError extends Error {
  readonly code: HttpErrorCode;
  readonly provider: string;
  readonly route: string;
  constructor(code: HttpErrorCode, provider: string, route: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProviderCallError';
    this.code = code;
    this.provider = provider;
    this.route = route;
  }
}

/** No HTTP response at all: connection refused or reset, DNS, or our own timeout. */
export class NoResponseError extends ProviderCallError {
  constructor(provider: string, route: string, cause: unknown) {
    super('HTTP_NO_RESPONSE', provider, route, `${provider} ${route}: no response (${describeCause(cause)})`, { cause });
    this.name = 'NoResponseError';
  }
}

/** A non-2xx answer after the retries the policy allows. */
export class HttpStatusError extends ProviderCallError {
  readonly status: number;
  /** Milliseconds the provider asked us to wait (Retry-After), when it said. */
  readonly retryAfterMs: number | null;
  declare readonly body: unknown;
  constructor(provider: string, route: string, status: number, body: unknown, retryAfterMs: number | null) {
    super('HTTP_STATUS', provider, route, `${provider} ${route}: HTTP ${status}`);
    this.name = 'HttpStatusError';
    this.status = status;
    this.retryAfterMs = retryAfterMs;
    // Not enumerable: a provider's error body may echo personal data, and loggers serialise own props.
    Object.defineProperty(this, 'body', { value: body, enumerable: false });
  }
}

/**
 * The call cannot be made now but will be possible later (breaker open, rate limit far away, a long
 * Retry-After): the stage parks its job until `retryAt` instead of failing the lead.
 */
export class ProviderDeferredError extends ProviderCallError {
  readonly retryAt: number;
  constructor(code: HttpErrorCode, provider: string, route: string, retryAt: number, message: string, options?: { cause?: unknown }) {
    super(code, provider, route, message, options);
    this.name = 'ProviderDeferredError';
    this.retryAt = retryAt;
  }
}

export class RateLimitedError extends ProviderDeferredError {
  constructor(provider: string, route: string, retryAt: number, cause?: unknown) {
    super('RATE_LIMITED', provider, route, retryAt, `${provider} ${route}: rate limited until ${new Date(retryAt).toISOString()}`, { cause });
    this.name = 'RateLimitedError';
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return (cause as Error & { code?: string }).code ?? cause.name;
  return 'unknown';
}

/** Named retry policies: `standard` for production, `fast` for tests and benchmarks. */
export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** A Retry-After above this is not slept on: the caller gets a RateLimitedError to park on. */
  maxRetryAfterMs: number;
}

export const RETRY_POLICIES = {
  standard: { attempts: 4, baseMs: 500, maxMs: 20_000, maxRetryAfterMs: 30_000 },
  fast: { attempts: 4, baseMs: 5, maxMs: 50, maxRetryAfterMs: 5_000 },
} satisfies Record<string, RetryPolicy>;

/**
 * The one place that decides what is retried. 429 and 5xx are transient. A request that changes
 * state (idempotent=false) is retried after a 5xx or a lost response only if the provider
 * deduplicates it; a 429 or a refused connection means nothing was done, so it is always safe.
 * Any other 4xx is our mistake and repeating it cannot help.
 */
export function shouldRetry(outcome: { status?: number; noResponse?: unknown }, idempotent: boolean): boolean {
  if (outcome.status !== undefined) {
    if (outcome.status === 429) return true;
    return outcome.status >= 500 && idempotent;
  }
  const code = (outcome.noResponse as { code?: string } | undefined)?.code;
  return idempotent || code === 'ECONNREFUSED';
}

/** Retry-After as seconds or an HTTP date, in ms from now (null when absent or unreadable). */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return null;
  const trimmed = raw.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Exponential backoff with full jitter, capped. */
export function backoffMs(policy: RetryPolicy, retry: number, random = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** retry);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface HttpRequest {
  /** Provider name for logs, breakers and errors. */
  provider: string;
  /** A fixed route label for logs (never the full URL: some URLs carry ids or secrets). */
  route: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  timeoutMs?: number;
  /** Whether repeating the request is harmless; see shouldRetry. GET defaults to true. */
  idempotent?: boolean;
  /** Runs before every attempt, e.g. to take a rate-limit slot. */
  beforeAttempt?: () => Promise<void>;
  /**
   * Throws to abandon the request (e.g. the emergency stop). Runs after beforeAttempt, immediately
   * before every dispatch, retries included, and every `guardPollMs` while a retry sleeps, so no
   * attempt leaves after it throws: neither a retry waking from backoff or Retry-After nor one that
   * waited for a rate-limit slot. Its error reaches the caller as is.
   */
  guard?: () => Promise<void>;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the text when the body is not JSON, or null when empty. */
  body: unknown;
}

export interface HttpClient {
  /** Resolves with any 2xx; throws HttpStatusError, NoResponseError or RateLimitedError. */
  request(req: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

export interface HttpClientOptions {
  logger: Logger;
  policy?: RetryPolicy;
  timeoutMs?: number;
  /** Keep-alive connections per origin (undici keeps one pool per host). */
  connections?: number;
  dispatcher?: Dispatcher;
  sleep?: (ms: number) => Promise<void>;
  /** How often a guarded request re-runs its guard while sleeping before a retry (default 200 ms). */
  guardPollMs?: number;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Often enough that a stop ends a sleeping retry well within DESIGN §6's one second. */
export const GUARD_POLL_MS = 200;

/**
 * Sleeps `ms` in slices of at most `pollMs`, running `guard` before each slice, so a wait that the
 * guard forbids ends within one slice instead of being slept out. Without a guard it is one plain
 * sleep. Ends on whichever runs out first, the wall clock or the sum of slices (an injected test
 * sleep returns at once, and must not make this spin on the clock).
 */
export async function guardedSleep(ms: number, guard: (() => Promise<void>) | undefined, pollMs = GUARD_POLL_MS, sleep: (ms: number) => Promise<void> = sleepFor): Promise<void> {
  if (!guard) return sleep(ms);
  const until = Date.now() + ms;
  let left = ms;
  while (left > 0) {
    await guard();
    const slice = Math.min(left, pollMs);
    await sleep(slice);
    left = Math.min(left - slice, until - Date.now());
  }
}

async function readBody(body: Dispatcher.ResponseData['body']): Promise<unknown> {
  const text = await body.text();
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The undici client every provider shares: pooled keep-alive, timeouts, retries, one log line per attempt. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const policy = options.policy ?? RETRY_POLICIES.standard;
  const sleep = options.sleep ?? sleepFor;
  const ownAgent = options.dispatcher ? null : new Agent({ connections: options.connections ?? 64, keepAliveTimeout: 30_000, pipelining: 1 });
  const dispatcher = options.dispatcher ?? (ownAgent as Agent);
  const log = options.logger;
  const pollMs = options.guardPollMs ?? GUARD_POLL_MS;

  /** Runs the request's guard, logging once why the request was abandoned (the error says it too). */
  async function check(req: HttpRequest, n: number, phase: 'dispatch' | 'retry wait'): Promise<void> {
    try {
      await req.guard?.();
    } catch (error) {
      log.warn({ provider: req.provider, route: req.route, method: req.method, attempt: n, phase, error: (error as { code?: string }).code ?? describeCause(error) }, 'provider call abandoned before sending');
      throw error;
    }
  }
  /** The sleep before retry `n + 1`, cut short when the guard forbids that retry. */
  const wait = (req: HttpRequest, n: number, ms: number) => guardedSleep(ms, req.guard && (() => check(req, n, 'retry wait')), pollMs, sleep);

  async function attempt(req: HttpRequest, n: number): Promise<{ response?: HttpResponse; error?: unknown }> {
    const started = performance.now();
    const timeoutMs = req.timeoutMs ?? options.timeoutMs ?? 15_000;
    const url = new URL(req.url);
    try {
      const res = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers: { accept: 'application/json', ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}), ...req.headers },
        body: req.body !== undefined ? JSON.stringify(req.body) : null,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const body = await readBody(res.body);
      const duration_ms = Math.round(performance.now() - started);
      log.info({ provider: req.provider, route: req.route, method: req.method, status: res.statusCode, duration_ms, attempt: n }, 'provider call');
      return { response: { status: res.statusCode, headers: res.headers, body } };
    } catch (error) {
      const duration_ms = Math.round(performance.now() - started);
      log.warn({ provider: req.provider, route: req.route, method: req.method, status: null, error: describeCause(error), duration_ms, attempt: n }, 'provider call got no response');
      return { error };
    }
  }

  return {
    async request(req) {
      const idempotent = req.idempotent ?? req.method === 'GET';
      for (let n = 1; ; n++) {
        await req.beforeAttempt?.();
        // After the limiter's wait, not before it: a stop set while waiting for a slot still counts.
        await check(req, n, 'dispatch');
        const { response, error } = await attempt(req, n);
        const last = n >= policy.attempts;
        if (response && response.status >= 200 && response.status < 300) return response;
        if (response) {
          const retryAfter = parseRetryAfter(response.headers['retry-after']);
          if (!shouldRetry({ status: response.status }, idempotent) || (last && response.status !== 429)) {
            throw new HttpStatusError(req.provider, req.route, response.status, response.body, retryAfter);
          }
          if (response.status === 429 && (last || (retryAfter !== null && retryAfter > policy.maxRetryAfterMs))) {
            // Throttled beyond what is worth sleeping on: the job parks, nothing is lost or counted as failed.
            const cause = new HttpStatusError(req.provider, req.route, 429, response.body, retryAfter);
            throw new RateLimitedError(req.provider, req.route, Date.now() + (retryAfter ?? backoffMs(policy, n)), cause);
          }
          await wait(req, n, retryAfter ?? backoffMs(policy, n - 1));
          continue;
        }
        if (last || !shouldRetry({ noResponse: error }, idempotent)) throw new NoResponseError(req.provider, req.route, error);
        await wait(req, n, backoffMs(policy, n - 1));
      }
    },
    async close() {
      await ownAgent?.close();
    },
  };
}
