import type { GroundingProblem, Person } from './types.ts';

/**
 * The grounding check of a model-written sequence (issue 13): every personalised claim must rest
 * on a lead field, and nothing in the text may look like a fact about the lead that no field gives
 * (a name, a company, a title, a number, a date). Pure: the lead, the sender's own vocabulary (the
 * prompt files' sender facts and the source's angle) and the draft go in, the problems come out.
 */

/** The lead fields a claim may rest on. */
export const CLAIM_FIELDS = ['first_name', 'last_name', 'title', 'seniority', 'company_name', 'company_domain', 'industry', 'employee_count', 'signals'] as const;
export type ClaimField = (typeof CLAIM_FIELDS)[number];

export interface Claim {
  /** The exact words of the email that carry the personalisation. */
  fragment: string;
  field: ClaimField;
}

export interface DraftStep {
  subject: string;
  body: string;
  claims: Claim[];
}

export type LeadFacts = Pick<Person, ClaimField>;

/** Abbreviations in titles and seniorities, compared in their long form. */
const EXPANSIONS: Record<string, string> = {
  vp: 'vice president',
  svp: 'senior vice president',
  evp: 'executive vice president',
  avp: 'assistant vice president',
  ceo: 'chief executive officer',
  cro: 'chief revenue officer',
  cto: 'chief technology officer',
  cfo: 'chief financial officer',
  coo: 'chief operating officer',
  cmo: 'chief marketing officer',
  cso: 'chief sales officer',
  sr: 'senior',
  jr: 'junior',
  dir: 'director',
  mgr: 'manager',
  gtm: 'go to market',
  bd: 'business development',
  bdr: 'business development representative',
  sdr: 'sales development representative',
  revops: 'revenue operations',
  ops: 'operations',
  hr: 'human resources',
  mktg: 'marketing',
  c_suite: 'c suite',
};

/** Words that carry no meaning in a title or a company's name ("Head of Sales" = "Sales head"? no: "head sales"). */
const FILLER = new Set(['of', 'the', 'and', 'for', 'at', 'a', 'an', 'in']);

/** Legal suffixes a company's name may be written without. */
const LEGAL_SUFFIXES = new Set(['inc', 'incorporated', 'llc', 'ltd', 'limited', 'gmbh', 'corp', 'corporation', 'co', 'company', 'plc', 'sa', 'ag', 'bv', 'nv', 'oy', 'ab', 'pty', 'srl', 'sas']);

/** Words that say a signal in plain English, per Apollo-style signal code. */
const SIGNAL_WORDS: Record<string, string[]> = {
  recent_funding: ['funding', 'raised', 'fundraise', 'round'],
  hiring_sdrs: ['hiring', 'sdr', 'sdrs', 'sales development'],
  uses_competitor: ['gong', 'competitor'],
  event_attendee: ['event', 'saastr', 'conference', 'attended'],
  visited_pricing: ['pricing', 'visited', 'website', 'site'],
};

/** Seniority codes in the words an email would use. */
const SENIORITY_WORDS: Record<string, string[]> = {
  c_suite: ['c suite', 'c level', 'chief', 'executive'],
  vp: ['vice president', 'vp'],
  founder: ['founder', 'co founder', 'cofounder'],
};

/** Words that open sentences; capitalised there, they are no name even when a name follows ("As VP Sales…"). */
const STARTERS = new Set(
  (
    'as at in on for with when while if since after before because so but and or yet we you your our my the a an this that these those it its there here ' +
    'what how why who which would could should can will do does did is are was were have has had one many most some all any every each no not just also ' +
    'happy hope thanks quick curious worth following congrats congratulations great glad last final only given saw noticed teams like more other ' +
    'may might must please let looking sorry by from to of'
  ).split(' '),
);

/**
 * Capitalised words that are not facts about anyone: greetings, pronouns, weekdays (a proposed
 * meeting, not a claim) and the trade's acronyms. Compared in normalised (lower-case) form.
 */
const COMMON = new Set(
  (
    'i im id ill ive hi hello hey dear thanks thank best cheers regards ps ok okay re fwd ' +
    'monday tuesday wednesday thursday friday saturday sunday ' +
    'ai crm sdr sdrs bdr bdrs ae aes roi b2b saas gtm revops kpi kpis okr okrs ceo ceos cro cros cto cfo coo cmo vp vps svp evp hr ' +
    'api faq email linkedin'
  ).split(' '),
);

