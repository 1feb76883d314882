import { describe, it, expect } from 'vitest';
import {
  BODY_MAX,
  SUBJECT_MAX,
  UNSUBSCRIBE_FOOTER,
  craftEmail,
  craftSequence,
  hasUnsubscribeFooter,
} from '../../src/core/email-template.ts';
import { SOURCES, type CraftedEmail, type IcpScore, type IcpTier, type Person, type Source } from '../../src/core/types.ts';

type Lead = Person & { source: Source };

const PERSON_FIELDS: ReadonlyArray<keyof Person> = [
  'id',
  'first_name',
  'last_name',
  'title',
  'seniority',
  'email',
  'email_status',
  'linkedin_url',
  'company_name',
  'company_domain',
  'industry',
  'employee_count',
  'signals',
];

function lead(overrides: Partial<Lead> = {}): Lead {
  return {
    id: 'p_1',
    first_name: 'Ada',
    last_name: 'Lovelace',
    title: 'VP Sales',
    seniority: 'vp',
    email: 'ada@example.com',
    email_status: 'verified',
    linkedin_url: null,
    company_name: 'Acme',
    company_domain: 'acme.io',
    industry: 'SaaS',
    employee_count: 200,
    signals: [],
    source: 'default',
    ...overrides,
  };
}

function score(tier: IcpTier): IcpScore {
  return { score: 80, tier, components: [] };
}

const messyLeads: Array<[string, Lead]> = [
  ['complete', lead()],
  [
    'all nullable fields null',
    lead({ first_name: null, last_name: null, title: null, seniority: null, company_name: null, industry: null, employee_count: null }),
  ],
  ['empty strings', lead({ first_name: '', last_name: '', title: '', company_name: '', industry: '' })],
  ['whitespace-only strings', lead({ first_name: '   ', title: '\t', company_name: ' \n ', industry: '  ' })],
  ['padded names', lead({ first_name: '  Ada  ', company_name: '  Acme  Corp ' })],
  ['non-ASCII Zoë', lead({ first_name: 'Zoë', company_name: 'Ørsted' })],
  ['non-ASCII José Müller', lead({ first_name: 'José', last_name: 'Müller', company_name: 'Müller GmbH', industry: 'Maschinenbau' })],
  ['CJK', lead({ first_name: '伟', company_name: '北京', title: '销售副总裁', industry: '软件' })],
  ['literal "null" and "undefined" strings', lead({ first_name: 'null', company_name: 'undefined', title: 'N/A', industry: 'None' })],
  ['unresolved placeholders', lead({ first_name: '{{first_name}}', company_name: '{{company}}', title: '}}', industry: '{industry}' })],
  ['control characters', lead({ first_name: 'Ada\u0000\u0007', company_name: 'Acme\r\nInc' })],
  ['huge values', lead({ first_name: 'A'.repeat(10_000), company_name: 'Acme '.repeat(5_000), title: 'VP '.repeat(5_000), industry: 'x'.repeat(9_000) })],
  ['no first name, has company', lead({ first_name: null })],
  ['first name, no company', lead({ company_name: null })],
];

function hasControlCharacter(text: string): boolean {
  return Array.from(text).some((ch) => ch !== '\n' && (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f));
}

const tiers: IcpTier[] = ['A', 'B', 'C', 'disqualified'];

const matrix = messyLeads.flatMap(([name, base]) =>
  SOURCES.flatMap((source) => tiers.map((tier) => [`${name} / ${source} / ${tier}`, { ...base, source }, tier] as const)),
);

