import type { Request, Response } from 'express';
import { bodyHash } from './accept.ts';
import { rb2bSchema, toVisit } from './rb2b-schema.ts';
import { locals, logDebug } from './request-context.ts';
import type { RouteDeps } from './route-deps.ts';
import { parseBody } from './validate.ts';

/** POST /webhooks/rb2b: one website visit. RB2B disconnects after 15 s, so only validate and queue. */
export function createRb2bHandler(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const body = parseBody(rb2bSchema, req.body, res);
    if (!body) return;
    const { reqId } = locals(res);
    const visit = toVisit(body, new Date());
    // RB2B sends no event id: the same body delivered twice is the same visit.
    const result = await deps.accept('rb2b', bodyHash(body), { name: 'rb2b-visit', data: { reqId, visit } });
    logDebug(res, { result, page: visit.page }, 'rb2b visit accepted');
    res.status(result === 'accepted' ? 202 : 200).json({ status: result });
  };
}
