import { afterEach, describe, expect, it } from 'vitest';
import { VIEW_EDIT } from '../../src/bot/blocks-approval.ts';
import { sequenceHash } from '../../src/core/approvals.ts';
import { UNSUBSCRIBE_FOOTER } from '../../src/core/email-template.ts';
import type { SlackCall } from '../fakes/slack.ts';
import { APPROVAL_CHANNEL, APPROVER, APPROVER_2, createSlackHarness, OUTSIDER, RUN_CHANNEL, type SlackHarness } from '../helpers/slack-harness.ts';

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Button = { action_id: string; value: string; style?: string };
const buttons = (call: SlackCall): Button[] =>
  ((call.args.blocks as { type: string; elements?: Button[] }[]) ?? []).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
const textOf = (call: SlackCall) => JSON.stringify(call.args.blocks ?? []) + String(call.args.text ?? '');
type Section = { type: string; block_id?: string; text?: { text: string }; accessory?: { action_id: string; value: string } };
type ModalView = { callback_id?: string; title: { text: string }; private_metadata: string; blocks: { type: string; block_id: string; text?: { text: string }; element: { initial_value: string } }[] };
/** Block text as the reader sees it: bold marks dropped, Slack's escaping undone. */
const plain = (text: string) => text.replaceAll('*', '').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
/** The Edit modal's inputs as a submission would carry them, unchanged. */
const prefilled = (view: ModalView) => Object.fromEntries(view.blocks.filter((b) => b.type === 'input').map((b) => [b.block_id, b.element.initial_value]));

