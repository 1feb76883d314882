import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { locals } from './request-context.ts';

/**
 * How deep a webhook body may nest (the outer object or array is level 1). No provider body comes
 * close; a deeper one would overflow the stack of the recursive code after the parse (hashing,
 * validation), so it is refused before anything parses it.
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests deeper than `max`: one iterative pass counting `{`/`[` outside strings
 * (escapes inside strings skipped), so no input can exhaust the stack. The text is not validated
 * here; JSON.parse does that. UTF-8 bytes are scanned directly (no ASCII byte occurs inside a
 * multi-byte character); other charsets are decoded first.
 */
export function nestsDeeperThan(text: Uint8Array | string, max: number): boolean {
  const at = typeof text === 'string' ? (i: number) => text.charCodeAt(i) : (i: number) => text[i]!;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = at(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

class TooDeepError extends Error {
  readonly type = 'entity.too.deep';
  constructor() {
    super(`body nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

/** body-parser's verify hook: runs on the raw bytes after the size limit and before JSON.parse. */
function checkDepth(_req: Request, _res: Response, buf: Buffer, encoding: string): void {
  const utf8 = /^utf-?8$/i.test(encoding);
  let text: Uint8Array | string = buf;
  if (!utf8) {
    try {
      text = new TextDecoder(encoding).decode(buf);
    } catch {
      // A charset TextDecoder lacks (body-parser decodes it with iconv-lite): scan the bytes.
    }
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw new TooDeepError();
}

/** body-parser error types mapped to the 4xx we answer with (anything else is ours: 500). */
const PARSE_ERRORS: Record<string, { status: number; message: string }> = {
  'entity.too.large': { status: 413, message: 'body too large' },
  'entity.parse.failed': { status: 400, message: 'body is not valid JSON' },
  'entity.verify.failed': { status: 400, message: 'body rejected' },
  'entity.too.deep': { status: 400, message: `body nested deeper than ${MAX_JSON_DEPTH} levels` },
  'encoding.unsupported': { status: 415, message: 'unsupported content encoding' },
  'charset.unsupported': { status: 415, message: 'unsupported charset' },
  'request.aborted': { status: 400, message: 'request aborted' },
  'request.size.invalid': { status: 400, message: 'body length does not match Content-Length' },
  'stream.encoding.set': { status: 400, message: 'bad request stream' },
};

/**
 * Parses any body as JSON whatever its Content-Type (providers are not consistent about it),
 * with a size limit and a nesting limit (MAX_JSON_DEPTH, checked before the parse); a body that
 * is not a JSON object or array is a 400.
 */
export function createJsonBody(limitBytes: number): RequestHandler[] {
  const parse = express.json({ limit: limitBytes, type: () => true, strict: true, verify: checkDepth });
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
