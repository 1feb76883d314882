import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/core/config.ts';
import { scoreLead } from '../../src/core/icp-score.ts';
import type { IcpScore, Person } from '../../src/core/types.ts';
import { highIntentPages, intentScore, pathOf } from '../../src/webhooks/intent-score.ts';

const config = buildConfig();
const visitors = config.webhooks.visitors;

function person(over: Partial<Person> = {}): Person {
  return {
    id: 'v1',
    first_name: 'Jane',
    last_name: 'Doe',
    title: 'VP of Sales',
    seniority: null,
    email: 'jane@acme.example',
    email_status: 'valid',
    linkedin_url: null,
    company_name: 'Acme',
    company_domain: 'acme.example',
    industry: 'Computer Software',
    employee_count: 250,
    signals: [],
    ...over,
  };
}

const goodIcp = scoreLead(person(), config.icp);
const badIcp: IcpScore = scoreLead(person({ title: 'Intern', industry: 'Agriculture', employee_count: 2 }), config.icp);

describe('intentScore', () => {
  it('adds up pages, repeat visits, high-intent pages and ICP fit into 0-100 with a reason each', () => {
    const score = intentScore({ pages: ['https://a.example/pricing', 'https://a.example/demo', 'https://a.example/blog'], visitDays: 2 }, goodIcp, visitors);
    const byName = Object.fromEntries(score.components.map((c) => [c.name, c]));
    expect(byName.pages?.points).toBe(12); // 3 of 5 pages x 20
    expect(byName.repeat_visits?.points).toBe(10); // 1 of 2 repeat days x 20
    expect(byName.high_intent).toMatchObject({ points: 30, reason: 'viewed /demo, /pricing' });
    expect(byName.icp_fit?.points).toBeCloseTo((goodIcp.score / 100) * 30, 1);
    expect(score.score).toBe(Math.round(12 + 10 + 30 + (goodIcp.score / 100) * 30));
    expect(score.qualifies).toBe(true);
  });

  it('does not qualify a single low-intent page view, nor any visitor with a disqualified ICP', () => {
    expect(intentScore({ pages: ['https://a.example/blog/post'], visitDays: 1 }, goodIcp, visitors).qualifies).toBe(false);
    const keen = intentScore({ pages: ['/pricing', '/demo', '/a', '/b', '/c'], visitDays: 5 }, badIcp, visitors);
    expect(badIcp.tier).toBe('disqualified');
    expect(keen.components.find((c) => c.name === 'icp_fit')?.points).toBe(0);
    expect(keen.score).toBeGreaterThanOrEqual(70);
    expect(keen.qualifies).toBe(false);
  });

  it('without enrichment (no ICP yet) scores activity but never qualifies', () => {
    const s = intentScore({ pages: ['/pricing', '/demo', '/a', '/b', '/c'], visitDays: 3 }, null, visitors);
    expect(s.score).toBe(70);
    expect(s.qualifies).toBe(false);
  });

  it('caps every component and stays within 0-100 for extreme activity', () => {
    const pages = Array.from({ length: 500 }, (_, i) => `https://a.example/p${i}`);
    const s = intentScore({ pages: [...pages, '/pricing'], visitDays: 400 }, goodIcp, visitors);
    expect(s.score).toBeLessThanOrEqual(100);
    expect(s.components.every((c) => c.points <= c.max)).toBe(true);
    expect(intentScore({ pages: [], visitDays: 0 }, null, visitors).score).toBe(0);
  });

  it('honours configured weights and threshold', () => {
    const onlyPricing = { ...visitors, weights: { pages: 0, repeat_visits: 0, high_intent: 1, icp_fit: 0 }, intent_threshold: 100 };
    expect(intentScore({ pages: ['/pricing'], visitDays: 1 }, goodIcp, onlyPricing)).toMatchObject({ score: 100, qualifies: true });
  });
});

describe('high-intent page matching', () => {
  it('matches whole path segments, with or without a scheme, ignoring case, query and trailing slash', () => {
    expect(highIntentPages(['HTTPS://Acme.example/Pricing/?utm=x', 'acme.example/demo/', 'https://acme.example/pricingfaq'], ['/pricing', '/demo'])).toEqual(['/demo', '/pricing']);
    expect(highIntentPages(['https://acme.example/en/pricing'], ['/pricing'])).toEqual(['/pricing']);
    expect(highIntentPages(['https://acme.example/blog/why-pricing-matters'], ['/pricing'])).toEqual([]);
    expect(pathOf('/Pricing?x=1')).toBe('/pricing');
    expect(pathOf('not a url at all')).toBe('not a url at all');
  });
});
