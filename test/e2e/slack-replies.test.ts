import { afterEach, describe, expect, it } from 'vitest';
import { ACTION_REPLY_INTERESTED, ACTION_REPLY_NOT_NOW, ACTION_REPLY_UNSUBSCRIBE } from '../../src/bot/blocks-reply.ts';
import { cadenceJobIds } from '../../src/jobs/lead-actions.ts';
import type { SlackCall } from '../fakes/slack.ts';
import { HEYREACH_CAMPAIGN } from '../helpers/live-harness.ts';
import { createReplyHarness, REPLIES_CHANNEL, type ReplyHarness } from '../helpers/reply-harness.ts';
import { APPROVER, APPROVER_2, OUTSIDER } from '../helpers/slack-harness.ts';
import { eventually, SAMPLES } from '../helpers/webhook-app.ts';

let h: ReplyHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Button = { action_id: string; value: string; style?: string };
const buttons = (call: SlackCall): Button[] =>
  ((call.args.blocks as { type: string; elements?: Button[] }[]) ?? []).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
const blocksText = (call: SlackCall) => JSON.stringify(call.args.blocks ?? []);
const posted = (s: ReplyHarness) => s.slack.ok('chat.postMessage').filter((c) => c.args.channel === REPLIES_CHANNEL);
const updates = (s: ReplyHarness, ts: string) => s.slack.ok('chat.update').filter((c) => c.args.ts === ts);
const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));

/** An Instantly reply as its webhook sends it, with text that tries every Slack trick. */
const HOSTILE = '<!channel> Yes, call me! <https://evil.example|click here> & <@U999> *now*';
const instantlyReply = (email: string, over: Record<string, unknown> = {}) =>
  SAMPLES.instantly({ event_type: 'reply_received', lead_email: email, email_id: 'em-reply-1', step: 2, reply_text: HOSTILE, unibox_url: 'https://app.instantly.ai/app/unibox?thread_search=abc|def', ...over });

async function oneMessage(s: ReplyHarness, count = 1): Promise<SlackCall> {
  const messages = await s.slack.waitFor(() => (posted(s).length >= count ? posted(s) : null), 15_000, 'reply message');
  return messages[count - 1]!;
}

