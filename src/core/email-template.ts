import { EMAIL_STEP_DAYS } from './cadence.ts';
import type { CraftedEmail, Fragment, IcpScore, Person, SequenceEmail, Source } from './types.ts';

export const UNSUBSCRIBE_FOOTER = '\n\n--\nIf this isn\'t relevant, reply "unsubscribe" and I won\'t email you again.';

export const SUBJECT_MAX = 200;
export const BODY_MAX = 5000;

type TemplateTier = 'A' | 'B' | 'C';

/** One personalised slot: the text inserted and the field it came from (null = a fallback). */
interface Slot {
  text: string;
  field: keyof Person | null;
}

interface Slots {
  /** Null when there is no usable first name, so templates can drop the name rather than fake one. */
  firstName: Slot | null;
  greetingName: Slot;
  company: Slot;
  title: Slot;
  industry: Slot;
}

interface Template {
  subject: (s: Slots) => string;
  opener: (s: Slots) => string;
}

/** Caps on inserted values: provider data can hold whole paragraphs in a name field. */
const VALUE_MAX: Record<'first_name' | 'company_name' | 'title' | 'industry', number> = {
  first_name: 40,
  company_name: 80,
  title: 80,
  industry: 60,
};

/** Values that mean "no data" in exported spreadsheets and provider payloads. */
const EMPTY_MARKERS = /^(null|undefined|none|n\/?a|-+|\.+)$/i;

const TEMPLATES: Record<Source, Record<TemplateTier, Template>> = {
  default: {
    A: {
      subject: (s) => withName(s, `an idea for ${s.company.text}`),
      opener: (s) => `I came across ${s.company.text} while looking at ${s.industry.text} companies building out outbound.`,
    },
    B: {
      subject: (s) => `Keeping pipeline full for ${s.company.text}`,
      opener: (s) => `I came across ${s.company.text} while looking at ${s.industry.text} companies building out outbound.`,
    },
    C: {
      subject: (s) => `Quick question for ${s.company.text}`,
      opener: (s) => `I came across ${s.company.text} and had a quick question about how you handle outbound.`,
    },
  },
  competitor_gong: {
    A: {
      subject: (s) => withName(s, `life after Gong for ${s.company.text}`),
      opener: (s) =>
        `I noticed ${s.company.text} has been using Gong-style tooling. A lot of teams are moving on from it: recording the last call doesn't tell you who to call next.`,
    },
    B: {
      subject: () => 'Moving on from Gong-style tooling',
      opener: (s) =>
        `I noticed ${s.company.text} has been using Gong-style tooling, and many teams are moving on from call recording to something that fills the next week's calendar.`,
    },
    C: {
      subject: () => 'Beyond call recording',
      opener: (s) => `If ${s.company.text} is thinking about moving on from Gong-style tooling, this might be useful.`,
    },
  },
  event_saastr: {
    A: {
      subject: (s) => withName(s, 'following up from SaaStr'),
      opener: (s) => `Great to see ${s.company.text} at SaaStr. I hope the sessions were worth the trip.`,
    },
    B: {
      subject: () => 'Following up from SaaStr',
      opener: (s) => `Great to see ${s.company.text} at SaaStr this year.`,
    },
    C: {
      subject: () => 'After SaaStr',
      opener: () => 'Following up after SaaStr with one quick idea.',
    },
  },
  website_visitor: {
    A: {
      subject: (s) => withName(s, 'thanks for checking us out'),
      opener: (s) => `Thanks for your interest in what we're building. I saw ${s.company.text} spent some time on our site.`,
    },
    B: {
      subject: () => 'Thanks for your interest',
      opener: (s) => `Thanks for your interest in what we're building. I saw ${s.company.text} stopped by our site.`,
    },
    C: {
      subject: () => 'Thanks for stopping by',
      opener: () => "Thanks for your interest in what we're building.",
    },
  },
};

/** The tier-specific middle of every email: why it matters to them, what we do, what we ask. */
const PITCH: Record<TemplateTier, (s: Slots) => string[]> = {
  A: (s) => [
    `As ${s.title.text}, you probably feel it first when the pipeline runs thin.`,
    `We help ${s.industry.text} revenue teams keep outbound full without adding headcount: leads are found, enriched and scored automatically, and a person still approves every email before it goes out.`,
    `Would you be open to a 20-minute call next week to see whether it fits ${s.company.text}?`,
  ],
  B: (s) => [
    `As ${s.title.text}, keeping outbound consistent is probably on your list.`,
    'We help teams keep their pipeline full without adding headcount, with a person approving every email.',
    'Worth a quick 15-minute chat to compare notes?',
  ],
  C: () => [
    'We help small teams keep outbound running without adding headcount.',
    'If it sounds useful, reply "yes" and I\'ll send a short overview.',
  ],
};

