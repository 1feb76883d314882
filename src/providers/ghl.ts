import { z } from 'zod';
import { joinUrl, type ProviderChannel, type ProviderDeps } from './provider-call.ts';
import type { ContactSync } from './types.ts';

const upsertSchema = z.object({ new: z.boolean().nullish(), contact: z.object({ id: z.string().min(1) }) });

/** GoHighLevel (LeadConnector v2) contact upsert into one location. */
export function createGhl(deps: ProviderDeps, channel: ProviderChannel, apiKey: string, locationId: string): ContactSync {
  const base = deps.config.env.GHL_BASE_URL;
  return {
    async upsertContact(contact) {
      const name = [contact.first_name, contact.last_name].filter(Boolean).join(' ');
      const body = {
        locationId,
        firstName: contact.first_name ?? undefined,
        lastName: contact.last_name ?? undefined,
        name: name || undefined,
        email: contact.email ?? undefined,
        phone: contact.phone ?? undefined,
        companyName: contact.company_name ?? undefined,
        source: contact.source,
        tags: contact.tags,
      };
      const route = 'contacts/upsert';
      // An upsert matches on email/phone, so repeating it changes nothing.
      const res = await channel.call({
        route,
        method: 'POST',
        url: joinUrl(base, '/contacts/upsert'),
        headers: { authorization: `Bearer ${apiKey}`, version: '2021-07-28' },
        body,
        idempotent: true,
      });
      const parsed = await channel.parse(upsertSchema, res.body, route);
      if (!parsed) throw new Error('ghl upsert returned an unexpected response');
      return { contactId: parsed.contact.id, created: parsed.new ?? false };
    },
  };
}
