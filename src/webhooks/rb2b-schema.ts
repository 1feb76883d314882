import { z } from 'zod';
import { parseEmail } from '../core/email.ts';

const text = z.string().max(2_000).nullish();

/** RB2B's visitor webhook (provider reference §6): fixed Title-Case keys; extra keys ignored. */
export const rb2bSchema = z.looseObject({
  'LinkedIn URL': z.string().trim().min(1).max(500),
  'First Name': text,
  'Last Name': text,
  Title: text,
  'Company Name': text,
  'Business Email': text,
  Website: text,
  Industry: text,
  'Employee Count': z.union([z.number(), z.string().max(100)]).nullish(),
  'Estimate Revenue': z.union([z.number(), z.string().max(200)]).nullish(),
  City: text,
  State: text,
  Zipcode: z.union([z.string().max(50), z.number()]).nullish(),
  // RB2B's own sample is not strict ISO 8601, so this is parsed leniently below, never rejected.
  'Seen At': z.union([z.string().max(100), z.number()]),
  Referrer: text,
  'Captured URL': z.string().trim().min(1).max(4_000),
  Tags: z.union([z.string().max(2_000), z.array(z.string().max(200)).max(100)]).nullish(),
});

export type Rb2bBody = z.infer<typeof rb2bSchema>;

/** A visit as the worker needs it: normalised identities, a real timestamp, the page. */
export interface Rb2bVisit {
  linkedin_url: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  title: string | null;
  company_name: string | null;
  website: string | null;
  industry: string | null;
  employee_count: number | null;
  city: string | null;
  seen_at: string;
  page: string;
  referrer: string | null;
  tags: string[];
}

/** LinkedIn profile URLs arrive with and without scheme, www, trailing slash and query. */
export function normaliseLinkedIn(value: string | null | undefined): string | null {
  const v = value?.trim().toLowerCase();
  if (!v) return null;
  return v.replace(/^https?:\/\//, '').replace(/^www\./, '').replace(/[?#].*$/, '').replace(/\/+$/, '') || null;
}

export function parseCount(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  // "51-200" style ranges count as their lower bound; "1,000+" as 1000.
  const digits = typeof value === 'number' ? null : (value.split(/[-–]/)[0]?.replace(/[^0-9.]/g, '') ?? '');
  if (digits === '') return null;
  const n = typeof value === 'number' ? value : Number(digits);
  return Number.isFinite(n) && n >= 0 ? Math.round(n) : null;
}

/**
 * Parses RB2B's `Seen At` leniently: ISO 8601, a space instead of `T`, missing zone (UTC assumed),
 * epoch seconds or milliseconds. Unparseable → the time we received it.
 */
export function parseSeenAt(value: string | number, receivedAt: Date): Date {
  if (typeof value === 'number') {
    const ms = value < 1e12 ? value * 1000 : value;
    const d = new Date(ms);
    return Number.isFinite(d.getTime()) ? d : receivedAt;
  }
  const raw = value.trim();
  if (/^\d{9,13}$/.test(raw)) return parseSeenAt(Number(raw), receivedAt);
  const candidates = [raw, raw.replace(' ', 'T'), `${raw.replace(' ', 'T')}Z`, raw.replace(/\s*UTC$/i, 'Z').replace(' ', 'T')];
  for (const c of candidates) {
    const d = new Date(c);
    if (Number.isFinite(d.getTime()) && d.getUTCFullYear() > 2000 && d.getUTCFullYear() < 2200) return d;
  }
  return receivedAt;
}

function clean(value: string | null | undefined): string | null {
  const v = value?.trim();
  return v ? v : null;
}

export function toVisit(body: Rb2bBody, receivedAt: Date): Rb2bVisit {
  const tags = body.Tags === null || body.Tags === undefined ? [] : Array.isArray(body.Tags) ? body.Tags : body.Tags.split(',');
  return {
    linkedin_url: body['LinkedIn URL'].trim(),
    email: parseEmail(body['Business Email']),
    first_name: clean(body['First Name']),
    last_name: clean(body['Last Name']),
    title: clean(body.Title),
    company_name: clean(body['Company Name']),
    website: clean(body.Website),
    industry: clean(body.Industry),
    employee_count: parseCount(body['Employee Count']),
    city: clean(body.City),
    seen_at: parseSeenAt(body['Seen At'], receivedAt).toISOString(),
    page: body['Captured URL'].trim(),
    referrer: clean(body.Referrer),
    tags: tags.map((t) => t.trim()).filter((t) => t !== ''),
  };
}
