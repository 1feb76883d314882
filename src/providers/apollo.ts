import { z } from 'zod';
import type { Lead, Person, Source } from '../core/types.ts';
import { parsePerson } from './person-schema.ts';
import { versionedUrl, type ProviderChannel, type ProviderDeps } from './provider-call.ts';
import type { EmailMatcher, LeadSearch, SearchPage } from './types.ts';
import { cleanPhone } from '../core/phone.ts';

/** Apollo stops at 50,000 results (500 pages of 100). */
const MAX_RESULTS = 50_000;

const organizationSchema = z
  .object({
    name: z.string().nullish(),
    primary_domain: z.string().nullish(),
    industry: z.string().nullish(),
    estimated_num_employees: z.number().nullish(),
  })
  .nullish();

const searchPersonSchema = z.object({
  id: z.union([z.string().min(1), z.number()]),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  title: z.string().nullish(),
  seniority: z.string().nullish(),
  linkedin_url: z.string().nullish(),
  has_email: z.boolean().nullish(),
  organization: organizationSchema,
});

/** People Search reply: no emails, obfuscated last names, no pagination object. */
export const apolloSearchSchema = z.object({
  total_entries: z.number().int().min(0).nullish(),
  people: z.array(z.unknown()),
});

/** People Match reply: `person` is null (or has no email) when nothing matched. */
export const apolloMatchSchema = z.object({
  person: z
    .object({
      id: z.union([z.string(), z.number()]).nullish(),
      email: z.string().nullish(),
      email_status: z.string().nullish(),
      first_name: z.string().nullish(),
      last_name: z.string().nullish(),
      title: z.string().nullish(),
      linkedin_url: z.string().nullish(),
      organization: organizationSchema,
      // Only what Apollo returns anyway: CAIO never asks for reveal_phone_number (it costs credits).
      phone_numbers: z.array(z.looseObject({ sanitized_number: z.string().nullish(), raw_number: z.string().nullish() })).nullish(),
    })
    // Required key: a body without `person` is not Apollo's answer, so it is a WARNING, not a quiet miss.
    .nullable(),
});

function toPerson(raw: z.infer<typeof searchPersonSchema>): Person {
  const org = raw.organization;
  return parsePerson({
    id: raw.id,
    first_name: raw.first_name,
    last_name: raw.last_name,
    title: raw.title,
    seniority: raw.seniority,
    linkedin_url: raw.linkedin_url,
    company_name: org?.name,
    company_domain: org?.primary_domain,
    industry: org?.industry,
    employee_count: org?.estimated_num_employees,
  });
}

/** Email statuses that mean Apollo has no usable address. */
const NO_EMAIL = new Set(['unavailable', 'invalid']);

/**
 * Apollo: People Search (free) with the source's filters, and People Match to reveal an email
 * (1 credit when found). Phone reveal is never requested: it needs a webhook and costs 8 credits.
 */
export function createApollo(deps: ProviderDeps, channel: ProviderChannel, apiKey: string): { search: LeadSearch; apollo: EmailMatcher } {
  const base = deps.config.env.APOLLO_BASE_URL;
  const headers = { 'x-api-key': apiKey, 'cache-control': 'no-cache' };

  const search: LeadSearch = {
    async searchPeople(source: Source, page: number, perPage: number): Promise<SearchPage> {
      const filters = deps.config.providers.sources[source];
      const body: Record<string, unknown> = { page, per_page: perPage };
      if (filters.titles.length > 0) body.person_titles = filters.titles;
      if (filters.seniorities.length > 0) body.person_seniorities = filters.seniorities;
      if (filters.employee_ranges.length > 0) body.organization_num_employees_ranges = filters.employee_ranges;
      if (filters.locations.length > 0) body.person_locations = filters.locations;
      if (filters.keywords) body.q_keywords = filters.keywords;
      const route = 'mixed_people/api_search';
      // Search changes nothing, so repeating it is harmless.
      const res = await channel.call({ route, method: 'POST', url: versionedUrl(base, '/api/v1', '/mixed_people/api_search'), headers, body, idempotent: true });
      const parsed = await channel.parse(apolloSearchSchema, res.body, route);
      if (!parsed) return { people: [], hasMore: false };
      const people: Person[] = [];
      let skipped = 0;
      for (const raw of parsed.people) {
        const one = searchPersonSchema.safeParse(raw);
        if (one.success) people.push(toPerson(one.data));
        else skipped++;
      }
      if (skipped > 0) deps.logger.warn({ provider: 'apollo', route, skipped }, 'skipped malformed people in a search page');
      const total = Math.min(parsed.total_entries ?? 0, MAX_RESULTS);
      return { people, hasMore: parsed.people.length > 0 && page * perPage < total };
    },
  };

  const apollo: EmailMatcher = {
    async matchPerson(lead: Lead) {
      // Reserve the credit first so concurrent workers cannot overshoot; refunded on a miss (free).
      if (!(await deps.credits.reserve('apollo_reveals', 1))) return null;
      let spent = false;
      try {
        const body = {
          id: lead.id,
          first_name: lead.first_name ?? undefined,
          last_name: lead.last_name ?? undefined,
          organization_name: lead.company_name ?? undefined,
          domain: lead.company_domain ?? undefined,
          linkedin_url: lead.linkedin_url ?? undefined,
          reveal_personal_emails: false,
        };
        const route = 'people/match';
        // A repeated match is charged at most once more and finds the same person: safe to retry.
        const res = await channel.call({ route, method: 'POST', url: versionedUrl(base, '/api/v1', '/people/match'), headers, body, idempotent: true });
        const parsed = await channel.parse(apolloMatchSchema, res.body, route);
        const person = parsed?.person;
        const email = person?.email?.trim();
        if (!person || !email || NO_EMAIL.has(person.email_status ?? '')) return null;
        spent = true;
        const patch = parsePerson({
          id: lead.id,
          first_name: person.first_name,
          last_name: person.last_name,
          title: person.title,
          linkedin_url: person.linkedin_url,
          company_name: person.organization?.name,
          company_domain: person.organization?.primary_domain,
          industry: person.organization?.industry,
          employee_count: person.organization?.estimated_num_employees,
        });
        const phone = person.phone_numbers?.[0];
        return { email, email_status: person.email_status ?? null, patch, phone: cleanPhone(phone?.sanitized_number ?? phone?.raw_number) };
      } finally {
        if (!spent) await deps.credits.refund('apollo_reveals', 1);
      }
    },
  };

  return { search, apollo };
}