const MONTHS = /\b(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?|\b[QH][1-4]\b|\b\d{1,2}(?:st|nd|rd|th)\b/g;
// A figure with an optional currency before it and a unit after it: "$20M", "3x", "1,200", "40%".
const NUMBER = /(?:[$€£]\s?)?(?<![\p{L}\p{N}])\d[\d,.]*(?:\s?(?:%|percent\b|k\b|mm?\b|bn\b|b\b|million\b|billion\b|x\b))?/giu;
/** A meeting's length ("a 20-minute call") is an offer, not a claim about the lead. */
const DURATION_AFTER = /^[\s-]?(?:minutes?|mins?|hours?|hrs?)\b/i;
const WORD = /[\p{L}\p{N}](?:[\p{L}\p{N}'’&.-]*[\p{L}\p{N}])?/gu;

/** Lower case, accents and punctuation gone, "1,200" as "1200", possessives and "&" read as words. */
export function normalise(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/(\d),(?=\d{3}(?:\D|$))/g, '$1')
    .replace(/['’]s\b/g, '')
    .replace(/['’]/g, '')
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** A normalised form with abbreviations spelled out and filler words dropped. */
function canonical(text: string): string {
  return normalise(text.replace(/c[_-]suite/gi, 'c suite'))
    .split(' ')
    .flatMap((t) => (EXPANSIONS[t] ?? t).split(' '))
    .filter((t) => t !== '' && !FILLER.has(t))
    .join(' ');
}

/** Whole-word containment of one normalised phrase in another. */
function containsPhrase(haystack: string, needle: string): boolean {
  return needle !== '' && ` ${haystack} `.includes(` ${needle} `);
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'string' && value.trim() === '';
}

/** The normalised forms of a field's value that may stand for it in an email. */
export function fieldForms(field: ClaimField, value: unknown): string[] {
  if (isEmpty(value)) return [];
  if (field === 'employee_count' && typeof value === 'number') {
    const forms = [String(value)];
    if (value >= 1000 && value % 100 === 0) forms.push(`${value / 1000}k`);
    return forms;
  }
  if (field === 'signals' && Array.isArray(value)) {
    return value.flatMap((code) => {
      const text = String(code);
      const own = normalise(text.replace(/_/g, ' '));
      const words = own.split(' ').filter((w) => w.length >= 4);
      return [own, ...words, ...(SIGNAL_WORDS[text] ?? []).map(normalise)];
    });
  }
  const text = String(value);
  const full = canonical(text);
  const forms = [full];
  if (field === 'company_name') {
    const words = full.split(' ');
    while (words.length > 1 && LEGAL_SUFFIXES.has(words[words.length - 1] as string)) words.pop();
    forms.push(words.join(' '));
  }
  // "VP Sales, North America" may be written "VP Sales"; "Software / SaaS" as either half.
  if (field === 'title' || field === 'industry') forms.push(...text.split(/[,|/(–—]| - /).map(canonical));
  if (field === 'company_domain') forms.push(canonical(text.replace(/^(?:https?:\/\/)?(?:www\.)?/i, '')));
  if (field === 'seniority') forms.push(...(SENIORITY_WORDS[text] ?? []).map(canonical));
  return [...new Set(forms.filter((f) => f !== ''))];
}

/** Whether the fragment carries the field's value (or a normalised form of it). */
export function supports(field: ClaimField, value: unknown, fragment: string): boolean {
  const text = canonical(fragment);
  return fieldForms(field, value).some((form) => containsPhrase(text, form));
}

/** Every word and figure the lead's fields and the sender's own texts contain. */
function knownWords(lead: LeadFacts, vocabulary: string): { words: Set<string>; numbers: Set<string> } {
  const texts: string[] = [vocabulary];
  for (const field of CLAIM_FIELDS) {
    const value = lead[field];
    if (isEmpty(value)) continue;
    texts.push(Array.isArray(value) ? value.join(' ').replace(/_/g, ' ') : String(value));
    texts.push(...fieldForms(field, value));
  }
  const words = new Set<string>();
  const numbers = new Set<string>();
  for (const text of texts) {
    for (const word of `${normalise(text)} ${canonical(text)}`.split(' ')) {
      if (word === '') continue;
      words.add(word);
      if (/^\d+$/.test(word)) numbers.add(word);
    }
  }
  return { words, numbers };
}

interface Span {
  start: number;
  end: number;
  text: string;
  reason: string;
}

/** Figures and dates that no field or sender text gives. */
function unsupportedFigures(text: string, known: { words: Set<string>; numbers: Set<string> }): Span[] {
  const spans: Span[] = [];
  for (const match of text.matchAll(NUMBER)) {
    const raw = match[0].replace(/[.,]+$/, '');
    const end = match.index + raw.length;
    if (DURATION_AFTER.test(text.slice(end))) continue;
    // "1,200" must be a figure a field or the sender's text has; "$20M" or "3x" must appear as written.
    const key = normalise(raw).replace(/ /g, '');
    const isKnown = /[$€£]|[a-z]$/i.test(raw) ? known.words.has(key) : known.numbers.has(key);
    if (isKnown) continue;
    spans.push({ start: match.index, end, text: raw, reason: 'a figure no lead field gives' });
  }
  for (const match of text.matchAll(MONTHS)) {
    const raw = match[0].replace(/\.$/, '');
    // "May" opening a sentence is the verb; mid-sentence it is the month.
    if (raw === 'May' && isSentenceStart(text, match.index)) continue;
    if (known.words.has(normalise(raw))) continue;
    spans.push({ start: match.index, end: match.index + raw.length, text: raw, reason: 'a date no lead field gives' });
  }
  return spans;
}

function isSentenceStart(text: string, index: number): boolean {
  const before = text.slice(0, index).replace(/["'“‘([]+$/, '');
  return before.trim() === '' || /[.!?:;]\s*$|\n\s*$/.test(before);
}

function hasUpper(word: string): boolean {
  return /\p{Lu}/u.test(word);
}

/** Capitalised words (names, companies, titles) that no field or sender text contains, grouped into phrases. */
function unsupportedNames(text: string, known: { words: Set<string> }, taken: Span[]): Span[] {
  const tokens = [...text.matchAll(WORD)].map((m) => ({ text: m[0], start: m.index, end: m.index + m[0].length }));
  const flagged: Array<{ start: number; end: number }> = [];
  tokens.forEach((token, i) => {
    if (!hasUpper(token.text)) return;
    if (taken.some((s) => token.start < s.end && token.end > s.start)) return;
    const next = tokens[i + 1];
    const joinedToNext = next !== undefined && /^\s+$/.test(text.slice(token.end, next.start)) && hasUpper(next.text);
    // A capitalised first word is just how sentences start, unless a name continues after it.
    if (isSentenceStart(text, token.start) && !joinedToNext) return;
    const starter = isSentenceStart(text, token.start);
    const parts = token.text.split(/[-.&]/).filter((p) => p !== '' && hasUpper(p));
    const unknown = parts.some((part) => {
      const word = normalise(part);
      return word !== '' && !word.split(' ').every((w) => known.words.has(w) || COMMON.has(w) || (starter && STARTERS.has(w)));
    });
    if (unknown) flagged.push({ start: token.start, end: token.end });
  });
  // Neighbouring unknown words are one name: "Sequoia Capital", not "Sequoia" and "Capital".
  const spans: Span[] = [];
  for (const f of flagged) {
    const last = spans[spans.length - 1];
    if (last && /^\s+$/.test(text.slice(last.end, f.start))) {
      last.end = f.end;
      last.text = text.slice(last.start, last.end);
    } else {
      spans.push({ start: f.start, end: f.end, text: text.slice(f.start, f.end).replace(/['’]s$/, ''), reason: 'a name, company or title no lead field gives' });
    }
  }
  return spans.map((s) => ({ ...s, text: s.text.replace(/['’]s$/, '') }));
}

/** The problems of one text (a subject or a body) against what is known. */
function scan(text: string, known: { words: Set<string>; numbers: Set<string> }): Span[] {
  const figures = unsupportedFigures(text, known);
  return [...figures, ...unsupportedNames(text, known, figures)].sort((a, b) => a.start - b.start);
}

/**
 * Every problem of a drafted sequence: claims whose fragment is not in the email or whose field
 * does not support it, and names, figures and dates that match no field. Empty: grounded.
 */
export function checkGrounding(steps: DraftStep[], lead: LeadFacts, vocabulary = ''): GroundingProblem[] {
  const known = knownWords(lead, vocabulary);
  const problems: GroundingProblem[] = [];
  const seen = new Set<string>();
  const add = (p: GroundingProblem) => {
    const key = `${p.step}\u0000${p.text}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push(p);
  };
  steps.forEach((draft, i) => {
    const step = i + 1;
    const email = normalise(`${draft.subject}\n${draft.body}`);
    for (const claim of draft.claims) {
      const value = lead[claim.field];
      if (isEmpty(value)) add({ step, text: claim.fragment, reason: `claims \`${claim.field}\`, which is empty for this lead` });
      else if (!containsPhrase(email, normalise(claim.fragment))) add({ step, text: claim.fragment, reason: 'claimed, but not found in the email' });
      else if (!supports(claim.field, value, claim.fragment)) add({ step, text: claim.fragment, reason: `\`${claim.field}\` (${display(value)}) does not support it` });
    }
    for (const span of [...scan(draft.subject, known), ...scan(draft.body, known)]) add({ step, text: span.text, reason: span.reason });
  });
  return problems;
}

function display(value: unknown): string {
  const text = Array.isArray(value) ? value.join(', ') : String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
