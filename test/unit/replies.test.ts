import { describe, expect, it } from 'vitest';
import { linkedinText } from '../../src/bot/blocks-control.ts';
import { ACTION_REPLY_INTERESTED, ACTION_REPLY_NOT_NOW, ACTION_REPLY_UNSUBSCRIBE, REPLY_CARD_MAX, replyCard, replyDecidedCard, safeLink } from '../../src/bot/blocks-reply.ts';
import { buildConfig, ConfigError, parseEnv, parseFileConfig } from '../../src/core/config.ts';
import { normaliseLinkedInUrl } from '../../src/core/linkedin-url.ts';
import { cleanPhone } from '../../src/core/phone.ts';
import { replyIdFor, REPLY_ID, type Reply } from '../../src/core/replies.ts';
import type { Lead } from '../../src/core/types.ts';
import { callTaskText } from '../../src/jobs/cadence.ts';
import { clayResultToEmail } from '../../src/jobs/enrich.ts';
import { heyreachSchema, toHeyReachSignal } from '../../src/webhooks/heyreach-schema.ts';

const reply = (over: Partial<Reply> = {}): Reply => ({
  id: replyIdFor('instantly', 'reply_received|em-1'),
  ref: 'run_20261127_101500_abcdef-p1',
  channel: 'email',
  source: 'instantly',
  email: 'ada@engines.example',
  linkedin_url: null,
  step: 3,
  text: 'Sounds good',
  unibox_url: 'https://app.instantly.ai/app/unibox?id=1',
  campaign_id: 'camp-1',
  received_at: '2026-11-27T10:15:00.000Z',
  status: 'new',
  decided_by: null,
  decided_at: null,
  slack_channel: null,
  slack_ts: null,
  ...over,
});

const lead = { first_name: 'Ada', last_name: 'Lovelace', title: 'VP <Sales>', company_name: 'Engines & Co', icp: { score: 77, tier: 'A', components: [] } } as unknown as Lead;
const all = (m: { text: string; blocks: unknown[] }) => JSON.stringify(m.blocks) + m.text;

describe('reply message (Block Kit)', () => {
  it('escapes the reply in the blocks and the fallback: no mention, channel ping or link survives', () => {
    const card = replyCard(reply({ text: '<!channel> <!here|here> <@U123> <https://x.example|free money> & more' }), lead);
    // Only CAIO's own date formatting may start with <!.
    expect(all(card)).not.toMatch(/<@|<!(?!date\^)|<https:\/\/x/);
    expect(card.text).toContain('&lt;!channel&gt;');
    expect(JSON.stringify(card.blocks)).toContain('&lt;https://x.example|free money&gt; &amp; more');
    expect(card.text).toContain('Ada Lovelace (Engines &amp; Co)');
    expect(JSON.stringify(card.blocks)).toContain('VP &lt;Sales&gt;');
    expect(JSON.stringify(card.blocks)).toContain('ICP tier *A* (77/100) · answered *email step 3*');
  });

  it('has Interested, Not now and Unsubscribe (confirmed) carrying the reply id', () => {
    const r = reply();
    const actions = replyCard(r, lead).blocks.find((b) => b.type === 'actions') as { elements: { action_id: string; value: string; confirm?: unknown }[] };
    expect(actions.elements.map((e) => e.action_id)).toEqual([ACTION_REPLY_INTERESTED, ACTION_REPLY_NOT_NOW, ACTION_REPLY_UNSUBSCRIBE]);
    expect(actions.elements.every((e) => e.value === r.id)).toBe(true);
    expect(actions.elements[2]!.confirm).toBeDefined();
    expect(REPLY_ID.test(r.id)).toBe(true);
  });

  it('truncates a 100 KB reply on the card (sections under Slack limits) and says so; the record keeps it whole', () => {
    const text = 'word '.repeat(20_000);
    const r = reply({ text });
    const card = replyCard(r, lead);
    const sectionTexts = card.blocks.filter((b) => b.type === 'section').map((b) => (b as { text: { text: string } }).text.text);
    expect(sectionTexts.every((t) => t.length <= 3_000)).toBe(true);
    expect(sectionTexts.join('').length).toBeLessThan(REPLY_CARD_MAX + 500);
    expect(JSON.stringify(card.blocks)).toContain(`Showing the first 2,500 of ${text.trim().length.toLocaleString('en-US')} characters`);
    expect(card.text.length).toBeLessThan(300);
    expect(r.text).toHaveLength(100_000);
  });

  it('links only an https unibox URL, with | encoded', () => {
    expect(safeLink('https://app.instantly.ai/u?a=1|2&b=<3>')).toBe('https://app.instantly.ai/u?a=1%7C2&amp;b=%3C3%3E');
    expect(safeLink('javascript:alert(1)')).toBeNull();
    expect(safeLink('http://app.instantly.ai/u')).toBeNull();
    expect(safeLink('not a url')).toBeNull();
    expect(JSON.stringify(replyCard(reply({ unibox_url: 'javascript:alert(1)' }), lead).blocks)).not.toContain('unibox');
    expect(JSON.stringify(replyCard(reply({ channel: 'linkedin', source: 'heyreach', step: null }), lead).blocks)).toContain('a LinkedIn message');
  });

  it('after an outcome: no buttons, the outcome, who and when', () => {
    const card = replyDecidedCard(reply({ status: 'not_now', decided_by: 'UAPPROVER1', decided_at: '2026-11-27T11:00:00.000Z' }), lead);
    expect(card.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(card.blocks[0])).toContain(':zzz: *Not now* — marked by <@UAPPROVER1> at <!date^');
  });
});