/** What a follow-up refers back to, per source: the thread's topic in a few words. */
const TOPIC: Record<Source, (s: Slots) => string> = {
  default: (s) => `outbound at ${s.company.text}`,
  competitor_gong: (s) => `moving ${s.company.text} on from Gong-style tooling`,
  event_saastr: () => 'the idea I shared after SaaStr',
  website_visitor: (s) => `what ${s.company.text} was looking at on our site`,
};

/** Who vouches for it in the social-proof email, per source: peers the lead will recognise. */
const PEERS: Record<Source, (s: Slots) => string> = {
  default: (s) => `Revenue teams at ${s.industry.text} companies`,
  competitor_gong: () => 'Teams that moved on from Gong-style tooling',
  event_saastr: () => 'Several teams we met at SaaStr',
  website_visitor: () => 'Teams that found us through our site',
};

/** Email steps 2-5: a subject (null = a reply in step 1's thread) and the paragraphs per tier. */
interface FollowUp {
  subject: ((s: Slots) => string) | null;
  paragraphs: Record<TemplateTier, (s: Slots, source: Source) => string[]>;
}

const FOLLOW_UPS: readonly FollowUp[] = [
  // Day 5: value, told as a short case study.
  {
    subject: null,
    paragraphs: {
      A: (s, source) => [
        `Following up on my note about ${TOPIC[source](s)}.`,
        `A ${s.industry.text} team we work with had its SDRs spending Monday mornings building lists by hand. Now the week's leads are found, enriched and scored before anyone logs in, and a manager approves each email in Slack; the reps spend those hours on calls instead.`,
        `If it would help to see how they set it up, I can walk you through it in 20 minutes. Would next week work for ${s.company.text}?`,
      ],
      B: (s, source) => [
        `Following up on my note about ${TOPIC[source](s)}.`,
        'One team we work with used to build its prospect lists by hand every week. Now the leads arrive scored and ready, and a person still approves every email; the time went back into calls.',
        'Happy to share how they set it up if that would be useful.',
      ],
      C: (s, source) => [
        `Following up on my note about ${TOPIC[source](s)}.`,
        'A small team we work with now runs its outbound in about an hour a week, and a person still approves every email.',
        'Want me to send the short write-up?',
      ],
    },
  },
  // Day 10: social proof from peers.
  {
    subject: null,
    paragraphs: {
      A: (s, source) => [
        `${PEERS[source](s)} tell us the same thing: they were wary of automating outbound until they saw that nothing goes out without a person approving it.`,
        `As ${s.title.text}, you would see every email before it is sent, and one button stops everything.`,
        `Open to a short call to see whether it fits ${s.company.text}?`,
      ],
      B: (s, source) => [
        `${PEERS[source](s)} tell us the approval step is what won them over: every email is read by a person before it goes out.`,
        'Worth a 15-minute look?',
      ],
      C: (s, source) => [
        `${PEERS[source](s)} tell us the approval step is what won them over: nothing goes out without a person reading it first.`,
        'Happy to send a short overview if it would be useful.',
      ],
    },
  },
  // Day 17: the break-up, in a thread of its own so it is seen.
  {
    subject: (s) => withName(s, 'should I close the loop?'),
    paragraphs: {
      A: (s, source) => [
        `I've reached out a few times about ${TOPIC[source](s)} and haven't heard back, which usually means the timing isn't right.`,
        "I'll stop here. If it is worth a conversation, a one-word reply is enough and I'll send a few times for a call.",
      ],
      B: (s, source) => [
        `I've reached out a few times about ${TOPIC[source](s)} and haven't heard back, which usually means the timing isn't right.`,
        "I'll leave it here; a one-word reply is enough if you would like to compare notes.",
      ],
      C: (s, source) => [
        `I've reached out a few times about ${TOPIC[source](s)} and haven't heard back, so I'll leave it here.`,
        'Reply "yes" any time and I\'ll send the short overview.',
      ],
    },
  },
  // Day 21: a graceful close that leaves the door open.
  {
    subject: null,
    paragraphs: {
      A: (s) => [
        "A last note from me, and then I'll leave you be.",
        `If outbound becomes a priority at ${s.company.text} later, reply to this thread and I'll pick it up from there. And if someone else on the team owns it, I'd be grateful for a pointer.`,
        'Wishing you a strong quarter.',
      ],
      B: (s) => [
        "A last note from me, and then I'll leave you be.",
        `If outbound becomes a priority at ${s.company.text} later, reply to this thread and I'll pick it up from there.`,
        'Wishing you a strong quarter.',
      ],
      C: () => ["A last note from me, and then I'll leave you be.", "If it ever becomes useful, reply to this thread and I'll pick it up from there."],
    },
  },
];

