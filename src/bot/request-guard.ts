import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { verifySlackRequest } from '@slack/bolt';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import { checkEnvelope } from './payload-schema.ts';

const BODY_LIMIT = 1024 * 1024;

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
 * In front of Bolt on /slack/events: a forged or stale signature gets 401 and a body of the wrong
 * shape 400, before any listener runs; the raw body is handed on (`req.rawBody`) so Bolt reads it
 * again, and the time to the ack is recorded.
 */
export function slackRequestGuard(deps: { signingSecret: string; logger: Logger; metrics: Metrics }): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    let raw: Buffer;
    try {
      raw = await readBody(req, BODY_LIMIT);
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
      // Rejects a bad HMAC and a timestamp more than five minutes old (replays).
      verifySlackRequest({ signingSecret: deps.signingSecret, body, headers: { 'x-slack-signature': signature ?? '', 'x-slack-request-timestamp': timestamp } });
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
    (req as Request & { rawBody?: Buffer }).rawBody = raw;
    res.on('finish', () => {
      deps.metrics.slackAckSeconds.observe({ kind: envelope.kind }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
