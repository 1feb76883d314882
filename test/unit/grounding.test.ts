import { describe, expect, it } from 'vitest';
import { checkGrounding, normalise, supports, type DraftStep, type LeadFacts } from '../../src/core/grounding.ts';
import { groundedSteps, inventedFundingSteps } from '../fakes/llm.ts';

const lead: LeadFacts = {
  first_name: 'Dana',
  last_name: "O'Neil",
  title: 'VP Sales, North America',
  seniority: 'vp',
  company_name: 'Acme Analytics Inc.',
  company_domain: 'acme.example',
  industry: 'Computer Software',
  employee_count: 1200,
  signals: ['hiring_sdrs'],
};

const vocabulary = 'We help B2B revenue teams keep outbound full. A person approves every email in Slack. We offer a 20-minute call. The lead uses Gong-style call recording.';

const step = (body: string, claims: DraftStep['claims'] = [], subject = 'A quick idea'): DraftStep => ({ subject, body, claims });
const fill = (first: DraftStep): DraftStep[] => [first, ...Array.from({ length: 4 }, () => step('Hi Dana,\n\nA last note from me.\n\nBest,', [{ fragment: 'Dana', field: 'first_name' }], ''))];

describe('normalise', () => {
  it('reads case, accents, punctuation, thousands separators and possessives alike', () => {
    expect(normalise('Acme’s  Café, Inc. — 1,200 people')).toBe('acme cafe inc 1200 people');
    expect(normalise("I'd")).toBe('id');
    expect(normalise('R&D')).toBe('r and d');
  });
});

describe('supports (a field backs a fragment)', () => {
  it('accepts the value or a normalised form of it', () => {
    expect(supports('company_name', 'Acme Analytics Inc.', 'at Acme Analytics')).toBe(true);
    expect(supports('company_name', 'Acme Analytics Inc.', "Acme Analytics's team")).toBe(true);
    expect(supports('title', 'VP Sales, North America', 'as Vice President of Sales')).toBe(true);
    expect(supports('title', 'VP Sales, North America', 'as VP Sales, North America')).toBe(true);
    expect(supports('employee_count', 1200, 'a team of 1,200')).toBe(true);
    expect(supports('signals', ['hiring_sdrs'], 'since you are hiring SDRs')).toBe(true);
    expect(supports('seniority', 'c_suite', 'as a C-level leader')).toBe(true);
  });

  it('refuses a fragment the value is not in', () => {
    expect(supports('signals', ['hiring_sdrs'], 'the $20M Series B')).toBe(false);
    expect(supports('title', 'VP Sales', 'as CEO')).toBe(false);
    expect(supports('employee_count', 1200, 'your 5,000 people')).toBe(false);
    expect(supports('company_name', 'Acme', 'Acmeville')).toBe(false);
  });
});

describe('checkGrounding', () => {
  it('passes a sequence whose every claim and name rests on a field', () => {
    const steps = groundedSteps({ first_name: 'Dana', title: 'VP Sales, North America', company_name: 'Acme Analytics Inc.' }) as DraftStep[];
    expect(checkGrounding(steps, lead, vocabulary)).toEqual([]);
  });

  it('flags an invented funding round: the claim, its figure and its date', () => {
    const steps = inventedFundingSteps({ first_name: 'Dana', title: 'VP Sales, North America', company_name: 'Acme Analytics Inc.' }) as DraftStep[];
    const problems = checkGrounding(steps, lead, vocabulary);
    const texts = problems.map((p) => p.text);
    expect(problems.every((p) => p.step === 1)).toBe(true);
    expect(texts).toContain('the $20M Series B Acme Analytics Inc. raised in March');
    expect(texts).toContain('$20M');
    expect(texts).toContain('March');
    expect(texts.some((t) => t.startsWith('Series'))).toBe(true);
    expect(problems.find((p) => p.text.startsWith('the $20M'))?.reason).toContain('`signals`');
  });

  it('flags a claim that is not in the email, or rests on an empty field', () => {
    const problems = checkGrounding(
      fill(step('Hi Dana,\n\nHello.\n\nBest,', [{ fragment: 'as Head of Growth', field: 'title' }, { fragment: 'Dana', field: 'first_name' }])),
      { ...lead, industry: null },
      vocabulary,
    );
    expect(problems).toEqual([{ step: 1, text: 'as Head of Growth', reason: 'claimed, but not found in the email' }]);
    const empty = checkGrounding(fill(step('Hi Dana,\n\nFellow software people.\n\nBest,', [{ fragment: 'software', field: 'industry' }])), { ...lead, industry: null }, vocabulary);
    expect(empty[0]?.reason).toContain('empty for this lead');
  });

  it('flags names, companies and figures no field gives, and lets the trade vocabulary and weekdays through', () => {
    const body = 'Hi Sarah,\n\nI saw that Stripe and Acme Analytics work with Sequoia Capital. Your 45 SDRs closed 3x more in Q3.\n\nCould we talk on Tuesday? I can do a 20-minute call. It works in Slack and your CRM.\n\nBest,';
    const texts = checkGrounding(fill(step(body)), lead, vocabulary).map((p) => p.text);
    expect(texts).toEqual(expect.arrayContaining(['Sarah', 'Stripe', 'Sequoia Capital', '45', '3x', 'Q3']));
    expect(texts).not.toContain('Tuesday');
    expect(texts).not.toContain('Slack');
    expect(texts).not.toContain('CRM');
    expect(texts.some((t) => t.includes('Acme'))).toBe(false);
    expect(texts.some((t) => t.startsWith('20'))).toBe(false);
  });

  it('accepts the employee count, a possessive and the sentence-opening words', () => {
    const body = "Hi Dana,\n\nAs VP Sales at Acme Analytics, with 1,200 people, you know Acme's pipeline. Following up: I'd love to help.\n\nBest,";
    expect(checkGrounding(fill(step(body, [{ fragment: 'VP Sales', field: 'title' }, { fragment: '1,200 people', field: 'employee_count' }])), lead, vocabulary)).toEqual([]);
  });

  it('checks subjects too', () => {
    const problems = checkGrounding(fill(step('Hi Dana,\n\nHello.\n\nBest,', [], 'Congrats on the Forbes award, Dana')), lead, vocabulary);
    expect(problems.map((p) => p.text)).toEqual(['Forbes']);
  });
});
