import { describe, it, expect } from 'vitest';
import { buildConfig, type IcpConfig } from '../../src/core/config.ts';
import { scoreLead, tierFor, topReasons } from '../../src/core/icp-score.ts';
import type { IcpScore, Person } from '../../src/core/types.ts';

const icp = buildConfig().icp;

function person(overrides: Partial<Person> = {}): Person {
  return {
    id: 'p_1',
    first_name: 'Ada',
    last_name: 'Lovelace',
    title: 'VP Sales',
    seniority: 'vp',
    email: 'ada@example.com',
    email_status: 'verified',
    linkedin_url: 'https://linkedin.com/in/ada',
    company_name: 'Acme',
    company_domain: 'acme.io',
    industry: 'SaaS',
    employee_count: 200,
    signals: ['uses_competitor', 'hiring_sdrs'],
    ...overrides,
  };
}

function component(score: IcpScore, name: string) {
  const found = score.components.find((c) => c.name === name);
  if (!found) throw new Error(`missing component ${name}`);
  return found;
}

const allNull: Person = {
  id: 'p_null',
  first_name: null,
  last_name: null,
  title: null,
  seniority: null,
  email: null,
  email_status: null,
  linkedin_url: null,
  company_name: null,
  company_domain: null,
  industry: null,
  employee_count: null,
  signals: [],
};

describe('scoreLead: messy and missing data', () => {
  it.each<[string, Person, string, number, string]>([
    ['null title', person({ title: null }), 'title', 0, 'no title'],
    ['empty title', person({ title: '' }), 'title', 0, 'no title'],
    ['whitespace title', person({ title: '   ' }), 'title', 0, 'no title'],
    ['null industry', person({ industry: null }), 'industry', 0, 'industry unknown'],
    ['empty industry', person({ industry: '' }), 'industry', 0, 'industry unknown'],
    ['null employee_count', person({ employee_count: null }), 'company_size', 0, 'company size unknown'],
    ['NaN employee_count', person({ employee_count: Number.NaN }), 'company_size', 0, 'company size unknown'],
    ['negative employee_count', person({ employee_count: -5 }), 'company_size', 0, 'company size unknown'],
    ['infinite employee_count', person({ employee_count: Infinity }), 'company_size', 0, 'company size unknown'],
    ['no signals', person({ signals: [] }), 'signals', 0, 'no buying signals'],
    ['only unknown signals', person({ signals: ['likes_cats'] }), 'signals', 0, 'no buying signals'],
    ['null seniority and null title', person({ seniority: null, title: null }), 'seniority', 0, 'seniority unknown'],
    ['empty seniority and empty title', person({ seniority: '', title: '' }), 'seniority', 0, 'seniority unknown'],
  ])('%s → %s scores %d with reason "%s"', (_case, p, name, points, reason) => {
    const result = scoreLead(p, icp);
    expect(component(result, name)).toMatchObject({ points, reason });
  });

  it('scores a missing employee_count (undefined at runtime) as unknown', () => {
    const p = person();
    delete (p as Partial<Person>).employee_count;
    expect(component(scoreLead(p, icp), 'company_size')).toMatchObject({ points: 0, reason: 'company size unknown' });
  });

  it('survives signals that are null at runtime', () => {
    const p = { ...person(), signals: null } as unknown as Person;
    expect(component(scoreLead(p, icp), 'signals').points).toBe(0);
  });

  it.each<[string, Person]>([
    ['every nullable field null', allNull],
    ['every string empty', { ...allNull, first_name: '', last_name: '', title: '', seniority: '', industry: '', company_name: '' }],
    ['non-ASCII name Zoë', person({ first_name: 'Zoë', last_name: 'Ångström' })],
    ['non-ASCII name José Müller', person({ first_name: 'José', last_name: 'Müller', title: 'Directeur Général' })],
    ['CJK values', person({ first_name: '伟', last_name: '王', title: '销售副总裁', industry: '北京软件', company_name: '北京' })],
    ['emoji and odd spacing', person({ title: '  🚀  Head   of   Growth ', industry: '\tSaaS\n' })],
    ['absurdly long title', person({ title: 'Sales '.repeat(2000) })],
    ['fractional employee_count', person({ employee_count: 49.5 })],
    ['zero employees', person({ employee_count: 0 })],
  ])('never throws and stays in range: %s', (_case, p) => {
    const result = scoreLead(p, icp);
    expect(Number.isInteger(result.score)).toBe(true);
    expect(result.score).toBeGreaterThanOrEqual(0);
    expect(result.score).toBeLessThanOrEqual(100);
    expect(result.components.map((c) => c.name)).toEqual(['title', 'seniority', 'industry', 'company_size', 'signals']);
    for (const c of result.components) {
      expect(c.reason.trim()).not.toBe('');
      expect(c.reason.length).toBeLessThanOrEqual(120);
      expect(c.points).toBeGreaterThanOrEqual(0);
      expect(c.points).toBeLessThanOrEqual(c.max);
    }
  });

  it('scores an all-null person as disqualified with zero points', () => {
    expect(scoreLead(allNull, icp)).toMatchObject({ score: 0, tier: 'disqualified' });
  });
});

