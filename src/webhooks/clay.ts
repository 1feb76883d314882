import type { Request, Response } from 'express';
import { bodyHash, boundedLookup } from './accept.ts';
import { clayCallbackSchema, pickEnrichment, PIPELINE_SOURCE, type ClayCallbackBody } from './clay-schema.ts';
import { parseEmail } from '../core/email.ts';
import { normaliseLinkedIn } from './rb2b-schema.ts';
import { locals, logDebug } from './request-context.ts';
import type { RouteDeps } from './route-deps.ts';
import { parseBody, rejectField } from './validate.ts';

type Mode = 'unified' | 'legacy';

/**
 * POST /webhooks/clay (unified) and POST /api/clay-callback (legacy, pipeline rows only).
 * Pipeline rows resume the lead's parked enrichment; visitor rows complete the RB2B flow.
 */
export function createClayHandler(deps: RouteDeps, mode: Mode) {
  return async (req: Request, res: Response): Promise<void> => {
    const body = parseBody(clayCallbackSchema, req.body, res);
    if (!body) return;
    const { reqId } = locals(res);
    const pipeline = mode === 'legacy' || (body.source === PIPELINE_SOURCE && !body.visitor_id);
    if (pipeline) {
      await handlePipeline(deps, body, req, res);
      return;
    }
    const visitorId = body.visitor_id ?? null;
    if (visitorId) {
      if (!(await boundedLookup(deps.visitors.exists(visitorId)))) {
        res.status(404).json({ error: `unknown visitor_id ${visitorId}` });
        return;
      }
    } else if (!parseEmail(body.email) && !normaliseLinkedIn(body.linkedin_url)) {
      rejectField(res, 'visitor_id', 'a visitor row needs visitor_id, or an email or linkedin_url to identify the visitor');
      return;
    }
    const result = await deps.accept('clay-visitor', bodyHash(body), {
      name: 'clay-visitor',
      data: { reqId, payload: { ...pickEnrichment(body), visitor_id: visitorId } },
    });
    logDebug(res, { branch: 'visitor', visitorId, result }, 'clay callback accepted');
    res.status(result === 'accepted' ? 202 : 200).json({ status: result, branch: 'visitor' });
  };
}

async function handlePipeline(deps: RouteDeps, body: ClayCallbackBody, _req: Request, res: Response): Promise<void> {
  const { reqId } = locals(res);
  const leadId = body.lead_id;
  if (!leadId) {
    rejectField(res, 'lead_id', 'a pipeline callback needs the lead_id of the row CAIO sent');
    return;
  }
  // The lead must exist now: an unknown id is a 404 the sender can see, not a job that fails later.
  if (!(await boundedLookup(deps.store.leadExists(leadId)))) {
    res.status(404).json({ error: `unknown lead_id ${leadId}` });
    return;
  }
  // One callback per lead: clay-resume records only the first, so a redelivery is a duplicate.
  const result = await deps.accept('clay-pipeline', leadId, {
    name: 'clay-pipeline',
    data: { reqId, payload: { ...pickEnrichment(body), source: PIPELINE_SOURCE, lead_id: leadId } },
  });
  logDebug(res, { branch: 'pipeline', lead: leadId, result }, 'clay callback accepted');
  res.status(result === 'accepted' ? 202 : 200).json({ status: result, branch: 'pipeline' });
}