describe('HeyReach webhook body (shape unconfirmed: lenient)', () => {
  const parse = (body: unknown) => heyreachSchema.safeParse(body);
  const signal = (body: unknown) => toHeyReachSignal(heyreachSchema.parse(body), new Date('2026-11-27T12:00:00Z')).signal;

  it('reads the camelCase shape with a leadProfile and message object', () => {
    const s = signal({ eventType: 'MESSAGE_REPLY_RECEIVED', leadProfile: { firstName: 'Jane', emailAddress: 'Jane@Company.com', linkedInUrl: 'https://linkedin.com/in/janesmith' }, campaign: { id: 123 }, message: { id: 'm_abc', text: 'Thanks!' }, timestamp: '2026-05-26T12:00:00Z' });
    expect(s).toMatchObject({ source: 'heyreach', kind: 'reply', event_id: 'reply|m_abc', email: 'jane@company.com', linkedin_url: 'https://linkedin.com/in/janesmith', campaign_id: '123', text: 'Thanks!', at: '2026-05-26T12:00:00.000Z' });
  });

  it('reads the snake_case shape with a recent_messages thread and a sender', () => {
    const s = signal({
      event_type: 'every_message_reply_received',
      lead: { profile_url: 'https://www.linkedin.com/in/sam/', email_address: null },
      sender: { id: 77 },
      campaign: { id: 9, name: 'Q4' },
      recent_messages: [{ message: 'Hi Sam', is_reply: false }, { message: 'Not interested, thanks', is_reply: true, id: 'r-9' }],
      extra: { kept: true },
    });
    expect(s).toMatchObject({ kind: 'reply', linkedin_url: 'https://www.linkedin.com/in/sam/', sender_id: '77', campaign_id: '9', text: 'Not interested, thanks', event_id: 'reply|r-9', email: null });
  });

  it('reads a message string and linkedInAccountId; hashes the body when there is no id', () => {
    const body = { eventType: 'INMAIL_REPLY_RECEIVED', lead: { profileUrl: 'https://linkedin.com/in/jd' }, message: 'Sure', linkedInAccountId: 456 };
    const s = signal(body);
    expect(s).toMatchObject({ kind: 'reply', text: 'Sure', sender_id: '456' });
    expect(s!.event_id).toMatch(/^[a-f0-9]{40}$/);
    expect(signal(body)!.event_id).toBe(s!.event_id);
  });

  it('requires an event type and, for a reply or an accepted connection, something that identifies the lead', () => {
    expect(parse({ lead: { profileUrl: 'https://linkedin.com/in/x' } }).error?.issues[0]?.path).toEqual(['eventType']);
    expect(parse({ eventType: 'MESSAGE_REPLY_RECEIVED', lead: { profileUrl: 'https://example.com/in/x' }, message: 'hi' }).error?.issues[0]?.path).toEqual(['lead']);
    expect(parse({ eventType: 'CONNECTION_REQUEST_ACCEPTED' }).success).toBe(false);
    expect(parse({ eventType: 'MESSAGE_REPLY_RECEIVED', lead: 'not an object' }).success).toBe(false);
    expect(signal({ eventType: 'CONNECTION_REQUEST_ACCEPTED', lead: { profileUrl: 'https://linkedin.com/in/x' } })).toMatchObject({ kind: 'connection_accepted', text: null });
    expect(signal({ event: { type: 'LIKED_POST' } })).toBeNull();
  });
});

