import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import { checkEnvelope } from './payload-schema.ts';
import type { SlackKeys } from '../core/keys.ts';
import { loadScripts } from '../core/lua.ts';
import { tickBatch } from '../core/tick-batch.ts';
import { TimeoutError, withTimeout } from '../core/timeout.ts';

/** Slack's window: a request timestamp more than this far from our clock, either way, is refused. */
export const TIMESTAMP_WINDOW_S = 5 * 60;
/** How long the ack waits for the replay marker before going on without it. */
const REPLAY_TIMEOUT_MS = 1_000;

/** Used when the caller passes no limit (tests); the app passes `slack.max_body_bytes`. */
const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface GuardDeps {
  signingSecret: string;
  maxBodyBytes?: number;
  logger: Logger;
  metrics: Metrics;
  /** Holds the replay markers, shared by every web replica. */
  redis: Redis;
  keys: SlackKeys;
  replayTimeoutMs?: number;
}

/**
 * Marks signed requests as seen (SET NX EX): true when new, false when the same timestamp and
 * signature came before, null when Redis did not answer in time. The requests of one event-loop
 * tick share one script call (lua/mark-seen.lua) and one timer. A marker lives at least until its
 * timestamp leaves the window (the longest of its batch), so a replay is refused as long as it would verify.
 */
function createReplayMarker(deps: GuardDeps): (timestamp: number, signature: string) => Promise<boolean | null> {
  const scripts = loadScripts(deps.redis);
  const timeoutMs = deps.replayTimeoutMs ?? REPLAY_TIMEOUT_MS;
  const mark = tickBatch(async (markers: Array<{ key: string; ttl: number }>) => {
    const ttlS = Math.max(...markers.map((m) => m.ttl));
    const fresh = await withTimeout(scripts.markSeen({}, { ttlS }, { keys: markers.map((m) => m.key) }), timeoutMs);
    return fresh.map((n) => n === 1);
  });
  return (timestamp, signature) => {
    const key = deps.keys.replay(hash('sha256', `${timestamp}:${signature}`, 'hex'));
    const ttl = Math.min(2 * TIMESTAMP_WINDOW_S, Math.max(1, timestamp + TIMESTAMP_WINDOW_S - Math.floor(Date.now() / 1000))) + 1;
    return mark({ key, ttl }).catch((err: unknown) => {
      if (err instanceof TimeoutError) return null;
      throw err;
    });
  };
}

/**
 * Slack's v0 signature: `v0=` + hex HMAC-SHA256(secret, `v0:{timestamp}:{raw body}`), compared in
 * constant time, with the timestamp no more than five minutes old. The same rules as Bolt's
 * verifySlackRequest with one HMAC instead of three (its compare hashes both sides again). Throws
 * with the reason.
 */
function verifySignature(secret: string, body: string, timestamp: number, signature: string | undefined): void {
  if (Number.isNaN(timestamp)) throw new Error('x-slack-request-timestamp is missing or not a number');
  if (timestamp < Math.floor(Date.now() / 1000) - TIMESTAMP_WINDOW_S) throw new Error(`x-slack-request-timestamp is more than ${TIMESTAMP_WINDOW_S / 60} minutes old`);
  const [version, given] = (signature ?? '').split('=');
  if (version !== 'v0' || !given) throw new Error('unknown signature version');
  const expected = Buffer.from(createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex'));
  const provided = Buffer.from(given);
  if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) throw new Error('signature mismatch');
}

class BodyError extends Error {
  constructor(readonly status: 400 | 413) {
    super(status === 413 ? 'body too large' : 'could not read body');
  }
}

/** Reads the raw bytes (the signature is over them, so nothing may parse the body first). */
function readBody(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new BodyError(413));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', () => reject(new BodyError(400)));
  });
}

/**
 * In front of Bolt on /slack/events: a forged signature or a timestamp more than five minutes off
 * (past or future) gets 401 and a body of the wrong shape 400, before any listener runs; the same
 * signed request seen again (same timestamp and signature, on any replica) gets an empty 200 and
 * runs nothing. The raw body is handed on (`req.rawBody`) so Bolt reads it again, and the time to
 * the ack is recorded. Slack's own retries carry a new timestamp and signature: they pass here and
 * are deduplicated by the listeners.
 */
export function slackRequestGuard(deps: GuardDeps): RequestHandler {
  const markFresh = createReplayMarker(deps);
  return async (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    let raw: Buffer;
    try {
      raw = await readBody(req, deps.maxBodyBytes ?? DEFAULT_BODY_LIMIT);
    } catch (err) {
      const status = err instanceof BodyError ? err.status : 400;
      res.status(status).json({ error: status === 413 ? 'body too large' : 'could not read body' });
      return;
    }
    const body = raw.toString('utf8');
    const signature = req.header('x-slack-signature');
    const timestamp = Number(req.header('x-slack-request-timestamp'));
    // Slack's certificate check is the one unsigned request: answered here, it does nothing else.
    const sslCheck = !(req.header('content-type') ?? '').includes('json') && new URLSearchParams(body).get('ssl_check') === '1';
    if (sslCheck) {
      res.status(200).end();
      return;
    }
    try {
      // Slack's rules refuse a timestamp more than five minutes old; one far ahead is refused too.
      if (timestamp > Math.floor(Date.now() / 1000) + TIMESTAMP_WINDOW_S) {
        throw new Error(`x-slack-request-timestamp is more than ${TIMESTAMP_WINDOW_S / 60} minutes in the future`);
      }
      verifySignature(deps.signingSecret, body, timestamp, signature);
    } catch (err) {
      deps.logger.warn({ reason: (err as Error).message }, 'slack request refused: bad signature or stale timestamp');
      res.status(401).json({ error: 'invalid signature or stale timestamp' });
      return;
    }
    const envelope = checkEnvelope(body, req.header('content-type') ?? '');
    if (!envelope.ok) {
      deps.logger.warn({ problem: envelope.problem }, 'malformed slack payload');
      res.status(400).json({ error: `malformed payload: ${envelope.problem}` });
      return;
    }
    // Redis failing or slow must not hold the ack: the listeners' own idempotency still holds.
    const fresh = await markFresh(timestamp, signature ?? '').catch((err: unknown) => {
      deps.logger.warn({ err }, 'slack replay check failed: request handled without it');
      return true;
    });
    if (fresh === false) {
      deps.logger.info({ kind: envelope.kind, timestamp }, 'slack request replay ignored: same timestamp and signature seen before');
      res.status(200).end();
      return;
    }
    if (fresh === null) deps.logger.warn({ kind: envelope.kind }, 'slack replay check: Redis did not answer in time, request handled without it');
    (req as Request & { rawBody?: Buffer }).rawBody = raw;
    res.on('finish', () => {
      deps.metrics.slackAckSeconds.observe({ kind: envelope.kind }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