describe('approval cards over Slack', () => {
  it('posts a card per email; approve, reject and edit update the card in place, send once and are audited', async () => {
    const s = (h = await createSlackHarness('slack-approve'));
    const started = await s.command('run default --leads 12');
    expect(started.status).toBe(200);
    expect((started.json as { text: string }).text).toContain('Starting a run of up to 12 leads');
    const reply = await s.slack.waitFor(() => s.slack.responses.find((r) => String(r.body.text).includes('started')), 10_000, 'run reply');
    const runId = /`(run_[^`]+)`/.exec(String(reply.body.text))?.[1];
    expect(runId).toBeDefined();
    const run = await s.waitForRun(runId!, ['awaiting_approval']);
    expect(run.awaiting).toBeGreaterThanOrEqual(3);

    // One card per email awaiting approval, with the buttons carrying id and content hash.
    const cards = await s.slack.waitFor(() => {
      const posted = s.slack.ok('chat.postMessage').filter((c) => c.args.channel === APPROVAL_CHANNEL);
      return posted.length === run.awaiting ? posted : null;
    }, 15_000, 'approval cards');
    for (const card of cards) {
      expect(buttons(card).map((b) => [b.action_id, b.style])).toEqual([
        ['approval_approve', 'primary'],
        ['approval_reject', 'danger'],
        ['approval_edit', undefined],
      ]);
      expect(textOf(card)).toContain('ICP score');
      expect(textOf(card)).toContain('Personalised fragments');
    }
    const pending = await s.ctx.approvals.listPending(100);
    expect(pending).toHaveLength(run.awaiting);
    for (const a of pending) {
      expect(a.slack_channel).toBe(APPROVAL_CHANNEL);
      expect(a.slack_ts).toBeTruthy();
      expect(a.steps).toHaveLength(5);
      expect(a.hash).toBe(sequenceHash(a.steps));
      // The card shows step 1 in full and each follow-up's day and subject.
      const posted = cards.find((c) => (JSON.parse(buttons(c)[0]!.value) as { id: string }).id === a.id)!;
      const blocks = posted.args.blocks as Section[];
      const from = blocks.findIndex((b) => b.text?.text.startsWith('*Step 1 · day 1 · subject:*'));
      const to = blocks.findIndex((b) => b.text?.text.startsWith('*Personalised fragments*'));
      expect(plain(blocks.slice(from + 1, to).map((b) => b.text!.text).join(''))).toBe(a.body);
      const followUps = blocks.find((b) => b.block_id === 'approval_sequence')!;
      expect(plain(followUps.text!.text).split('\n').slice(1)).toEqual(a.steps.slice(1).map((step, i) => `• Step ${i + 2} · day ${[5, 10, 17, 21][i]}: ${step.subject}`));
      expect(followUps.accessory!.action_id).toBe('approval_show_sequence');
      expect(textOf(posted)).not.toContain("haven't heard back"); // the break-up's body is behind the button
    }
    const values = cards.map((c) => JSON.parse(buttons(c)[0]!.value) as { id: string; hash: string });
    const card = (i: number) => ({ value: buttons(cards[i]!)[0]!.value, id: values[i]!.id });
    const tsOf = async (id: string) => (await s.ctx.approvals.get(id))!.slack_ts!;

    // The run message is in the channel the command came from.
    await s.slack.waitFor(() => s.slack.ok('chat.postMessage').find((c) => c.args.channel === RUN_CHANNEL && textOf(c).includes(runId!)), 10_000, 'run message');

    // A non-approver's click changes nothing and is audited.
    const outsider = await s.click({ userId: OUTSIDER, actionId: 'approval_approve', value: card(0).value, responseId: 'outsider' });
    expect(outsider.status).toBe(200);
    await s.slack.waitFor(() => s.slack.responses.find((r) => r.id === 'outsider'), 5_000, 'refusal');
    expect(String(s.slack.responses.find((r) => r.id === 'outsider')!.body.text)).toContain('not on the approver list');
    expect((await s.ctx.approvals.get(card(0).id))!.status).toBe('pending');

    // Double click on Approve (two approvers at once): one decision, one send.
    const [a1, a2] = await Promise.all([
      s.click({ userId: APPROVER, actionId: 'approval_approve', value: card(0).value, responseId: 'dbl-1' }),
      s.click({ userId: APPROVER_2, actionId: 'approval_approve', value: card(0).value, responseId: 'dbl-2' }),
    ]);
    expect([a1.status, a2.status]).toEqual([200, 200]);
    const already = await s.slack.waitFor(() => s.slack.responses.find((r) => r.id.startsWith('dbl-')), 5_000, 'already-decided reply');
    expect(String(already.body.text)).toMatch(/already approved by <@UAPPROVER[12]>/);
    expect(already.body.replace_original).toBe(false);
    const approvedTs = await tsOf(card(0).id);
    const approvedUpdate = await s.slack.waitFor(
      () => s.slack.ok('chat.update').find((c) => c.args.ts === approvedTs && textOf(c).includes('Approved')),
      10_000,
      'approved card update',
    );
    expect(buttons(approvedUpdate)).toHaveLength(0);
    expect(textOf(approvedUpdate)).toMatch(/Approved\*? by <@UAPPROVER[12]>/);

    // Reject.
    await s.click({ userId: APPROVER, actionId: 'approval_reject', value: card(1).value });
    const rejectedTs = await tsOf(card(1).id);
    const rejectedUpdate = await s.slack.waitFor(() => s.slack.ok('chat.update').find((c) => c.args.ts === rejectedTs && textOf(c).includes('Rejected')), 10_000, 'rejected card');
    expect(buttons(rejectedUpdate)).toHaveLength(0);
    expect(textOf(rejectedUpdate)).toContain(`<@${APPROVER}>`);

    // Show sequence: a read-only modal with every step's subject and body.
    const editTarget = await s.ctx.approvals.get(card(2).id);
    await s.click({ userId: APPROVER_2, actionId: 'approval_show_sequence', value: card(2).value });
    const shown = await s.slack.waitFor(() => s.slack.ok('views.open').find((c) => (c.args.view as ModalView).title.text === 'Email sequence'), 5_000, 'sequence modal');
    const shownText = plain((shown.args.view as ModalView).blocks.map((b) => b.text?.text ?? '').join('\n'));
    for (const step of editTarget!.steps) {
      expect(shownText).toContain(`Subject: ${step.subject}`);
      expect(shownText).toContain(step.body);
    }
    expect(shownText).toContain("haven't heard back");

    // Edit: the modal opens prefilled with all five steps; invalid input shows errors on the step's
    // own input; a valid edit of step 4 changes only step 4 and the hash.
    await s.click({ userId: APPROVER, actionId: 'approval_edit', value: card(2).value });
    const opened = await s.slack.waitFor(() => s.slack.ok('views.open').find((c) => (c.args.view as ModalView).callback_id === VIEW_EDIT), 5_000, 'views.open');
    const view = opened.args.view as ModalView;
    const form = prefilled(view);
    expect(Object.keys(form)).toHaveLength(10);
    editTarget!.steps.forEach((step, i) => {
      expect(form[`subject_${i + 1}`]).toBe(step.subject);
      expect(form[`body_${i + 1}`]).toBe(step.body);
    });
    const invalid = await s.submit({ userId: APPROVER, callbackId: VIEW_EDIT, privateMetadata: view.private_metadata, values: { ...form, subject_1: '   ', body_3: 'Hi, no footer here' } });
    expect(invalid.status).toBe(200);
    expect(invalid.json).toEqual({ response_action: 'errors', errors: { subject_1: 'Subject is required', body_3: expect.stringContaining('unsubscribe footer') } });
    const tooLong = await s.submit({ userId: APPROVER, callbackId: VIEW_EDIT, privateMetadata: view.private_metadata, values: { ...form, subject_4: 'x'.repeat(201) } });
    expect(tooLong.json).toEqual({ response_action: 'errors', errors: { subject_4: expect.stringContaining('200') } });
    expect((await s.ctx.approvals.get(card(2).id))!.status).toBe('pending');
    const newSubject = 'A shorter, sharper break-up';
    const newBody = `Hi there, a rewritten break-up.${UNSUBSCRIBE_FOOTER}`;
    const valid = await s.submit({ userId: APPROVER, callbackId: VIEW_EDIT, privateMetadata: view.private_metadata, values: { ...form, subject_4: newSubject, body_4: newBody } });
    expect(valid.status).toBe(200);
    expect(valid.text).toBe('');
    const editedTs = await tsOf(card(2).id);
    const editedUpdate = await s.slack.waitFor(() => s.slack.ok('chat.update').find((c) => c.args.ts === editedTs && textOf(c).includes('Edited')), 10_000, 'edited card');
    expect(textOf(editedUpdate)).toContain(newSubject);
    expect(buttons(editedUpdate)).toHaveLength(0);
    const edited = await s.ctx.approvals.get(card(2).id);
    const expectedSteps = editTarget!.steps.map((step, i) => (i === 3 ? { subject: newSubject, body: newBody } : step));
    expect(edited!.steps).toEqual(expectedSteps);
    expect(edited!.hash).toBe(sequenceHash(expectedSteps));
    expect(edited!.hash).not.toBe(editTarget!.hash);

    // A click on a decided card is answered ephemerally and changes nothing.
    await s.click({ userId: APPROVER_2, actionId: 'approval_reject', value: card(0).value, responseId: 'late' });
    const late = await s.slack.waitFor(() => s.slack.responses.find((r) => r.id === 'late'), 5_000, 'late click reply');
    expect(String(late.body.text)).toMatch(/already approved by <@UAPPROVER[12]>/);

    // Sends: the approved and the edited email, once each (shadow mode), the edited one as edited.
    const deadline = Date.now() + 15_000;
    let sent = await s.ctx.gate.listShadow();
    while (sent.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      sent = await s.ctx.gate.listShadow();
    }
    await new Promise((r) => setTimeout(r, 300));
    sent = await s.ctx.gate.listShadow();
    expect(sent.map((e) => e.leadRef).sort()).toEqual([card(0).id, card(2).id].sort());
    expect(sent.find((e) => e.leadRef === card(2).id)).toMatchObject({ subject: editTarget!.subject, steps: expectedSteps, contentHash: sequenceHash(expectedSteps) });

    // Audit: every decision with who; the edit with before and after; the refusals and duplicates.
    const audit = await s.ctx.audit.list();
    const byAction = (action: string) => audit.filter((e) => e.action === action);
    expect(byAction('approval.approved').map((e) => e.subject)).toEqual([card(0).id]);
    expect(byAction('approval.rejected')).toEqual([expect.objectContaining({ subject: card(1).id, actor: APPROVER })]);
    const editAudit = byAction('approval.edited');
    expect(editAudit).toHaveLength(1);
    expect(editAudit[0]!.details).toMatchObject({ changed_steps: [4], before: [{ step: 4, subject: editTarget!.steps[3]!.subject }], after: [{ step: 4, subject: newSubject, body: newBody }] });
    expect(byAction('approval.duplicate').length).toBeGreaterThanOrEqual(2);
    expect(byAction('refused')).toEqual([expect.objectContaining({ actor: OUTSIDER, details: { attempted: 'approve' } })]);
  });
});

describe('editing a sequence with a body over Slack\'s input limit', () => {
  it('shows that body as kept, keeps it on save and validates the other steps each on its own input', async () => {
    const s = (h = await createSlackHarness('slack-edit-long', { pipeline: false }));
    const footer = UNSUBSCRIBE_FOOTER;
    const long = `${'A long case study. '.repeat(200)}${footer}`;
    const steps = [1, 2, 3, 4, 5].map((n) => ({ subject: `Subject ${n}`, body: n === 2 ? long : `Body ${n}.${footer}` }));
    const { approval } = await s.ctx.approvals.request({ runId: 'run_20260101_000000_long01', leadRef: 'run_20260101_000000_long01-p1', steps });
    const value = JSON.stringify({ id: approval.id, hash: approval.hash });
    await s.click({ userId: APPROVER, actionId: 'approval_edit', value });
    const opened = await s.slack.waitFor(() => s.slack.ok('views.open')[0], 5_000, 'views.open');
    const view = opened.args.view as ModalView;
    const form = prefilled(view);
    expect(Object.keys(form).sort()).toEqual(['body_1', 'body_3', 'body_4', 'body_5', 'subject_1', 'subject_2', 'subject_3', 'subject_4', 'subject_5']);
    expect(JSON.stringify(view.blocks)).toContain("over Slack's input limit: kept as it is");

    const invalid = await s.submit({ userId: APPROVER, callbackId: VIEW_EDIT, privateMetadata: view.private_metadata, values: { ...form, subject_2: '', body_5: 'x'.repeat(5_001) } });
    expect(invalid.json).toEqual({ response_action: 'errors', errors: { subject_2: 'Subject is required', body_5: expect.stringContaining('5000') } });

    const valid = await s.submit({ userId: APPROVER, callbackId: VIEW_EDIT, privateMetadata: view.private_metadata, values: { ...form, subject_2: 'A sharper case study' } });
    expect(valid.text).toBe('');
    const expected = steps.map((step, i) => (i === 1 ? { ...step, subject: 'A sharper case study' } : step));
    let edited = (await s.ctx.approvals.get(approval.id))!;
    for (const deadline = Date.now() + 5_000; edited.status !== 'edited' && Date.now() < deadline; edited = (await s.ctx.approvals.get(approval.id))!) await new Promise((r) => setTimeout(r, 50));
    expect(edited.status).toBe('edited');
    expect(edited.steps).toEqual(expected);
    expect(edited.hash).toBe(sequenceHash(expected));
  });
});
