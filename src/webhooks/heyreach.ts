import type { Request, Response } from 'express';
import { heyreachSchema, toHeyReachSignal } from './heyreach-schema.ts';
import { locals, logDebug } from './request-context.ts';
import type { RouteDeps } from './route-deps.ts';
import { parseBody } from './validate.ts';

/** POST /webhooks/heyreach: LinkedIn replies and accepted connections; other events are only logged. */
export function createHeyReachHandler(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const body = parseBody(heyreachSchema, req.body, res);
    if (!body) return;
    const { reqId } = locals(res);
    const { type, signal } = toHeyReachSignal(body, new Date());
    if (!signal) {
      locals(res).log.info({ type }, 'heyreach event not acted on');
      res.status(200).json({ status: 'ignored' });
      return;
    }
    const result = await deps.accept('heyreach', signal.event_id, { name: 'lead-signal', data: { reqId, signal } });
    logDebug(res, { result, type }, 'heyreach event accepted');
    res.status(result === 'accepted' ? 202 : 200).json({ status: result });
  };
}
