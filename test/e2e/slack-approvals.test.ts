import { afterEach, describe, expect, it } from 'vitest';
import { VIEW_EDIT } from '../../src/bot/blocks-approval.ts';
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

    // Edit: the modal opens prefilled; invalid input shows field errors; a valid edit is applied.
    const editTarget = await s.ctx.approvals.get(card(2).id);
    await s.click({ userId: APPROVER, actionId: 'approval_edit', value: card(2).value });
    const opened = await s.slack.waitFor(() => s.slack.ok('views.open')[0], 5_000, 'views.open');
    const view = opened.args.view as { callback_id: string; private_metadata: string; blocks: { block_id: string; element: { initial_value: string } }[] };
    expect(view.callback_id).toBe(VIEW_EDIT);
    expect(view.blocks.find((b) => b.block_id === 'subject')!.element.initial_value).toBe(editTarget!.subject);
    expect(view.blocks.find((b) => b.block_id === 'body')!.element.initial_value).toBe(editTarget!.body);
    const invalid = await s.submit({ userId: APPROVER, callbackId: VIEW_EDIT, privateMetadata: view.private_metadata, values: { subject: '   ', body: 'Hi, no footer here' } });
    expect(invalid.status).toBe(200);
    expect(invalid.json).toMatchObject({ response_action: 'errors', errors: { subject: 'Subject is required', body: expect.stringContaining('unsubscribe footer') } });
    const tooLong = await s.submit({ userId: APPROVER, callbackId: VIEW_EDIT, privateMetadata: view.private_metadata, values: { subject: 'x'.repeat(201), body: editTarget!.body } });
    expect(tooLong.json).toMatchObject({ response_action: 'errors', errors: { subject: expect.stringContaining('200') } });
    expect((await s.ctx.approvals.get(card(2).id))!.status).toBe('pending');
    const newSubject = 'A shorter, sharper subject';
    const newBody = `Hi there, a rewritten opening.${UNSUBSCRIBE_FOOTER}`;
    const valid = await s.submit({ userId: APPROVER, callbackId: VIEW_EDIT, privateMetadata: view.private_metadata, values: { subject: newSubject, body: newBody } });
    expect(valid.status).toBe(200);
    expect(valid.text).toBe('');
    const editedTs = await tsOf(card(2).id);
    const editedUpdate = await s.slack.waitFor(() => s.slack.ok('chat.update').find((c) => c.args.ts === editedTs && textOf(c).includes('Edited')), 10_000, 'edited card');
    expect(textOf(editedUpdate)).toContain(newSubject);
    expect(buttons(editedUpdate)).toHaveLength(0);

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
    expect(sent.find((e) => e.leadRef === card(2).id)!.subject).toBe(newSubject);

    // Audit: every decision with who; the edit with before and after; the refusals and duplicates.
    const audit = await s.ctx.audit.list();
    const byAction = (action: string) => audit.filter((e) => e.action === action);
    expect(byAction('approval.approved').map((e) => e.subject)).toEqual([card(0).id]);
    expect(byAction('approval.rejected')).toEqual([expect.objectContaining({ subject: card(1).id, actor: APPROVER })]);
    const edited = byAction('approval.edited');
    expect(edited).toHaveLength(1);
    expect(edited[0]!.details).toMatchObject({ before: { subject: editTarget!.subject }, after: { subject: newSubject, body: newBody } });
    expect(byAction('approval.duplicate').length).toBeGreaterThanOrEqual(2);
    expect(byAction('refused')).toEqual([expect.objectContaining({ actor: OUTSIDER, details: { attempted: 'approve' } })]);
  });
});
