import type { Redis } from 'ioredis';
import type { Person } from '../core/types.ts';
import { sha256 } from './accept.ts';
import type { ClayEnrichment } from './clay-schema.ts';
import type { WebhookKeys } from '../core/keys.ts';
import { parseEmail } from '../core/email.ts';
import { normaliseLinkedIn, parseCount, type Rb2bVisit } from './rb2b-schema.ts';

/** A website visitor as stored (one Redis hash), identified across visits by email or LinkedIn URL. */
export interface Visitor {
  id: string;
  email: string | null;
  email_status: string | null;
  linkedin_url: string | null;
  first_name: string | null;
  last_name: string | null;
  title: string | null;
  company_name: string | null;
  company_domain: string | null;
  industry: string | null;
  employee_count: number | null;
  first_seen: string | null;
  last_seen: string | null;
  enriched: boolean;
  ghl_contact_id: string | null;
  intent_score: number | null;
  entered_ref: string | null;
}

const TTL_S = 180 * 24 * 3600;
/** A visitor's day marker outlives the day in every time zone (and a late Clay answer). */
const DAY_MARKER_TTL_S = 3 * 24 * 3600;
const TEXT_FIELDS = ['email', 'email_status', 'linkedin_url', 'first_name', 'last_name', 'title', 'company_name', 'company_domain', 'industry'] as const;

/** `v_` + 20 hex digits from the visitor's first identity: the same person gets the same id. */
export function visitorIdFor(identity: string): string {
  return `v_${sha256(identity).slice(0, 20)}`;
}

function domainOf(website: string | null): string | null {
  if (!website) return null;
  return website.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/^www\./, '').replace(/[/?#].*$/, '') || null;
}

export function createVisitorStore(redis: Redis, keys: WebhookKeys) {
  /** Non-null values overwrite; nulls never erase what an earlier source knew. */
  async function patch(id: string, fields: Record<string, string | number | null | undefined>): Promise<void> {
    const set: Record<string, string> = {};
    for (const [k, v] of Object.entries(fields)) if (v !== null && v !== undefined && v !== '') set[k] = String(v);
    const multi = redis.multi().hsetnx(keys.visitor(id), 'id', id);
    if (Object.keys(set).length > 0) multi.hset(keys.visitor(id), set);
    await multi.expire(keys.visitor(id), TTL_S).exec();
  }

  const store = {
    /** Whether the visitor is known (a Clay visitor row must name one). */
    async exists(id: string): Promise<boolean> {
      return (await redis.exists(keys.visitor(id))) === 1;
    },
    /** Finds the visitor by email, then LinkedIn URL; otherwise mints a deterministic id. Links both identities. */
    async resolve(email: string | null | undefined, linkedinUrl: string | null | undefined): Promise<string> {
      const e = parseEmail(email);
      const li = normaliseLinkedIn(linkedinUrl);
      if (!e && !li) throw new Error('a visitor needs an email or a LinkedIn URL');
      const [byEmail, byLinkedIn] = await Promise.all([e ? redis.get(keys.visitorByEmail(e)) : null, li ? redis.get(keys.visitorByLinkedIn(li)) : null]);
      // LinkedIn first when minting: RB2B always sends it, so every visit of a person agrees on the id.
      const id = byEmail ?? byLinkedIn ?? visitorIdFor(li ? `li:${li}` : `email:${e}`);
      const multi = redis.multi();
      if (e) multi.set(keys.visitorByEmail(e), id, 'EX', TTL_S, 'NX');
      if (li) multi.set(keys.visitorByLinkedIn(li), id, 'EX', TTL_S, 'NX');
      await multi.exec();
      return id;
    },
    /** Records one visit: identity and firmographics, the page, the day. */
    async recordVisit(id: string, visit: Rb2bVisit): Promise<void> {
      await patch(id, {
        email: visit.email,
        linkedin_url: visit.linkedin_url,
        first_name: visit.first_name,
        last_name: visit.last_name,
        title: visit.title,
        company_name: visit.company_name,
        company_domain: domainOf(visit.website),
        industry: visit.industry,
        employee_count: visit.employee_count,
        last_seen: visit.seen_at,
      });
      await redis
        .multi()
        .hsetnx(keys.visitor(id), 'first_seen', visit.seen_at)
        .sadd(keys.visitorPages(id), visit.page)
        .expire(keys.visitorPages(id), TTL_S)
        .sadd(keys.visitorDays(id), visit.seen_at.slice(0, 10))
        .expire(keys.visitorDays(id), TTL_S)
        .exec();
    },
    async applyEnrichment(id: string, row: ClayEnrichment): Promise<void> {
      await patch(id, {
        email: parseEmail(row.email),
        email_status: row.email_status,
        linkedin_url: row.linkedin_url,
        first_name: row.first_name,
        last_name: row.last_name,
        title: row.title,
        company_name: row.company_name,
        company_domain: row.company_domain,
        industry: row.industry,
        employee_count: parseCount(row.employee_count),
        enriched: 1,
      });
    },
    async setFields(id: string, fields: Record<string, string | number>): Promise<void> {
      await redis.hset(keys.visitor(id), fields);
    },
    async get(id: string): Promise<Visitor | null> {
      const h = await redis.hgetall(keys.visitor(id));
      if (!h.id) return null;
      const text = Object.fromEntries(TEXT_FIELDS.map((f) => [f, h[f] ?? null])) as Record<(typeof TEXT_FIELDS)[number], string | null>;
      return {
        id: h.id,
        ...text,
        employee_count: h.employee_count !== undefined ? Number(h.employee_count) : null,
        first_seen: h.first_seen ?? null,
        last_seen: h.last_seen ?? null,
        enriched: h.enriched === '1',
        ghl_contact_id: h.ghl_contact_id ?? null,
        intent_score: h.intent_score !== undefined ? Number(h.intent_score) : null,
        entered_ref: h.entered_ref ?? null,
      };
    },
    /** Claims the visitor's day for one enrichment: false when another visit of the day has it. */
    async claimDay(id: string, day: string): Promise<boolean> {
      return (await redis.set(keys.visitorDay(id, day), 'pending', 'EX', DAY_MARKER_TTL_S, 'NX')) === 'OK';
    },
    /** The day's enrichment is on its way (the claim stays for the rest of the day). */
    async markDaySent(id: string, day: string): Promise<void> {
      await redis.set(keys.visitorDay(id, day), 'sent', 'EX', DAY_MARKER_TTL_S);
    },
    /** Nothing reached Clay: the next attempt or visit may claim the day again. */
    async releaseDay(id: string, day: string): Promise<void> {
      await redis.del(keys.visitorDay(id, day));
    },
    async activity(id: string): Promise<{ pages: string[]; visitDays: number }> {
      const [pages, visitDays] = await Promise.all([redis.smembers(keys.visitorPages(id)), redis.scard(keys.visitorDays(id))]);
      return { pages, visitDays };
    },
  };
  return store;
}

export type VisitorStore = ReturnType<typeof createVisitorStore>;

/** The visitor as a pipeline Person (scored by the ICP, then a lead). */
export function visitorPerson(v: Visitor, signals: string[]): Person {
  return {
    id: v.id,
    first_name: v.first_name,
    last_name: v.last_name,
    title: v.title,
    seniority: null,
    email: v.email,
    email_status: v.email_status,
    linkedin_url: v.linkedin_url,
    company_name: v.company_name,
    company_domain: v.company_domain,
    industry: v.industry,
    employee_count: v.employee_count,
    signals,
  };
}
