import { hash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { secretMatches } from '../webhooks/secret-check.ts';

/** The cookie a browser gets after opening the queue view with ?token=, so its API calls pass too. */
const COOKIE = 'caio_admin';

/** A cookie value derived from the token: the token itself never sits in the browser's cookie jar. */
function cookieValue(token: string): string {
  return hash('sha256', `caio-admin:${token}`, 'hex');
}

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

function cookieOf(req: Request): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return value.join('=');
  }
  return undefined;
}

/**
 * Guards the operator routes (/admin/queues, /metrics) with ADMIN_TOKEN: `Authorization: Bearer`,
 * `?token=` or the cookie set by a `?token=` visit, compared in constant time. Without a token only
 * loopback clients pass (the socket's own address: X-Forwarded-For is never believed here).
 */
export function adminAccess(token: string | undefined, what: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!token) {
      if (isLoopback(req.socket.remoteAddress)) return next();
      res.status(403).json({ error: `${what} answers only loopback clients while ADMIN_TOKEN is unset` });
      return;
    }
    const bearer = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const query = typeof req.query.token === 'string' ? req.query.token : undefined;
    const provided = bearer ?? query;
    if (provided !== undefined && provided !== '' && secretMatches(provided, token)) {
      if (query !== undefined) res.cookie(COOKIE, cookieValue(token), { httpOnly: true, sameSite: 'strict', path: req.baseUrl || '/', secure: req.secure });
      return next();
    }
    const cookie = cookieOf(req);
    if (cookie !== undefined && secretMatches(cookie, cookieValue(token))) return next();
    res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: `${what} needs ADMIN_TOKEN (Authorization: Bearer <token> or ?token=<token>)` });
  };
}
