import { z } from 'zod';
import { HttpStatusError } from '../core/http-client.ts';
import { versionedUrl, type ProviderChannel, type ProviderDeps } from './provider-call.ts';
import type { BetterContactClient } from './types.ts';
import { cleanPhone } from '../core/phone.ts';

/** A request id we hand out ourselves when the tier is skipped; polling it ends at once as a miss. */
const SKIPPED = 'skipped';

const submitSchema = z.object({ id: z.union([z.string().min(1), z.number()]) });

const rowSchema = z.object({
  enriched: z.boolean().nullish(),
  contact_email_address: z.string().nullish(),
  contact_email_address_status: z.string().nullish(),
  contact_phone_number: z.union([z.string(), z.number()]).nullish(),
});

/** 202 while not_started/processing; 200 once terminated (or on_hold: out of credits, resumes on top-up). */
const pollSchema = z.object({
  status: z.string(),
  credits_consumed: z.number().nullish(),
  data: z.array(rowSchema).nullish(),
});

/** Statuses worth sending: a catch-all is only kept when BetterContact judged it safe. */
const USABLE = new Set(['deliverable', 'catch_all_safe']);

/** BetterContact: asynchronous submit (not idempotent), then poll the request by id. */
export function createBetterContact(deps: ProviderDeps, channel: ProviderChannel, apiKey: string): BetterContactClient {
  const base = deps.config.env.BETTERCONTACT_BASE_URL;
  const headers = { 'X-API-Key': apiKey };
  return {
    async submit(lead) {
      // first_name and last_name are required; Apollo's search leaves last names obfuscated.
      if (!lead.first_name || !lead.last_name) return { requestId: SKIPPED };
      if (!(await deps.credits.reserve('bettercontact_lookups', 1))) return { requestId: SKIPPED };
      const body = {
        data: [
          {
            first_name: lead.first_name,
            last_name: lead.last_name,
            company: lead.company_name ?? undefined,
            company_domain: lead.company_domain ?? undefined,
            linkedin_url: lead.linkedin_url ?? undefined,
            custom_fields: { lead_id: lead.ref },
          },
        ],
        enrich_email_address: true,
        // A paid add-on (402 without it): only when the day-3 call task should carry a number.
        enrich_phone_number: deps.config.pipeline.call_task_phone,
      };
      const route = 'async';
      const res = await channel.call({ route, method: 'POST', url: versionedUrl(base, '/api/v2', '/async'), headers, body, idempotent: false }).catch(async (err: unknown) => {
        await deps.credits.refund('bettercontact_lookups', 1);
        throw err;
      });
      const parsed = await channel.parse(submitSchema, res.body, route);
      return { requestId: parsed ? String(parsed.id) : SKIPPED };
    },
    async poll(requestId) {
      if (requestId === SKIPPED) return { done: true, email: null, email_status: null, credits: 0 };
      const route = 'async/{id}';
      let res;
      try {
        res = await channel.call({ route, method: 'GET', url: versionedUrl(base, '/api/v2', `/async/${encodeURIComponent(requestId)}`), headers });
      } catch (err) {
        // 406: BetterContact does not know the id (expired or never created): nothing will come.
        if (err instanceof HttpStatusError && err.status === 406) return { done: true, email: null, email_status: null, credits: 0 };
        throw err;
      }
      // 202: not_started or processing; whatever the body says, there is nothing to read yet.
      if (res.status === 202) return { done: false };
      const parsed = await channel.parse(pollSchema, res.body, route);
      if (!parsed) return { done: true, email: null, email_status: null, credits: 0 };
      if (parsed.status === 'on_hold') deps.logger.warn({ provider: 'bettercontact', route }, 'request on hold: the account is out of credits');
      if (parsed.status !== 'terminated') return { done: false };
      const row = parsed.data?.[0];
      const status = row?.contact_email_address_status ?? null;
      const email = row?.contact_email_address?.trim() || null;
      const phone = cleanPhone(row?.contact_phone_number);
      return { done: true, email: email && status && USABLE.has(status) ? email : null, email_status: status, credits: parsed.credits_consumed ?? 0, phone };
    },
  };
}