describe('reply alerts (issue 11)', () => {
  it('Instantly reply_received: one escaped message with three buttons, the cadence stopped everywhere, GHL tagged; a redelivery posts nothing more', async () => {
    const s = (h = await createReplyHarness('replies-instantly'));
    const lead = await s.seedMailedLead(1);
    // As if the day-2 LinkedIn step had added the lead to HeyReach's campaign.
    await s.redis.set(s.ctx.keys.cadenceLinkedInAdded(lead.ref), '1');
    const ids = cadenceJobIds(lead);
    expect(ids).toHaveLength(4);
    for (const id of ids) expect(await s.ctx.queues.cadence.getJob(id)).toBeTruthy();

    expect((await s.webhook('/webhooks/instantly', instantlyReply(lead.email!))).status).toBe(202);
    const message = await oneMessage(s);
    expect((await s.webhook('/webhooks/instantly', instantlyReply(lead.email!))).json).toEqual({ status: 'duplicate' });

    // The message: who, what they answered, the reply escaped in the blocks and in the fallback.
    const text = blocksText(message);
    expect(text).toContain('Grace Hopper1');
    expect(text).toContain('VP Sales');
    expect(text).toContain('Navy &amp; Co');
    expect(text).toContain('ICP tier *A*');
    expect(text).toContain('email step 2');
    expect(text).toContain('&lt;!channel&gt; Yes, call me! &lt;https://evil.example|click here&gt; &amp; &lt;@U999&gt;');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U999>');
    expect(text).not.toContain('<https://evil.example');
    expect(text).toContain("<https://app.instantly.ai/app/unibox?thread_search=abc%7Cdef|Open the conversation in Instantly's unibox>");
    const fallback = String(message.args.text);
    expect(fallback).toContain('&lt;!channel&gt;');
    expect(fallback).not.toMatch(/<[!@]/);
    expect(buttons(message).map((b) => [b.action_id, b.style])).toEqual([
      [ACTION_REPLY_INTERESTED, 'primary'],
      [ACTION_REPLY_NOT_NOW, undefined],
      [ACTION_REPLY_UNSUBSCRIBE, 'danger'],
    ]);

    // Stopped everywhere: scheduled steps gone, HeyReach told, GHL tagged; Instantly's stop_on_reply ends its sequence.
    await eventually(async () => (await Promise.all(ids.map((id) => s.ctx.queues.cadence.getJob(id)))).every((j) => !j), 10_000, 'cadence removed');
    await eventually(async () => s.heyreach.stopped.length === 1, 10_000, 'HeyReach stop');
    expect(s.heyreach.stopped[0]).toEqual({ campaignId: HEYREACH_CAMPAIGN, leadUrl: lead.linkedin_url });
    const contact = await eventually(async () => {
      const c = s.ghl.contacts.get(lead.email!);
      return c && (c.body.tags as string[]).includes('caio-replied') ? c : null;
    }, 10_000, 'GHL caio-replied');
    expect((contact.body.tags as string[]).sort()).toEqual(['caio', 'caio-replied', 'competitor_gong', 'tier-A']);
    expect(await s.ctx.gate.isSuppressed(lead.email!)).toBe(true);

    // Redelivered: still one message, one HeyReach stop, one audited reply.
    await settle();
    expect(posted(s)).toHaveLength(1);
    expect(s.heyreach.stopped).toHaveLength(1);
    expect(await s.ctx.audit.list({ action: 'reply.received' })).toHaveLength(1);
  });

  it('Interested, Not now and Unsubscribe: approvers only, audited, the message updated in place; a second click changes nothing', async () => {
    const s = (h = await createReplyHarness('replies-buttons'));
    const leads = [await s.seedMailedLead(1), await s.seedMailedLead(2), await s.seedMailedLead(3)];
    for (const [i, lead] of leads.entries()) {
      await s.webhook('/webhooks/instantly', instantlyReply(lead.email!, { email_id: `em-${i}`, reply_text: `Reply number ${i}` }));
    }
    await oneMessage(s, 3);
    const cards = posted(s);
    const cardOf = (i: number) => cards.find((c) => blocksText(c).includes(`Reply number ${i}`))!;
    const idOf = (i: number) => buttons(cardOf(i))[0]!.value;

    // Someone not on CAIO_APPROVERS: refused, audited, nothing changes.
    expect((await s.click(ACTION_REPLY_INTERESTED, idOf(0), OUTSIDER)).status).toBe(200);
    await s.slack.waitFor(() => s.ephemerals().find((t) => t.includes('not on the approver list')), 10_000, 'refusal');
    expect((await s.ctx.replyService.replies.get(idOf(0)))?.status).toBe('new');
    expect((await s.ctx.audit.list({ action: 'refused' })).some((e) => e.actor === OUTSIDER && e.subject === idOf(0))).toBe(true);

    const outcomes = [
      [0, ACTION_REPLY_INTERESTED, 'Interested', 'caio-interested'],
      [1, ACTION_REPLY_NOT_NOW, 'Not now', 'caio-not-now'],
      [2, ACTION_REPLY_UNSUBSCRIBE, 'Unsubscribed', 'caio-unsubscribed'],
    ] as const;
    for (const [i, action, label, tag] of outcomes) {
      expect((await s.click(action, idOf(i), APPROVER)).status).toBe(200);
      const cardTs = (await s.ctx.replyService.replies.get(idOf(i)))!.slack_ts!;
      const update = await s.slack.waitFor(() => updates(s, cardTs)[0], 10_000, `${label} update`);
      expect(update.args.channel).toBe(REPLIES_CHANNEL);
      expect(buttons(update)).toEqual([]);
      expect(blocksText(update)).toContain(`*${label}*`);
      expect(blocksText(update)).toContain(`<@${APPROVER}>`);
      expect(blocksText(update)).toContain(`Reply number ${i}`);
      const email = leads[i]!.email!;
      await eventually(async () => (s.ghl.contacts.get(email)?.body.tags as string[] | undefined)?.includes(tag), 10_000, `GHL ${tag}`);
    }
    for (const action of ['reply.interested', 'reply.not_now', 'reply.unsubscribed']) expect(await s.ctx.audit.list({ action }), action).toHaveLength(1);
    expect(await s.ctx.gate.isSuppressed(leads[2]!.email!)).toBe(true);

    // A second click (another approver, another outcome): told who decided first, nothing changes.
    const cardTs = (await s.ctx.replyService.replies.get(idOf(0)))!.slack_ts!;
    await s.click(ACTION_REPLY_NOT_NOW, idOf(0), APPROVER_2);
    await s.slack.waitFor(() => s.ephemerals().find((t) => t.includes('already marked Interested')), 10_000, 'second-click answer');
    await settle();
    expect(updates(s, cardTs)).toHaveLength(1);
    expect((await s.ctx.replyService.replies.get(idOf(0)))).toMatchObject({ status: 'interested', decided_by: APPROVER });
    expect(await s.ctx.audit.list({ action: 'reply.not_now' })).toHaveLength(1);
  });

  it('HeyReach MESSAGE_REPLY_RECEIVED on POST /webhooks/heyreach: secret checked, lenient body, one LinkedIn message, lead stopped', async () => {
    const s = (h = await createReplyHarness('replies-heyreach'));
    const lead = await s.seedMailedLead(4);
    await s.redis.set(s.ctx.keys.cadenceLinkedInAdded(lead.ref), '1');
    const body = {
      eventType: 'MESSAGE_REPLY_RECEIVED',
      timestamp: '2026-11-28T09:00:00Z',
      lead: { firstName: 'Grace', lastName: 'Hopper4', profileUrl: 'https://linkedin.com/in/Grace-Hopper-4', companyName: 'Navy & Co' },
      message: { id: 'msg-881', text: 'Happy to talk next week <!here>' },
      campaign: { id: 4242, name: 'LinkedIn Q4' },
      sender: { id: 99, firstName: 'Sam' },
      somethingNew: { nested: [1, 2, 3] },
    };
    expect((await s.webhook('/webhooks/heyreach', body, 'wrong')).status).toBe(401);
    expect((await s.webhook('/webhooks/heyreach', body, null)).status).toBe(401);
    const anonymous = await s.webhook('/webhooks/heyreach', { eventType: 'MESSAGE_REPLY_RECEIVED', message: 'hi' });
    expect(anonymous.status).toBe(422);
    expect(JSON.stringify(anonymous.json)).toContain('lead');
    expect((await s.webhook('/webhooks/heyreach', { eventType: 'VIEWED_PROFILE', lead: { profileUrl: 'https://linkedin.com/in/x' } })).json).toEqual({ status: 'ignored' });

    expect((await s.webhook('/webhooks/heyreach', body)).status).toBe(202);
    expect((await s.webhook('/webhooks/heyreach', { ...body, eventType: 'EVERY_MESSAGE_REPLY_RECEIVED' })).json).toEqual({ status: 'duplicate' });
    const message = await oneMessage(s);
    expect(blocksText(message)).toContain('LinkedIn reply');
    expect(blocksText(message)).toContain('a LinkedIn message');
    expect(blocksText(message)).toContain('Happy to talk next week &lt;!here&gt;');
    expect(buttons(message)).toHaveLength(3);
    await eventually(async () => s.heyreach.stopped.length === 1, 10_000, 'HeyReach stop');
    await eventually(async () => (s.ghl.contacts.get(lead.email!)?.body.tags as string[] | undefined)?.includes('caio-replied'), 10_000, 'GHL caio-replied');
    for (const id of cadenceJobIds(lead)) expect(await s.ctx.queues.cadence.getJob(id)).toBeFalsy();
    await settle();
    expect(posted(s)).toHaveLength(1);
  });

  it('CONNECTION_REQUEST_ACCEPTED lets the LinkedIn message step run; without it the step is skipped and audited', async () => {
    const s = (h = await createReplyHarness('replies-accepted'));
    const accepted = await s.seedMailedLead(6);
    const silent = await s.seedMailedLead(7);
    const body = { event_type: 'CONNECTION_REQUEST_ACCEPTED', lead: { profile_url: 'https://www.linkedin.com/in/grace-hopper-6/' }, sender: { id: 5 } };
    expect((await s.webhook('/webhooks/heyreach', body)).status).toBe(202);
    await eventually(async () => s.redis.exists(s.ctx.keys.linkedinAccepted(accepted.ref)), 10_000, 'accepted recorded');
    for (const lead of [accepted, silent]) await (await s.ctx.queues.cadence.getJob(`${lead.ref}-cadence-linkedin2`))!.promote();
    await eventually(async () => (await s.ctx.audit.list({ action: 'cadence.linkedin_step' })).some((e) => e.subject === `${accepted.ref}|linkedin2`), 10_000, 'step ran');
    await eventually(async () => (await s.ctx.audit.list({ action: 'cadence.linkedin_skipped' })).some((e) => e.subject === `${silent.ref}|linkedin2`), 10_000, 'step skipped');
    expect(posted(s)).toHaveLength(0);
  });

  it('an out-of-office shifts the remaining cadence and posts nothing; a reply from an address CAIO never mailed is a 2xx and nothing else', async () => {
    const s = (h = await createReplyHarness('replies-ooo'));
    const lead = await s.seedMailedLead(5);
    const delayedKey = s.ctx.queues.cadence.keys.delayed!;
    const dueAt = async () => Object.fromEntries(await Promise.all(cadenceJobIds(lead).map(async (id) => [id, Math.floor(Number(await s.redis.zscore(delayedKey, id)) / 4096)] as const)));
    const before = await dueAt();
    const ooo = SAMPLES.instantly({ event_type: 'auto_reply_received', lead_email: lead.email, email_id: 'em-ooo', reply_text: 'I am out of office until Monday' });
    expect((await s.webhook('/webhooks/instantly', ooo)).status).toBe(202);
    await eventually(async () => (await s.ctx.audit.list({ action: 'cadence.shifted' })).length === 1, 10_000, 'shifted');
    const after = await dueAt();
    const shiftMs = s.config.cadence.auto_reply_shift_days * s.config.cadence.day_ms;
    expect(shiftMs).toBe(3 * 86_400_000);
    for (const id of cadenceJobIds(lead)) expect(Math.abs(after[id]! - before[id]! - shiftMs)).toBeLessThan(5_000);
    // Redelivered: shifted once.
    expect((await s.webhook('/webhooks/instantly', ooo)).json).toEqual({ status: 'duplicate' });

    const ghlBefore = s.ghl.requests.length;
    const stranger = await s.webhook('/webhooks/instantly', instantlyReply('stranger@elsewhere.example', { email_id: 'em-stranger' }));
    expect(stranger.status).toBe(202);
    const strangerLi = await s.webhook('/webhooks/heyreach', { event_type: 'message_reply_received', lead: { profile_url: 'https://www.linkedin.com/in/nobody-we-know' }, message: 'hello' });
    expect(strangerLi.status).toBe(202);
    await eventually(async () => {
      const c = await s.ctx.webhookQueue.queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
      return (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0 ? c : null;
    }, 10_000, 'webhook jobs done');
    expect((await s.ctx.webhookQueue.queue.getJobCounts('failed')).failed).toBe(0);
    await settle();
    expect(posted(s)).toHaveLength(0);
    expect(s.heyreach.stopped).toHaveLength(0);
    expect(s.ghl.requests.length).toBe(ghlBefore);
    expect(await s.ctx.audit.list({ action: 'reply.received' })).toHaveLength(0);
    // The lead's cadence is still there (shifted, not stopped).
    for (const id of cadenceJobIds(lead)) expect(await s.ctx.queues.cadence.getJob(id)).toBeTruthy();
  });
});
