import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { locals } from './request-context.ts';

/** body-parser error types mapped to the 4xx we answer with (anything else is ours: 500). */
const PARSE_ERRORS: Record<string, { status: number; message: string }> = {
  'entity.too.large': { status: 413, message: 'body too large' },
  'entity.parse.failed': { status: 400, message: 'body is not valid JSON' },
  'entity.verify.failed': { status: 400, message: 'body rejected' },
  'encoding.unsupported': { status: 415, message: 'unsupported content encoding' },
  'charset.unsupported': { status: 415, message: 'unsupported charset' },
  'request.aborted': { status: 400, message: 'request aborted' },
  'request.size.invalid': { status: 400, message: 'body length does not match Content-Length' },
  'stream.encoding.set': { status: 400, message: 'bad request stream' },
};

/**
 * Parses any body as JSON whatever its Content-Type (providers are not consistent about it),
 * with a size limit; a body that is not a JSON object or array is a 400.
 */
export function createJsonBody(limitBytes: number): RequestHandler[] {
  const parse = express.json({ limit: limitBytes, type: () => true, strict: true });
  const guard = (req: Request, res: Response, next: NextFunction): void => {
    if (req.body === undefined || req.body === null || typeof req.body !== 'object') {
      res.status(400).json({ error: 'body must be a JSON object' });
      return;
    }
    next();
  };
  return [parse, guard];
}

/** Turns body-parser failures into 4xx answers with a reason. */
export function bodyErrorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  const type = typeof err === 'object' && err !== null && 'type' in err ? String((err as { type: unknown }).type) : '';
  const known = PARSE_ERRORS[type];
  if (!known) {
    next(err);
    return;
  }
  locals(res).log?.info({ type }, 'webhook body rejected');
  res.status(known.status).json({ error: known.message });
}