describe('scoreLead: components', () => {
  it.each<[string, string | null, number, RegExp]>([
    ['target title', 'VP Sales', 30, /^Target title \(VP Sales\)$/],
    ['target title, other case', 'head of REVENUE', 30, /Target title/],
    ['sales-adjacent title', 'Marketing Manager', 15, /Sales-adjacent title \(Marketing Manager\)/],
    ['customer success', 'Director of Customer Success', 15, /Sales-adjacent/],
    ['operations', 'Operations Lead', 15, /Sales-adjacent/],
    ['unrelated title', 'Pastry Chef', 0, /Title outside target roles \(Pastry Chef\)/],
    ['DevOps is not ops-adjacent', 'DevOps Engineer', 0, /Title outside/],
  ])('title: %s', (_case, title, points, reason) => {
    const c = component(scoreLead(person({ title }), icp), 'title');
    expect(c.points).toBe(points);
    expect(c.reason).toMatch(reason);
  });

  it.each<[string, string | null, string | null, number, RegExp]>([
    ['field vp', 'vp', 'Whatever', 20, /^VP-level seniority \(vp\)$/],
    ['field c_suite', 'c_suite', null, 20, /C-level/],
    ['field with spaces and case', 'C Suite', null, 20, /C-level/],
    ['field director', 'director', null, 16, /Director-level/],
    ['field manager', 'manager', null, 10, /Manager-level/],
    ['field intern', 'intern', null, 0, /Intern/],
    ['inferred CEO', null, 'CEO', 20, /^C-level title \(CEO\)$/],
    ['inferred co-founder', null, 'Co-Founder', 20, /C-level title/],
    ['inferred owner', null, 'Owner', 20, /C-level title/],
    ['inferred chief', null, 'Chief Revenue Officer', 20, /C-level title/],
    ['inferred president', null, 'President', 20, /C-level title/],
    ['inferred vice president', null, 'Vice President, Sales', 20, /^VP-level title \(Vice President, Sales\)$/],
    ['inferred VP', null, 'VP Sales', 20, /^VP-level title \(VP Sales\)$/],
    ['inferred SVP', null, 'SVP Revenue', 20, /VP-level title/],
    ['inferred head', null, 'Head of Growth', 17, /Head-level title/],
    ['inferred director', null, 'Sales Director', 16, /Director-level title/],
    ['inferred manager', null, 'Account Manager', 10, /Manager-level title/],
    ['inferred individual', null, 'SDR', 4, /Individual-contributor title \(SDR\)/],
    ['product owner is not an owner', null, 'Product Owner', 4, /Individual-contributor/],
    ['unknown field value falls back to title', 'wizard', 'VP Sales', 20, /VP-level title/],
    ['empty field falls back to title', '', 'Director of Sales', 16, /Director-level title/],
  ])('seniority: %s', (_case, seniority, title, points, reason) => {
    const c = component(scoreLead(person({ seniority, title }), icp), 'seniority');
    expect(c.points).toBe(points);
    expect(c.reason).toMatch(reason);
  });

  it.each<[string, string, number, RegExp]>([
    ['exact', 'SaaS', 20, /^Target industry \(SaaS\)$/],
    ['case-insensitive', 'COMPUTER SOFTWARE', 20, /Target industry/],
    ['substring', 'Enterprise Software', 20, /Target industry/],
    ['not targeted', 'Food & Beverages', 0, /^Industry not targeted \(Food & Beverages\)$/],
    ['non-ASCII', 'Bäckerei', 0, /Industry not targeted \(Bäckerei\)/],
  ])('industry: %s', (_case, industry, points, reason) => {
    const c = component(scoreLead(person({ industry }), icp), 'industry');
    expect(c.points).toBe(points);
    expect(c.reason).toMatch(reason);
  });

  it.each<[number, number, RegExp]>([
    [50, 20, /^50 employees \(ideal 50-1000\)$/],
    [200, 20, /ideal/],
    [1000, 20, /ideal/],
    [25, 10, /near ideal/],
    [49, 10, /near ideal/],
    [2000, 10, /near ideal/],
    [24, 0, /outside ideal/],
    [2001, 0, /outside ideal/],
    [3, 0, /^3 employees \(outside ideal 50-1000\)$/],
  ])('company size: %d employees → %d points', (employee_count, points, reason) => {
    const c = component(scoreLead(person({ employee_count }), icp), 'company_size');
    expect(c.points).toBe(points);
    expect(c.reason).toMatch(reason);
  });

  it.each<[string[], number, string]>([
    [['recent_funding'], 4, 'Signals: recent funding'],
    [['event_attendee'], 3, 'Signals: event attendee'],
    [['uses_competitor', 'visited_pricing'], 10, 'Signals: uses competitor, visited pricing'],
    [['uses_competitor', 'hiring_sdrs', 'visited_demo', 'recent_funding'], 10, 'Signals: uses competitor, hiring sdrs, visited demo, recent funding'],
    [['visited_pricing', 'visited_pricing'], 5, 'Signals: visited pricing'],
    [['likes_cats', 'event_attendee'], 3, 'Signals: event attendee'],
  ])('signals %j → %d points (capped at the weight)', (signals, points, reason) => {
    const c = component(scoreLead(person({ signals }), icp), 'signals');
    expect(c.points).toBe(points);
    expect(c.reason).toBe(reason);
  });
});

