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
async function readBody(req: Request, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += buf.length;
      if (size > limit) throw new BodyError(413);
      chunks.push(buf);
    }
  } catch (err) {
    throw err instanceof BodyError ? err : new BodyError(400);
  }
  return Buffer.concat(chunks);
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
    const sslCheck = body.includes('ssl_check=1');
    if (!sslCheck) {
      try {
        // Rejects a bad HMAC and a timestamp more than five minutes old (replays).
        verifySlackRequest({ signingSecret: deps.signingSecret, body, headers: { 'x-slack-signature': signature ?? '', 'x-slack-request-timestamp': timestamp } });
      } catch (err) {
        deps.logger.warn({ reason: (err as Error).message }, 'slack request refused: bad signature or stale timestamp');
        res.status(401).json({ error: 'invalid signature or stale timestamp' });
        return;
      }
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
