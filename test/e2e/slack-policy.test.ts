import { afterEach, describe, expect, it } from 'vitest';
import { ACTION_POLICY_EDIT, POLICY_FIELDS, VIEW_POLICY, VIEW_POLICY_CONFIRM } from '../../src/bot/blocks-policy.ts';
import { ALERT_CHANNEL, APPROVER, createSlackHarness, OUTSIDER, SLACK_SANDBOX, type SlackHarness } from '../helpers/slack-harness.ts';

let s: SlackHarness | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

type ModalBlock = { block_id?: string; element?: { type: string; initial_value?: string; initial_option?: { value: string } } };
type Modal = { callback_id: string; private_metadata: string; blocks: ModalBlock[] };

/** The modal's current values as Slack submits them: selects carry selected_option, inputs value. */
function formValues(view: Modal, changes: Record<string, string>): Record<string, Record<string, unknown>> {
  const values: Record<string, Record<string, unknown>> = {};
  for (const block of view.blocks) {
    if (!block.block_id || !block.element) continue;
    const current = block.element.type === 'static_select' ? block.element.initial_option?.value : block.element.initial_value;
    const value = changes[block.block_id] ?? current ?? '';
    values[block.block_id] = {
      value: block.element.type === 'static_select' ? { type: 'static_select', selected_option: { value, text: { type: 'plain_text', text: value } } } : { type: 'plain_text_input', value },
    };
  }
  return values;
}

function submitBody(userId: string, callbackId: string, privateMetadata: string, values: Record<string, unknown>): string {
  const payload = {
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'caio-test' },
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0TEST',
    token: 'deprecated-verification-token',
    trigger_id: `${Date.now()}.1.abcdef`,
    view: { id: 'VPOLICY', team_id: 'T0TEST', type: 'modal', callback_id: callbackId, private_metadata: privateMetadata, hash: '1.a', state: { values }, blocks: [] },
    response_urls: [],
    is_enterprise_install: false,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

describe('/caio config', () => {
  it('shows the policy, opens the modal for approvers, refuses bad fields, confirms loosening, audits and announces', { timeout: 60_000 }, async () => {
    s = await createSlackHarness('policy', { pipeline: false, settings: { ...SLACK_SANDBOX, safety: { ...SLACK_SANDBOX.safety, max_daily_sends: 10 } } });
    const h = s;

    const shown = await h.command('config');
    expect(shown.status).toBe(200);
    const shownJson = JSON.stringify(shown.json);
    expect(shownJson).toContain('Safety policy version 1');
    expect(shownJson).toContain(ACTION_POLICY_EDIT);
    const outsiderView = await h.command('config', OUTSIDER);
    expect(JSON.stringify(outsiderView.json)).not.toContain(ACTION_POLICY_EDIT);

    // A non-approver's click opens nothing.
    await h.click({ userId: OUTSIDER, actionId: ACTION_POLICY_EDIT, value: 'edit', responseId: 'outsider' });
    const refusal = await h.slack.waitFor(() => h.slack.responses.find((r) => r.id === 'outsider'), 5_000, 'refusal');
    expect(String(refusal.body.text)).toContain('approver list');
    expect(h.slack.ok('views.open')).toHaveLength(0);

    await h.click({ userId: APPROVER, actionId: ACTION_POLICY_EDIT, value: 'edit' });
    const opened = await h.slack.waitFor(() => h.slack.ok('views.open')[0], 5_000, 'views.open');
    const modal = opened.args.view as Modal;
    expect(modal.callback_id).toBe(VIEW_POLICY);
    expect(modal.blocks.filter((b) => b.block_id).map((b) => b.block_id)).toEqual(POLICY_FIELDS.map((f) => f.path));
    expect(modal.blocks.find((b) => b.block_id === 'safety.max_daily_sends')!.element!.initial_value).toBe('10');

    // Field errors come back on the fields; nothing changes.
    const bad = await h.post(submitBody(APPROVER, VIEW_POLICY, modal.private_metadata, formValues(modal, { 'safety.max_daily_sends': 'ten', 'safety.send_window': 'someday' })));
    expect(bad.json).toMatchObject({ response_action: 'errors', errors: { 'safety.max_daily_sends': 'must be a number', 'safety.send_window': expect.stringContaining('none') } });
    const badRate = await h.post(submitBody(APPROVER, VIEW_POLICY, modal.private_metadata, formValues(modal, { 'safety.send_rate_per_minute': '0', 'safety.timezone': 'Mars/Olympus' })));
    expect(badRate.json).toMatchObject({ response_action: 'errors', errors: { 'safety.send_rate_per_minute': expect.any(String), 'safety.timezone': expect.stringContaining('time zone') } });

    // Loosening (a higher cap, shadow mode off) turns into a confirm step.
    const loosen = await h.post(submitBody(APPROVER, VIEW_POLICY, modal.private_metadata, formValues(modal, { 'safety.max_daily_sends': '50', 'safety.shadow_mode': 'off' })));
    const confirm = (loosen.json as { response_action: string; view: Modal }).view;
    expect((loosen.json as { response_action: string }).response_action).toBe('update');
    expect(confirm.callback_id).toBe(VIEW_POLICY_CONFIRM);
    expect(JSON.stringify(confirm.blocks)).toContain('shadow mode off');
    expect(JSON.stringify(confirm.blocks)).toContain('daily cap raised from 10 to 50');
    expect((await h.ctx.policy.safety())?.max_daily_sends).toBe(10);

    // A non-approver cannot confirm it either.
    const sneaky = await h.post(submitBody(OUTSIDER, VIEW_POLICY_CONFIRM, confirm.private_metadata, {}));
    expect(JSON.stringify(sneaky.json)).toContain('approver list');
    h.ctx.policy.invalidate();
    expect((await h.ctx.policy.read()).ok && (await h.ctx.policy.read())).toMatchObject({ stored: { version: 1 } });

    const confirmed = await h.post(submitBody(APPROVER, VIEW_POLICY_CONFIRM, confirm.private_metadata, {}));
    expect(JSON.stringify(confirmed.json)).toContain('Policy version 2 is live');
    h.ctx.policy.invalidate();
    expect(await h.ctx.policy.safety()).toMatchObject({ max_daily_sends: 50, shadow_mode: false });
    // Confirming the same step twice is a conflict, not a second change.
    const again = await h.post(submitBody(APPROVER, VIEW_POLICY_CONFIRM, confirm.private_metadata, {}));
    expect(JSON.stringify(again.json)).toContain('changed the policy meanwhile');

    // Tightening applies at once, without a confirm step.
    const fresh = (await h.ctx.policy.read()).ok ? 2 : 0;
    const tighten = await h.post(submitBody(APPROVER, VIEW_POLICY, JSON.stringify({ version: fresh }), formValues(modal, { 'safety.max_daily_sends': '20', 'safety.shadow_mode': 'off' })));
    expect(JSON.stringify(tighten.json)).toContain('Policy version 3 is live');

    const audit = await h.ctx.audit.list({ action: 'policy.change' });
    expect(audit.map((e) => [e.actor, e.details?.to_version])).toEqual([[APPROVER, 2], [APPROVER, 3]]);
    expect(audit[0]!.details).toMatchObject({ before: { 'safety.max_daily_sends': 10, 'safety.shadow_mode': true }, after: { 'safety.max_daily_sends': 50, 'safety.shadow_mode': false } });
    await h.slack.waitFor(() => h.slack.ok('chat.postMessage').filter((c) => c.args.channel === ALERT_CHANNEL && String(c.args.text).includes('Safety policy changed to version')).length === 2, 10_000, 'two announcements');
  });
});
