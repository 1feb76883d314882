import type { Request, Response } from 'express';
import { bodyHash } from './accept.ts';
import { instantlySchema, toEvent } from './instantly-schema.ts';
import { instantlySignal } from './instantly-signal.ts';
import { locals, logDebug } from './request-context.ts';
import type { RouteDeps } from './route-deps.ts';
import { parseBody } from './validate.ts';

/** POST /webhooks/instantly: sent, opened, replied, bounced, unsubscribed (and others, logged). */
export function createInstantlyHandler(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const body = parseBody(instantlySchema, req.body, res);
    if (!body) return;
    const { reqId } = locals(res);
    const event = toEvent(body, new Date());
    // An email's event counts once: its email_id and type, or the body hash without an email_id.
    const eventId = event.email_id ? `${event.type}|${event.email_id}` : bodyHash(body);
    // A reply, out-of-office, bounce or unsubscribe also acts on the lead (lead-signal), beside the KPIs.
    const signal = instantlySignal(body, eventId, event.at, event.step);
    const [result] = await Promise.all([
      deps.accept('instantly', eventId, { name: 'instantly-event', data: { reqId, event } }),
      signal ? deps.accept('instantly-signal', eventId, { name: 'lead-signal', data: { reqId, signal } }) : null,
    ]);
    logDebug(res, { result, type: event.type, campaign: event.campaign_id }, 'instantly event accepted');
    res.status(result === 'accepted' ? 202 : 200).json({ status: result });
  };
}