describe('scoreLead: ordering and tiers', () => {
  const vp = person({ title: 'VP Sales', seniority: 'vp', industry: 'SaaS', employee_count: 200, signals: ['hiring_sdrs', 'recent_funding'] });
  const intern = person({
    first_name: 'Zoë',
    title: 'Intern',
    seniority: 'intern',
    company_name: 'Crumbs Bakery',
    industry: 'Bakery',
    employee_count: 3,
    signals: [],
  });

  it('puts a VP Sales at a 200-person SaaS with signals in tier A', () => {
    const result = scoreLead(vp, icp);
    expect(result.tier).toBe('A');
    expect(result.score).toBeGreaterThanOrEqual(icp.tiers.A);
  });

  it('disqualifies an intern at a 3-person bakery', () => {
    const result = scoreLead(intern, icp);
    expect(result.tier).toBe('disqualified');
    expect(result.score).toBeLessThan(icp.tiers.C);
  });

  it('ranks the VP above a mid-fit manager above the intern', () => {
    const manager = person({ title: 'Marketing Manager', seniority: null, industry: 'Retail', employee_count: 40, signals: ['event_attendee'] });
    const scores = [vp, manager, intern].map((p) => scoreLead(p, icp).score);
    expect(scores[0]).toBeGreaterThan(scores[1] ?? 0);
    expect(scores[1]).toBeGreaterThan(scores[2] ?? 0);
  });

  it('gives a perfect lead exactly 100 and sums its components to the score', () => {
    const result = scoreLead(person({ signals: ['uses_competitor', 'hiring_sdrs'] }), icp);
    expect(result.score).toBe(100);
    expect(result.components.reduce((s, c) => s + c.points, 0)).toBe(100);
    expect(result.components.reduce((s, c) => s + c.max, 0)).toBe(100);
  });

  it.each<[string, IcpConfig['weights']]>([
    ['weights summing to 50', { title: 15, seniority: 10, industry: 10, company_size: 10, signals: 5 }],
    ['weights summing to 300', { title: 90, seniority: 60, industry: 60, company_size: 60, signals: 30 }],
    ['one weight only', { title: 7, seniority: 0, industry: 0, company_size: 0, signals: 0 }],
  ])('normalises %s so a perfect lead still scores 100', (_case, weights) => {
    const result = scoreLead(person(), { ...icp, weights });
    expect(result.score).toBe(100);
    expect(result.components.reduce((s, c) => s + c.max, 0)).toBeCloseTo(100, 5);
  });

  it('scores 0 without dividing by zero when every weight is 0', () => {
    const weights = { title: 0, seniority: 0, industry: 0, company_size: 0, signals: 0 };
    const result = scoreLead(person(), { ...icp, weights });
    expect(result.score).toBe(0);
    expect(result.components.every((c) => c.points === 0 && c.max === 0)).toBe(true);
  });

  // Title-only weights make a sales-adjacent title score exactly 50, to sit on each boundary.
  const titleOnly: IcpConfig = { ...icp, weights: { title: 1, seniority: 0, industry: 0, company_size: 0, signals: 0 } };
  it.each<[string, IcpConfig['tiers'], string]>([
    ['on the A boundary', { A: 50, B: 40, C: 30 }, 'A'],
    ['just below A', { A: 51, B: 50, C: 30 }, 'B'],
    ['just below B', { A: 80, B: 51, C: 50 }, 'C'],
    ['just below C', { A: 80, B: 70, C: 51 }, 'disqualified'],
  ])('score 50 %s → tier %s', (_case, tiers, tier) => {
    const result = scoreLead(person({ title: 'Marketing Lead' }), { ...titleOnly, tiers });
    expect(result.score).toBe(50);
    expect(result.tier).toBe(tier);
  });

  it.each<[number, string]>([
    [100, 'A'],
    [75, 'A'],
    [74, 'B'],
    [55, 'B'],
    [54, 'C'],
    [35, 'C'],
    [34, 'disqualified'],
    [0, 'disqualified'],
  ])('tierFor(%d) with the default thresholds → %s', (score, tier) => {
    expect(tierFor(score, icp.tiers)).toBe(tier);
  });
});

describe('topReasons', () => {
  it('lists the highest-scoring components first, only those with points', () => {
    const result = scoreLead(person({ title: 'Marketing Manager', seniority: null, industry: 'Retail', employee_count: 40, signals: ['event_attendee'] }), icp);
    expect(topReasons(result)).toEqual([
      'Sales-adjacent title (Marketing Manager)',
      'Manager-level title (Marketing Manager)',
      '40 employees (near ideal 50-1000)',
    ]);
  });

  it.each<[number, number]>([
    [0, 0],
    [1, 1],
    [3, 3],
    [10, 5],
  ])('topReasons(n=%d) returns %d reasons for a perfect lead', (n, expected) => {
    expect(topReasons(scoreLead(person(), icp), n)).toHaveLength(expected);
  });

  it('returns nothing for a lead with no points', () => {
    expect(topReasons(scoreLead(allNull, icp))).toEqual([]);
  });

  it('does not reorder the score components', () => {
    const result = scoreLead(person({ title: 'Pastry Chef' }), icp);
    const before = result.components.map((c) => c.name);
    topReasons(result);
    expect(result.components.map((c) => c.name)).toEqual(before);
  });
});
