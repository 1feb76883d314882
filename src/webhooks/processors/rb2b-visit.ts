import type { Job } from 'bullmq';
import type { ClayVisitorRow } from '../../providers/types.ts';
import { jobIdFor } from '../accept.ts';
import type { Rb2bVisit } from '../rb2b-schema.ts';
import type { Visitor } from '../visitor-store.ts';
import { jobLogger, parkWhileStopped, type WorkerDeps } from './deps.ts';
import { qualifyVisitor } from './visitor-qualify.ts';

export function visitorRow(v: Visitor): ClayVisitorRow {
  return {
    visitor_id: v.id,
    source: 'caio_visitor',
    email: v.email,
    first_name: v.first_name,
    last_name: v.last_name,
    title: v.title,
    company_name: v.company_name,
    company_domain: v.company_domain,
    linkedin_url: v.linkedin_url,
    industry: v.industry,
    employee_count: v.employee_count,
  };
}

/**
 * One RB2B visit: the page and day are recorded every time; the first sighting of a visitor each
 * day goes to Clay for enrichment; later visits of an enriched visitor are re-scored (a /pricing
 * visit may lift them over the threshold).
 */
export function createRb2bVisitProcessor(deps: WorkerDeps) {
  const { ctx, visitors } = deps;
  return async (job: Job<{ reqId: string; visit: Rb2bVisit }>, token?: string): Promise<void> => {
    const log = jobLogger(deps, job);
    const { visit } = job.data;
    const id = await visitors.resolve(visit.email, visit.linkedin_url);
    await visitors.recordVisit(id, visit);
    const day = visit.seen_at.slice(0, 10);
    if (!(await visitors.claimDay(id, day))) {
      log.info({ visitor: id, day }, 'visitor already seen today: page recorded');
      await qualifyVisitor(deps, id, log);
      return;
    }
    try {
      await parkWhileStopped(deps, job, token, log);
      const visitor = await visitors.get(id);
      if (!visitor) throw new Error(`visitor ${id} vanished`);
      const row = visitorRow(visitor);
      const clay = ctx.providers.clay;
      if (clay?.submitVisitor) {
        await clay.submitVisitor(row);
        // If Clay skips the row (budget, webhook full) or never calls back, RB2B's own fields
        // complete the visitor after the Clay timeout; a Clay answer before then wins.
        const payload = { ...row, email_status: null, fallback: true };
        await ctx.webhookQueue.add({ name: 'clay-visitor', data: { reqId: job.data.reqId, payload } }, jobIdFor('clay-visitor-fallback', `${id}-${day}`), {
          delayMs: ctx.config.pipeline.clay_timeout_ms,
        });
        log.info({ visitor: id }, 'visitor sent to Clay');
      } else {
        // No Clay visitor table (the sandbox, or a live Clay without one): RB2B's own fields are the
        // enrichment, delivered through the same path as a Clay callback (after the sandbox delay).
        const delayMs = ctx.providers.kind === 'sandbox' ? ctx.config.sandbox.clay_callback_delay_ms : 0;
        const payload = { ...row, email_status: row.email ? 'valid' : null };
        await ctx.webhookQueue.add({ name: 'clay-visitor', data: { reqId: job.data.reqId, payload } }, jobIdFor('clay-visitor-local', `${id}-${day}`), { delayMs });
        log.info({ visitor: id, delayMs }, 'visitor enrichment queued without Clay');
      }
      await visitors.markDaySent(id, day);
    } catch (err) {
      // Nothing reached Clay: let the retry (or the next visit) submit again.
      await visitors.releaseDay(id, day);
      throw err;
    }
  };
}
