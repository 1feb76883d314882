import type { AppContext } from '../../src/context.ts';
import { UNSUBSCRIBE_FOOTER } from '../../src/core/email-template.ts';
import type { EmailStep, Lead } from '../../src/core/types.ts';
import { newRunId } from '../../src/jobs/runs.ts';

/** The address of the i-th seeded lead. */
export function seededEmail(i: number): string {
  return `ana.lee${i}@acme.example`;
}

/** A crafted lead of a run, ready for approval. */
export function seededLead(runId: string, i: number): Lead {
  return {
    id: `seed${i}`, ref: `${runId}-seed${i}`, runId, source: 'default', state: 'crafted', updated_at: new Date().toISOString(),
    first_name: 'Ana', last_name: `Lee${i}`, title: 'VP Sales', seniority: 'vp', email: seededEmail(i), email_status: 'verified',
    linkedin_url: null, company_name: 'Acme', company_domain: 'acme.example', industry: 'Software', employee_count: 200, signals: [],
  };
}

/** A whole five-email sequence, each step's subject and body distinct: `${label} · step N`. */
export function seededSteps(label: string): EmailStep[] {
  return [1, 2, 3, 4, 5].map((n) => ({ subject: `${label} · step ${n}`, body: `Body of ${label}, step ${n}.${UNSUBSCRIBE_FOOTER}` }));
}

/** A run of `total` leads; nothing is in it yet. */
export async function seedRun(ctx: AppContext, total: number): Promise<string> {
  const runId = newRunId();
  await ctx.store.createRun({ id: runId, source: 'default', limit: total, started_by: 'test' });
  await ctx.store.setRunFields(runId, { total });
  return runId;
}

/**
 * Puts lead `i` of a run into the send stage the way the pipeline does: an approval record, a
 * human decision through the approval service, and with it the send job.
 */
export async function seedApprovedLead(ctx: AppContext, runId: string, i: number): Promise<Lead> {
  const lead = seededLead(runId, i);
  await ctx.store.createLead(lead);
  await ctx.store.stageIn(runId, 'approve', lead.ref);
  const { approval } = await ctx.approvals.request({ runId, leadRef: lead.ref, steps: seededSteps(`Hi ${i}`) });
  const decided = await ctx.approvalService.decide(approval.id, { action: 'approve', by: 'U_APPROVER', shownHash: approval.hash });
  if (!decided.ok) throw new Error(`could not approve ${lead.ref}: ${decided.reason}`);
  return lead;
}

/** A run of `count` approved leads, each with its send job queued. */
export async function seedApprovedRun(ctx: AppContext, count: number): Promise<{ runId: string; leads: Lead[] }> {
  const runId = await seedRun(ctx, count);
  const leads: Lead[] = [];
  for (let i = 0; i < count; i++) leads.push(await seedApprovedLead(ctx, runId, i));
  return { runId, leads };
}
