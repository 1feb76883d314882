import type { Job } from 'bullmq';
import type { ClayVisitorPayload } from '../clay-schema.ts';
import { jobLogger, parkWhileStopped, type WorkerDeps } from './deps.ts';
import { qualifyVisitor } from './visitor-qualify.ts';

/**
 * A visitor's Clay result (or, when Clay did not answer in time, RB2B's own fields): merged into the visitor, upserted in GoHighLevel with the intent score
 * as a tag, then scored for the pipeline.
 */
export function createClayVisitorProcessor(deps: WorkerDeps) {
  const { ctx, visitors } = deps;
  return async (job: Job<{ reqId: string; payload: ClayVisitorPayload }>, token?: string): Promise<void> => {
    const log = jobLogger(deps, job);
    const { payload } = job.data;
    const id = payload.visitor_id ?? (await visitors.resolve(payload.email, payload.linkedin_url));
    if (payload.fallback && (await visitors.get(id))?.enriched) {
      log.info({ visitor: id }, 'clay answered in time: fallback not needed');
      return;
    }
    await visitors.applyEnrichment(id, payload);
    if (!payload.visitor_id) await visitors.setFields(id, { first_seen: new Date().toISOString() }).catch(() => undefined);
    await parkWhileStopped(deps, job, token, log);
    const scored = await qualifyVisitor(deps, id, log);
    const visitor = await visitors.get(id);
    const ghl = ctx.providers.ghl;
    if (visitor && ghl && (visitor.email || visitor.first_name)) {
      const tags = ['website_visitor', 'rb2b'];
      if (scored) tags.push(`intent_${scored.intent.score >= ctx.config.webhooks.visitors.intent_threshold ? 'high' : 'low'}`);
      const { contactId } = await ghl.upsertContact({
        email: visitor.email,
        first_name: visitor.first_name,
        last_name: visitor.last_name,
        company_name: visitor.company_name,
        source: 'rb2b',
        tags,
      });
      await visitors.setFields(id, { ghl_contact_id: contactId });
      log.info({ visitor: id, contact: contactId }, 'visitor upserted in GoHighLevel');
    }
  };
}
