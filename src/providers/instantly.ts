import { z } from 'zod';
import { versionedUrl, type ProviderChannel, type ProviderDeps } from './provider-call.ts';
import type { EmailSender } from './types.ts';

const createdSchema = z.object({ id: z.string().min(1) }).loose();

/**
 * Instantly API v2: adds the lead with the approved subject and body as custom variables. Called
 * only after the safety gate reserved the send; `skip_if_in_campaign` makes a retry after a lost
 * answer a no-op at Instantly, so a lead is never added (and emailed) twice.
 */
export function createInstantly(deps: ProviderDeps, channel: ProviderChannel, apiKey: string, campaignId: string): EmailSender {
  const base = deps.config.env.INSTANTLY_BASE_URL;
  return {
    async addLead(email) {
      const body = {
        campaign: campaignId,
        email: email.email,
        first_name: email.first_name ?? undefined,
        last_name: email.last_name ?? undefined,
        company_name: email.company_name ?? undefined,
        job_title: email.title ?? undefined,
        personalization: email.body,
        custom_variables: { subject: email.subject, body: email.body, step: email.step, caio_ref: email.leadRef, caio_key: email.idempotencyKey },
        skip_if_in_campaign: true,
      };
      const route = 'leads';
      const res = await channel.call({ route, method: 'POST', url: versionedUrl(base, '/api/v2', '/leads'), headers: { authorization: `Bearer ${apiKey}` }, body, idempotent: true });
      const parsed = createdSchema.safeParse(res.body);
      if (parsed.success) return { providerRef: parsed.data.id };
      // A 2xx means Instantly took the lead; an odd body must not make us send it again.
      deps.logger.warn({ provider: 'instantly', route, lead: email.leadRef }, 'instantly accepted the lead without an id');
      return { providerRef: `instantly-${email.idempotencyKey}` };
    },
  };
}
