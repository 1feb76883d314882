import { createHash } from 'node:crypto';
import { createClayWebhookUsage } from '../core/clay-webhook-usage.ts';
import type { Lead } from '../core/types.ts';
import type { ProviderChannel, ProviderDeps } from './provider-call.ts';
import type { ClayEnricher } from './types.ts';

/** Clay credits one pipeline row costs: the email, its validation and the company columns. */
export function clayCostPerLead(costs: { email: number; validation: number; company: number }): number {
  return costs.email + costs.validation + costs.company;
}

/**
 * Clay: POST the lead as one row to the table's inbound webhook; the table's HTTP API column calls
 * /webhooks/clay later, which resumes the lead through `resumeClay`. When the tier is skipped (budget
 * spent, webhook full) we answer that callback ourselves with a miss, so the lead moves straight on
 * to BetterContact instead of waiting out the timeout.
 */
export function createClay(deps: ProviderDeps, channel: ProviderChannel, webhookUrl: string, token: string | undefined): ClayEnricher {
  const settings = deps.config.providers;
  // The URL is a secret of sorts: count under a hash of it, so a new webhook starts a new count.
  const webhookId = createHash('sha256').update(webhookUrl).digest('hex').slice(0, 16);
  const usage = createClayWebhookUsage(deps.redis, deps.keys);
  const warnAt = Math.ceil(settings.clay_webhook_limit * settings.clay_warn_ratio);

  async function skip(lead: Lead, why: string): Promise<void> {
    deps.logger.info({ provider: 'clay', lead: lead.ref, why }, 'clay tier skipped');
    await deps.resumeClay({ source: 'caio_pipeline', lead_id: lead.ref, email: null, email_status: 'not_found' });
  }

  /** Posts one row, counting it against the webhook's lifetime cap (WARNING once at the threshold). */
  async function post(row: Record<string, unknown>): Promise<void> {
    // A duplicate row would cost credits twice and use up the webhook: no retry after a lost answer.
    await channel.call({ route: 'webhook', method: 'POST', url: webhookUrl, headers: token ? { 'x-clay-webhook-auth': token } : {}, body: row, idempotent: false });
    const count = await usage.countSubmission(webhookId);
    if (count >= warnAt && (await usage.claimWarning(webhookId))) {
      await deps.notifier
        .alert('WARNING', `Clay webhook has taken ${count} of its ${settings.clay_webhook_limit} lifetime submissions: create a new webhook and set CLAY_WORKBOOK_WEBHOOK_URL`, { used: count, limit: settings.clay_webhook_limit })
        .catch((err: unknown) => deps.logger.error({ err }, 'alert failed'));
    }
  }

  /** A row that never reached Clay (breaker open, error) costs nothing: give the credits back. */
  async function postOrRefund(row: Record<string, unknown>): Promise<void> {
    try {
      await post(row);
    } catch (err) {
      await deps.credits.refund('clay_credits', clayCostPerLead(settings.clay_costs));
      throw err;
    }
  }

  /** Whether a row may go out now: room left on the webhook and in the credit budget. */
  async function admit(): Promise<'ok' | 'webhook_full' | 'budget'> {
    const used = await usage.submissions(webhookId);
    if (used >= settings.clay_webhook_limit) return 'webhook_full';
    if (!(await deps.credits.reserve('clay_credits', clayCostPerLead(settings.clay_costs)))) return 'budget';
    return 'ok';
  }

  return {
    async submit(lead) {
      const admitted = await admit();
      if (admitted !== 'ok') return skip(lead, admitted);
      const row = {
        lead_id: lead.ref,
        source: 'caio_pipeline',
        first_name: lead.first_name,
        last_name: lead.last_name,
        title: lead.title,
        company_name: lead.company_name,
        company_domain: lead.company_domain,
        linkedin_url: lead.linkedin_url,
        industry: lead.industry,
        employee_count: lead.employee_count,
      };
      await postOrRefund(row);
    },
    async submitVisitor(row) {
      // Without room the visitor flow falls back to RB2B's own fields, so skipping is safe.
      const admitted = await admit();
      if (admitted !== 'ok') {
        deps.logger.info({ provider: 'clay', visitor: row.visitor_id, why: admitted }, 'clay visitor row skipped');
        return;
      }
      await postOrRefund({ ...row });
    },
  };
}