/** Crafts the first email for a lead from its source and ICP tier; deterministic and null-safe. */
export function craftEmail(lead: Person & { source: Source }, icp: IcpScore): CraftedEmail {
  const tier = templateTier(icp?.tier);
  const source = knownSource(lead.source);
  const template = TEMPLATES[source][tier];
  return compose(buildSlots(lead), (s) => [template.opener(s), ...PITCH[tier](s)], template.subject, `${source}/${tier}`);
}

/**
 * Crafts the whole email sequence (steps 1-5 on cadence days 1, 5, 10, 17, 21): step 1 is
 * `craftEmail`; the follow-ups are grounded in the same lead fields, each with its own fragments,
 * and most reply in step 1's thread. Deterministic and null-safe, like step 1.
 */
export function craftSequence(lead: Person & { source: Source }, icp: IcpScore): SequenceEmail[] {
  const tier = templateTier(icp?.tier);
  const source = knownSource(lead.source);
  const first = craftEmail(lead, icp);
  const thread = `Re: ${first.subject}`;
  const base = buildSlots(lead);
  const followUps = FOLLOW_UPS.map((f, i) => ({
    ...compose(base, (s) => f.paragraphs[tier](s, source), f.subject ?? (() => thread), `${source}/${tier}/step${i + 2}`),
    step: i + 2,
    day: EMAIL_STEP_DAYS[i + 1] ?? 0,
  }));
  return [{ ...first, step: 1, day: EMAIL_STEP_DAYS[0] ?? 1 }, ...followUps];
}

/** One email: greeting, the paragraphs, sign-off and footer; fragments are the slots it read. */
function compose(base: Slots, paragraphs: (s: Slots) => string[], subject: (s: Slots) => string, template: string): CraftedEmail {
  const used = new Set<Slot>();
  const slots = trackUse(base, used);
  const body = limitBody([`Hi ${slots.greetingName.text},`, ...paragraphs(slots), 'Best,'].join('\n\n'));
  return { subject: limit(subject(slots), SUBJECT_MAX), body, fragments: toFragments(used), template };
}

/** True when the body still ends with the unsubscribe footer (trailing whitespace ignored). */
export function hasUnsubscribeFooter(body: string): boolean {
  const normalised = body.replace(/\r\n?/g, '\n').trimEnd();
  return normalised.endsWith(UNSUBSCRIBE_FOOTER.trim());
}

function templateTier(tier: IcpScore['tier'] | undefined): TemplateTier {
  // A disqualified lead normally never reaches craft; if it does, it gets the lightest touch.
  return tier === 'A' || tier === 'B' ? tier : 'C';
}

function knownSource(source: Source | undefined): Source {
  return source !== undefined && Object.hasOwn(TEMPLATES, source) ? source : 'default';
}

function buildSlots(lead: Person): Slots {
  const firstName = fieldSlot(lead, 'first_name');
  return {
    firstName,
    greetingName: firstName ?? { text: 'there', field: null },
    company: fieldSlot(lead, 'company_name') ?? { text: 'your team', field: null },
    title: fieldSlot(lead, 'title') ?? { text: 'a revenue leader', field: null },
    industry: fieldSlot(lead, 'industry') ?? { text: 'growing', field: null },
  };
}

function fieldSlot(lead: Person, field: keyof typeof VALUE_MAX): Slot | null {
  const text = cleanValue(lead[field], VALUE_MAX[field]);
  return text === null ? null : { text, field };
}

function cleanValue(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null;
  // Control characters and template braces from upstream data must never reach an email.
  // eslint-disable-next-line no-control-regex
  const text = value.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  if (text === '' || EMPTY_MARKERS.test(text) || /[{}]/.test(text)) return null;
  return Array.from(text).slice(0, max).join('').trim();
}

function withName(slots: Slots, rest: string): string {
  return slots.firstName ? `${slots.firstName.text}, ${rest}` : capitalise(rest);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Records which slots the templates read, so fragments list exactly what was inserted. */
function trackUse(slots: Slots, used: Set<Slot>): Slots {
  const use = (slot: Slot): Slot => {
    used.add(slot);
    return slot;
  };
  return {
    get firstName() {
      return slots.firstName && use(slots.firstName);
    },
    get greetingName() {
      return use(slots.greetingName);
    },
    get company() {
      return use(slots.company);
    },
    get title() {
      return use(slots.title);
    },
    get industry() {
      return use(slots.industry);
    },
  };
}

function toFragments(used: Set<Slot>): Fragment[] {
  return [...used].map(({ text, field }) => ({ text, field }));
}

function limitBody(content: string): string {
  return limit(content, BODY_MAX - UNSUBSCRIBE_FOOTER.length) + UNSUBSCRIBE_FOOTER;
}

function limit(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}