/** A field's value as the templates insert it: control characters out, whitespace collapsed. */
function cleaned(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  return String(value).replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * What every crafted email must be, whatever the lead: clean text within the limits, a greeting
 * first and the footer last, and every personalised fragment in the body, taken from its field.
 */
function expectWellFormed(email: CraftedEmail, l: Lead): void {
  for (const text of [email.subject, email.body]) {
    expect(text).not.toMatch(/Hi ,|Hi\s+,/);
    expect(text).not.toContain('{{');
    expect(text).not.toContain('}}');
    expect(text).not.toMatch(/undefined|null|NaN|\[object/i);
    expect(hasControlCharacter(text)).toBe(false);
  }
  expect(email.subject.trim()).not.toBe('');
  expect(Array.from(email.subject).length).toBeLessThanOrEqual(SUBJECT_MAX);
  expect(email.body.length).toBeLessThanOrEqual(BODY_MAX);
  expect(email.body.endsWith(UNSUBSCRIBE_FOOTER)).toBe(true);
  expect(hasUnsubscribeFooter(email.body)).toBe(true);
  expect(email.body).toMatch(/^Hi \S.*,\n/);
  for (const fragment of email.fragments) {
    expect(fragment.text.trim()).not.toBe('');
    expect(email.body).toContain(fragment.text);
    if (fragment.field !== null) {
      expect(PERSON_FIELDS).toContain(fragment.field);
      expect(cleaned(l[fragment.field])).toContain(fragment.text);
    }
  }
}

describe('craftEmail over messy leads x every source x every tier', () => {
  it.each(matrix)('%s', (_case, l, tier) => {
    const email = craftEmail(l, score(tier));
    expectWellFormed(email, l);
    expect(email.template).toBe(`${l.source}/${tier === 'disqualified' ? 'C' : tier}`);
  });

  it('is deterministic', () => {
    for (const [, l] of messyLeads) {
      expect(craftEmail(l, score('A'))).toEqual(craftEmail(l, score('A')));
    }
  });
});

describe('craftEmail personalisation', () => {
  it.each<[string, Lead, string]>([
    ['first name', lead({ first_name: 'Ada' }), 'Hi Ada,'],
    ['trimmed first name', lead({ first_name: '  Ada \n' }), 'Hi Ada,'],
    ['Zoë unchanged', lead({ first_name: 'Zoë' }), 'Hi Zoë,'],
    ['José unchanged', lead({ first_name: 'José' }), 'Hi José,'],
    ['CJK unchanged', lead({ first_name: '北京' }), 'Hi 北京,'],
    ['null first name', lead({ first_name: null }), 'Hi there,'],
    ['blank first name', lead({ first_name: '  ' }), 'Hi there,'],
  ])('greeting: %s', (_case, l, greeting) => {
    expect(craftEmail(l, score('A')).body.startsWith(`${greeting}\n`)).toBe(true);
  });

  it('uses first name, company, title and industry in a tier-A default email and lists them as fragments', () => {
    const email = craftEmail(lead(), score('A'));
    expect(email.subject).toBe('Ada, an idea for Acme');
    expect(email.body).toContain('As VP Sales,');
    expect(email.body).toContain('SaaS');
    expect(email.fragments).toEqual(
      expect.arrayContaining([
        { text: 'Ada', field: 'first_name' },
        { text: 'Acme', field: 'company_name' },
        { text: 'VP Sales', field: 'title' },
        { text: 'SaaS', field: 'industry' },
      ]),
    );
    expect(email.fragments.every((f) => f.field !== null)).toBe(true);
  });

  it('flags fallbacks as fragments with no source field', () => {
    const email = craftEmail(lead({ first_name: null, company_name: null, title: null, industry: null }), score('A'));
    expect(email.subject).toBe('An idea for your team');
    expect(email.body).toContain('your team');
    expect(email.fragments.length).toBeGreaterThan(0);
    expect(email.fragments.every((f) => f.field === null)).toBe(true);
    expect(email.fragments.map((f) => f.text)).toEqual(expect.arrayContaining(['there', 'your team']));
  });

  it('lists each fragment once even when it is inserted twice', () => {
    const email = craftEmail(lead(), score('A'));
    const keys = email.fragments.map((f) => `${f.field}:${f.text}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('does not list a fragment the template did not insert', () => {
    const email = craftEmail(lead({ source: 'event_saastr', company_name: 'SaaStr' }), score('C'));
    expect(email.fragments.map((f) => f.field)).not.toContain('company_name');
  });

  it.each<[Source, IcpTier, RegExp]>([
    ['competitor_gong', 'A', /moving on from/i],
    ['competitor_gong', 'B', /Gong-style tooling/],
    ['competitor_gong', 'C', /Gong-style tooling/],
    ['event_saastr', 'A', /SaaStr/],
    ['event_saastr', 'B', /SaaStr/],
    ['event_saastr', 'C', /SaaStr/],
    ['website_visitor', 'A', /your interest/],
    ['website_visitor', 'B', /your interest/],
    ['website_visitor', 'C', /your interest/],
    ['default', 'A', /came across Acme/],
  ])('source %s tier %s mentions its hook', (source, tier, hook) => {
    expect(craftEmail(lead({ source }), score(tier)).body).toMatch(hook);
  });

  it('gives every source x tier its own template name and a distinct email', () => {
    const emails = SOURCES.flatMap((source) => (['A', 'B', 'C'] as const).map((tier) => craftEmail(lead({ source }), score(tier))));
    expect(new Set(emails.map((e) => e.template)).size).toBe(12);
    expect(new Set(emails.map((e) => `${e.subject}\n${e.body}`)).size).toBe(12);
  });

  it('caps huge values so the email stays readable', () => {
    const email = craftEmail(lead({ first_name: 'A'.repeat(10_000), company_name: 'B'.repeat(10_000) }), score('A'));
    expect(email.body.length).toBeLessThan(2_000);
    expect(email.subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
  });
});

describe('craftSequence over messy leads x every source x every tier', () => {
  it.each(matrix)('%s', (_case, l, tier) => {
    const sequence = craftSequence(l, score(tier));
    expect(sequence.map((e) => [e.step, e.day])).toEqual([[1, 1], [2, 5], [3, 10], [4, 17], [5, 21]]);
    // Step 1 is today's email, unchanged.
    expect(sequence[0]).toEqual({ ...craftEmail(l, score(tier)), step: 1, day: 1 });
    const templateTier = tier === 'disqualified' ? 'C' : tier;
    for (const email of sequence) {
      // Grounding included: every personalised fragment is in its body and comes from its field.
      expectWellFormed(email, l);
      expect(email.fragments.length).toBeGreaterThan(0);
      if (email.step > 1) expect(email.template).toBe(`${l.source}/${templateTier}/step${email.step}`);
    }
    expect(new Set(sequence.map((e) => e.body)).size).toBe(5);
  });

  it('is deterministic', () => {
    for (const [, l] of messyLeads) expect(craftSequence(l, score('B'))).toEqual(craftSequence(l, score('B')));
  });
});

describe('craftSequence steps', () => {
  const [intro, value, proof, breakUp, close] = craftSequence(lead(), score('A'));

  it('replies in step 1\'s thread, except the break-up, which starts its own', () => {
    expect(intro!.subject).toBe('Ada, an idea for Acme');
    for (const step of [value, proof, close]) expect(step!.subject).toBe('Re: Ada, an idea for Acme');
    expect(breakUp!.subject).toBe('Ada, should I close the loop?');
    expect(craftSequence(lead({ first_name: null }), score('A'))[3]!.subject).toBe('Should I close the loop?');
  });

  it('keeps a threaded subject within the limit when step 1\'s is long', () => {
    const long = craftSequence(lead({ source: 'default', company_name: 'C'.repeat(80), first_name: 'F'.repeat(40) }), score('A'));
    for (const step of long) expect(Array.from(step.subject).length).toBeLessThanOrEqual(SUBJECT_MAX);
  });

  it('grounds each follow-up in the lead: value names company and industry, social proof the title', () => {
    expect(value!.body).toContain('outbound at Acme');
    expect(value!.body).toContain('A SaaS team we work with');
    expect(value!.fragments).toEqual(expect.arrayContaining([{ text: 'Acme', field: 'company_name' }, { text: 'SaaS', field: 'industry' }]));
    expect(proof!.body).toContain('As VP Sales,');
    expect(proof!.fragments).toEqual(expect.arrayContaining([{ text: 'VP Sales', field: 'title' }]));
    expect(breakUp!.body).toContain("haven't heard back");
    expect(close!.body).toContain('A last note from me');
    expect(close!.fragments).toEqual(expect.arrayContaining([{ text: 'Acme', field: 'company_name' }]));
  });

  it('flags fallbacks in follow-ups as fragments with no source field', () => {
    const sequence = craftSequence(lead({ first_name: null, company_name: null, title: null, industry: null }), score('A'));
    for (const email of sequence.slice(1)) {
      expect(email.body.startsWith('Hi there,\n')).toBe(true);
      expect(email.fragments.every((f) => f.field === null)).toBe(true);
    }
    expect(sequence[1]!.body).toContain('outbound at your team');
  });

  it.each<[Source, number, RegExp]>([
    ['competitor_gong', 2, /on from Gong-style tooling/],
    ['competitor_gong', 3, /moved on from Gong-style tooling/],
    ['event_saastr', 2, /after SaaStr/],
    ['event_saastr', 3, /met at SaaStr/],
    ['website_visitor', 2, /Acme was looking at on our site/],
    ['website_visitor', 4, /Acme was looking at on our site/],
    ['default', 3, /Revenue teams at SaaS companies/],
  ])('source %s step %d keeps its hook', (source, step, hook) => {
    expect(craftSequence(lead({ source }), score('B'))[step - 1]!.body).toMatch(hook);
  });

  it('writes each tier its own follow-ups', () => {
    for (let step = 2; step <= 5; step++) {
      const bodies = (['A', 'B', 'C'] as const).map((tier) => craftSequence(lead(), score(tier))[step - 1]!.body);
      expect(new Set(bodies).size).toBe(3);
    }
  });
});

describe('hasUnsubscribeFooter', () => {
  it.each<[string, string, boolean]>([
    ['crafted body', `Hi Ada,${UNSUBSCRIBE_FOOTER}`, true],
    ['trailing whitespace', `Hi Ada,${UNSUBSCRIBE_FOOTER}  \n\n`, true],
    ['CRLF line endings', `Hi Ada,${UNSUBSCRIBE_FOOTER}`.replace(/\n/g, '\r\n'), true],
    ['footer removed', 'Hi Ada,\n\nBest,', false],
    ['footer edited', `Hi Ada,${UNSUBSCRIBE_FOOTER.replace('unsubscribe', 'stop')}`, false],
    ['empty', '', false],
  ])('%s → %s', (_case, body, expected) => {
    expect(hasUnsubscribeFooter(body)).toBe(expected);
  });

  it('is the exact footer text', () => {
    expect(UNSUBSCRIBE_FOOTER).toBe('\n\n--\nIf this isn\'t relevant, reply "unsubscribe" and I won\'t email you again.');
  });
});