describe('configuration (issue 11)', () => {
  it('refuses a daily connection cap above 25, naming the field', () => {
    expect(() => parseFileConfig({ linkedin: { daily_connection_cap: 30 } }, 'x.json')).toThrow(ConfigError);
    expect(() => parseFileConfig({ linkedin: { daily_connection_cap: 30 } }, 'x.json')).toThrow('invalid config in x.json: field "linkedin.daily_connection_cap": must be at most 25');
    expect(() => parseFileConfig({ linkedin: { ramp: [5, 0] } }, 'x.json')).toThrow('field "linkedin.ramp.1"');
  });

  it('has safe defaults and reads the senders and the replies channel from the environment', () => {
    const config = buildConfig({});
    expect(config.linkedin).toEqual({ daily_connection_cap: 20, weekly_connection_cap: 100, ramp: [5, 10, 15, 20] });
    expect(config.cadence.auto_reply_shift_days).toBe(3);
    expect(config.pipeline.call_task_phone).toBe(false);
    const env = parseEnv({ HEYREACH_SENDER_IDS: ' 111, 222,,111 ', SLACK_REPLIES_CHANNEL: 'CREPLY' });
    expect(env.HEYREACH_SENDER_IDS).toEqual(['111', '222']);
    expect(env.SLACK_REPLIES_CHANNEL).toBe('CREPLY');
    expect(parseEnv({}).HEYREACH_SENDER_IDS).toEqual([]);
  });
});

describe('phones, profiles, the call task and status', () => {
  const base = { first_name: 'Ada', last_name: 'Byron', title: 'CRO', company_name: 'Engines', email: 'a@e.example', ref: 'r1', linkedin_url: 'https://linkedin.com/in/ada' } as Lead;

  it('the call task gives the phone, or says there is none and gives the profile', () => {
    expect(callTaskText({ ...base, phone: '+44 20 7946 0958' }, 3)).toBe('Call task (cadence day 3): Ada Byron, CRO at Engines — phone +44 20 7946 0958');
    expect(callTaskText(base, 3)).toBe('Call task (cadence day 3): Ada Byron, CRO at Engines — no phone number on file; LinkedIn https://linkedin.com/in/ada');
    expect(callTaskText({ ...base, linkedin_url: null }, 3)).toBe('Call task (cadence day 3): Ada Byron, CRO at Engines — no phone number on file');
  });

  it('keeps a phone from Clay, and only real numbers', () => {
    expect(clayResultToEmail({ source: 'caio_pipeline', lead_id: 'r1', email: 'a@e.example', email_status: 'valid', phone: '+1 415 555 0123' })?.phone).toBe('+1 415 555 0123');
    expect(clayResultToEmail({ source: 'caio_pipeline', lead_id: 'r1', email: 'a@e.example', email_status: 'valid' })?.phone).toBeNull();
    expect(cleanPhone('N/A')).toBeNull();
    expect(cleanPhone(14155550123)).toBe('14155550123');
    expect(cleanPhone('  ')).toBeNull();
  });

  it('normalises LinkedIn profile URLs', () => {
    expect(normaliseLinkedInUrl('https://www.LinkedIn.com/in/Jane-Doe-123/?utm=x')).toBe('linkedin.com/in/jane-doe-123');
    expect(normaliseLinkedInUrl('uk.linkedin.com/in/jane')).toBe('linkedin.com/in/jane');
    expect(normaliseLinkedInUrl('https://example.com/in/jane')).toBeNull();
    expect(normaliseLinkedInUrl(null)).toBeNull();
  });

  it('status shows each sender today and over the rolling week', () => {
    expect(linkedinText([{ sender: '111', today: 3, capToday: 5, week: 12, weeklyCap: 100, rampWeek: 1 }, { sender: '222', today: 20, capToday: 20, week: 90, weeklyCap: 100, rampWeek: null }])).toBe(
      '*LinkedIn connection requests*\n`111` today 3/5 · 7 days 12/100 · ramp week 1\n`222` today 20/20 · 7 days 90/100',
    );
    expect(linkedinText(null)).toContain('unknown');
  });
});
