import { scoreLead } from '../../core/icp-score.ts';
import type { Logger } from '../../core/logger.ts';
import type { IcpScore, Lead } from '../../core/types.ts';
import { highIntentPages, intentScore, type IntentScore } from '../intent-score.ts';
import { visitorPerson, type Visitor } from '../visitor-store.ts';
import type { WorkerDeps } from './deps.ts';

/** One run per UTC day collects the day's qualified visitors (a valid run id: run_YYYYMMDD_HHMMSS_xxxxxx). */
export function visitorRunId(now: Date): string {
  return `run_${now.toISOString().slice(0, 10).replaceAll('-', '')}_000000_visits`;
}

/**
 * Scores an enriched visitor and, above the threshold, puts them into the pipeline at the segment
 * stage as a `website_visitor` lead: craft, approval and the safety gate apply as to every lead.
 */
export async function qualifyVisitor(deps: WorkerDeps, visitorId: string, log: Logger): Promise<{ intent: IntentScore; icp: IcpScore; entered: string | null } | null> {
  const { ctx, visitors } = deps;
  const visitor = await visitors.get(visitorId);
  if (!visitor || !visitor.enriched) return null;
  const activity = await visitors.activity(visitorId);
  const hot = highIntentPages(activity.pages, ctx.config.webhooks.visitors.high_intent_paths);
  const person = visitorPerson(visitor, hot.includes('/pricing') ? ['visited_pricing'] : []);
  const weights = await ctx.policy.icp();
  // The job is retried later: a broken stored policy scores nobody until an approver fixes it.
  if (!weights) throw new Error('the stored policy is invalid: visitors are not scored until it is fixed');
  const icp = scoreLead(person, weights);
  const intent = intentScore(activity, icp, ctx.config.webhooks.visitors);
  await visitors.setFields(visitorId, { intent_score: intent.score, intent: JSON.stringify(intent.components) });
  log.info({ visitor: visitorId, intent: intent.score, icp: icp.score, qualifies: intent.qualifies }, 'visitor scored');
  if (!intent.qualifies || visitor.entered_ref) return { intent, icp, entered: visitor.entered_ref };
  // No address, nothing the pipeline could send: the visitor stays a CRM contact.
  if (!visitor.email) return { intent, icp, entered: null };
  const ref = await enterPipeline(deps, visitor, person, intent, log);
  return { intent, icp, entered: ref };
}

async function enterPipeline(deps: WorkerDeps, visitor: Visitor, person: Lead | ReturnType<typeof visitorPerson>, intent: IntentScore, log: Logger): Promise<string> {
  const { ctx } = deps;
  const now = new Date();
  const runId = visitorRunId(now);
  if (await ctx.store.createRun({ id: runId, source: 'website_visitor', limit: 10_000, started_by: 'rb2b', providers: ctx.providers.kind })) {
    await ctx.audit.append({ actor: 'rb2b', action: 'run.start', subject: runId, details: { source: 'website_visitor' } });
  }
  const ref = `${runId}-${visitor.id}`;
  const lead: Lead = { ...person, ref, runId, source: 'website_visitor', providers: ctx.providers.kind, enriched_by: 'clay', state: 'enriched', updated_at: now.toISOString() };
  const created = await ctx.store.createLead(lead);
  // The day's run grows with each visitor; a run that had finished is running again.
  if (created) await ctx.store.growRun(runId, 1);
  await ctx.queues.addLeadJob('segment', { runId, ref });
  await deps.visitors.setFields(visitor.id, { entered_ref: ref });
  if (created) {
    const name = [visitor.first_name, visitor.last_name].filter(Boolean).join(' ') || visitor.email;
    const why = intent.components.filter((c) => c.points > 0).map((c) => c.reason).join('; ');
    await ctx.notifier.alert('INFO', `Website visitor ${name}${visitor.company_name ? ` (${visitor.company_name})` : ''} scored ${intent.score}/100 intent and entered the pipeline: ${why}`, {
      visitor: visitor.id,
      lead: ref,
      run: runId,
      intent: intent.score,
    });
    log.info({ visitor: visitor.id, lead: ref }, 'visitor entered the pipeline');
  }
  return ref;
}
