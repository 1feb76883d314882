import { z } from 'zod';
import { versionedUrl, type ProviderChannel, type ProviderDeps } from './provider-call.ts';
import type { EmailSender, OutboundEmail } from './types.ts';

const createdSchema = z.object({ id: z.string().min(1) }).loose();

/** `POST /leads/list` answer: `{ items: Lead[], next_starting_after }` (only the fields we read). */
const leadListSchema = z
  .object({
    items: z.array(z.object({ id: z.string().min(1), email: z.string().nullish(), campaign: z.string().nullish() }).loose()),
    next_starting_after: z.string().nullish(),
  })
  .loose();

/** Instantly's answer to "is this address in the campaign" could not be read: nothing may be sent. */
export class LeadLookupError extends Error {
  readonly code = 'INSTANTLY_LOOKUP_UNKNOWN';
  constructor(message: string) {
    super(message);
    this.name = 'LeadLookupError';
  }
}

/**
 * The lead's custom variables (DESIGN §9): `caio_subject_N` and `caio_body_N` for each approved
 * step, which the campaign's email step N uses as `{{caio_subject_N}}` and `{{caio_body_N}}`, and
 * our references. Instantly takes scalar values only.
 */
export function campaignVariables(email: OutboundEmail): Record<string, string> {
  const variables: Record<string, string> = { caio_ref: email.leadRef, caio_key: email.idempotencyKey };
  email.steps.forEach((step, i) => {
    variables[`caio_subject_${i + 1}`] = step.subject;
    variables[`caio_body_${i + 1}`] = step.body;
  });
  return variables;
}

/**
 * Instantly API v2: adds the lead with every approved step as custom variables. Called
 * only after the safety gate reserved the send. A send retried after a crash first asks
 * (`findLead`) whether the lead is already in the campaign, and `skip_if_in_campaign` stays as the
 * last guard, so a lead is never added (and emailed) twice.
 */
export function createInstantly(deps: ProviderDeps, channel: ProviderChannel, apiKey: string, campaignId: string): EmailSender {
  const base = deps.config.env.INSTANTLY_BASE_URL;
  return {
    async findLead(address) {
      const route = 'leads/list';
      // Filtered by campaign and address: at most one lead can match, so one item is enough.
      const body = { campaign: campaignId, contacts: [address], limit: 1 };
      const res = await channel.call({ route, method: 'POST', url: versionedUrl(base, '/api/v2', '/leads/list'), headers: { authorization: `Bearer ${apiKey}` }, body, idempotent: true });
      const parsed = leadListSchema.safeParse(res.body);
      if (!parsed.success) {
        // Field paths only: the body may carry personal data. Unknown is not "absent": no add.
        const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
        deps.logger.warn({ provider: 'instantly', route, issues }, 'instantly lead list answer did not match its schema');
        await deps.notifier
          .alert('WARNING', `instantly ${route} returned an unexpected response; the lead is not sent rather than risk adding it twice`, { provider: 'instantly', route, issues })
          .catch((err: unknown) => deps.logger.error({ err }, 'alert failed'));
        throw new LeadLookupError(`instantly ${route}: unexpected response, cannot tell whether the lead is in the campaign`);
      }
      const wanted = address.trim().toLowerCase();
      const items = parsed.data.items;
      const match = items.find((item) => item.email?.trim().toLowerCase() === wanted && (item.campaign == null || item.campaign === campaignId));
      if (match) return { providerRef: match.id };
      if (items.length === 0) return null;
      // Leads came back but none is this address in this campaign: the filter was not applied, so
      // the answer says nothing about our lead.
      throw new LeadLookupError(`instantly ${route}: the answer did not honour the campaign and address filter`);
    },
    async addLead(email) {
      const body = {
        campaign: campaignId,
        email: email.email,
        first_name: email.first_name ?? undefined,
        last_name: email.last_name ?? undefined,
        company_name: email.company_name ?? undefined,
        job_title: email.title ?? undefined,
        custom_variables: campaignVariables(email),
        skip_if_in_campaign: true,
      };
      const route = 'leads';
      // Not repeated in-process after a 5xx or a lost answer (Instantly may have taken the lead): the
      // job's retry finds the key reserved and asks the lead list first. A 429 is still retried.
      const res = await channel.call({ route, method: 'POST', url: versionedUrl(base, '/api/v2', '/leads'), headers: { authorization: `Bearer ${apiKey}` }, body, idempotent: false });
      const parsed = createdSchema.safeParse(res.body);
      if (parsed.success) return { providerRef: parsed.data.id };
      // A 2xx means Instantly took the lead; an odd body must not make us send it again.
      deps.logger.warn({ provider: 'instantly', route, lead: email.leadRef }, 'instantly accepted the lead without an id');
      return { providerRef: `instantly-${email.idempotencyKey}` };
    },
  };
}
