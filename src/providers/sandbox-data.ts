import type { Person, Source } from '../core/types.ts';

/** Seeded generator (mulberry32): the same seed always yields the same people. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a hash of a string, for decisions that must depend only on an id. */
export function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const FIRST_NAMES = ['Ava', 'Liam', 'Zoë', 'José', 'Björn', 'Łukasz', 'Søren', 'Chloé', 'Priya', 'Hiroshi', 'Amara', 'Noah', 'Mei', 'Olivia', 'Mateo', 'Aoife', 'Dmitri', 'Fatima', 'Elena', 'Kwame'];
const LAST_NAMES = ['Nguyen', 'Müller', 'García', 'Okafor', 'Smith', "O'Brien", 'Kowalski', 'Johansson', 'Tanaka', 'Patel', 'Rossi', 'Dubois', 'Ivanova', 'Kim', 'Andersen', 'Silva'];
const TITLES: Array<[string, string | null]> = [
  ['VP Sales', 'vp'],
  ['Head of Revenue Operations', 'head'],
  ['Chief Revenue Officer', 'c_suite'],
  ['Director of Business Development', 'director'],
  ['SDR Manager', 'manager'],
  ['Founder & CEO', 'founder'],
  ['Growth Marketing Lead', null],
  ['Account Executive', 'senior'],
  ['Customer Success Manager', 'manager'],
  ['Software Engineer', 'entry'],
];
const COMPANIES: Array<{ name: string; domain: string; industry: string; employees: number }> = [
  { name: 'Acme Analytics', domain: 'acme-analytics.example', industry: 'Computer Software', employees: 240 },
  { name: 'Northwind Cloud', domain: 'northwind.example', industry: 'Information Technology & Services', employees: 820 },
  { name: 'Globex Payments', domain: 'globex.example', industry: 'Financial Services', employees: 1900 },
  { name: 'Initech', domain: 'initech.example', industry: 'Internet', employees: 75 },
  { name: 'Umbrella Health', domain: 'umbrella.example', industry: 'Hospital & Health Care', employees: 5200 },
  { name: 'Hooli Labs', domain: 'hooli.example', industry: 'SaaS', employees: 130 },
  { name: 'Tiny Bakery', domain: 'tinybakery.example', industry: 'Food & Beverages', employees: 4 },
  { name: 'Zürich Data AG', domain: 'zuerich-data.example', industry: 'Computer Software', employees: 310 },
];
const SIGNALS_BY_SOURCE: Record<Source, string[]> = {
  default: ['hiring_sdrs', 'recent_funding'],
  competitor_gong: ['uses_competitor', 'hiring_sdrs'],
  event_saastr: ['event_attendee', 'recent_funding'],
  website_visitor: ['visited_pricing', 'visited_demo'],
};

/** How far each source's sandbox list goes (enough for a 10,000-lead run after duplicates). */
export const SANDBOX_PEOPLE_PER_SOURCE = 12_000;

function pick<T>(list: readonly T[], random: () => number): T {
  return list[Math.floor(random() * list.length)] as T;
}

function asciiSlug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ł/gi, 'l')
    .replace(/[^a-zA-Z0-9]+/g, '')
    .toLowerCase();
}

/**
 * The raw record for position `index` of a source, shaped like a provider would send it: some
 * fields null, some missing altogether, some people listed twice.
 */
export function sandboxRawPerson(source: Source, index: number, seed: number): Record<string, unknown> {
  // Every 15th entry repeats someone listed seven places earlier, as real search results do.
  if (index % 15 === 14) return sandboxRawPerson(source, index - 7, seed);
  const random = seededRandom(hashOf(`${seed}|${source}|${index}`));
  const company = pick(COMPANIES, random);
  const [title, seniority] = pick(TITLES, random);
  const first = index % 23 === 9 ? null : pick(FIRST_NAMES, random);
  const last = pick(LAST_NAMES, random);
  const raw: Record<string, unknown> = {
    id: `sbx_${source}_${String(index).padStart(5, '0')}`,
    first_name: first,
    last_name: last,
    title: index % 11 === 3 ? null : title,
    seniority: index % 11 === 3 ? null : seniority,
    linkedin_url: `https://www.linkedin.com/in/${asciiSlug(`${first ?? 'member'}${last}`)}-${index}`,
    company_name: company.name,
    company_domain: company.domain,
    industry: index % 13 === 5 ? null : company.industry,
    employee_count: company.employees,
    signals: SIGNALS_BY_SOURCE[source].filter(() => random() < 0.5),
    email: null,
    email_status: null,
  };
  if (index % 17 === 6) raw.employee_count = null;
  if (index % 19 === 7) delete raw.employee_count;
  return raw;
}

/** Which enrichment tier finds this person's email in the sandbox (decided by id alone). */
export function sandboxTierFor(personId: string): 'apollo' | 'clay' | 'bettercontact' | 'none' {
  const bucket = hashOf(personId) % 20;
  if (bucket < 13) return 'apollo';
  if (bucket < 16) return 'clay';
  if (bucket < 18) return 'bettercontact';
  return 'none';
}

/** The work address the sandbox reveals for a person. */
export function sandboxEmailFor(person: Pick<Person, 'first_name' | 'last_name' | 'company_domain' | 'id'>): string {
  const local = [person.first_name, person.last_name].filter((p): p is string => !!p).map(asciiSlug).join('.') || `contact.${asciiSlug(person.id)}`;
  return `${local}@${person.company_domain ?? 'unknown.example'}`;
}
