import { afterEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../fakes/slack.ts';
import { ALERT_CHANNEL, APPROVAL_CHANNEL, APPROVER, createSlackHarness, OUTSIDER, RUN_CHANNEL, type SlackHarness } from '../helpers/slack-harness.ts';

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Button = { action_id: string; value: string; style?: string; confirm?: unknown };
const buttonsIn = (blocks: unknown): Button[] =>
  ((blocks as { type: string; elements?: Button[] }[]) ?? []).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
const buttons = (call: SlackCall) => buttonsIn(call.args.blocks);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EMERGENCY STOP, Resume and App Home over Slack', () => {
  it('stops from the status message, holds every send, alerts CRITICAL, and resumes from App Home', async () => {
    const s = (h = await createSlackHarness('slack-stop'));
    await s.command('run default --leads 12');
    const reply = await s.slack.waitFor(() => s.slack.responses.find((r) => String(r.body.text).includes('started')), 10_000, 'run reply');
    const runId = /`(run_[^`]+)`/.exec(String(reply.body.text))![1]!;
    const run = await s.waitForRun(runId, ['awaiting_approval']);
    const cards = await s.slack.waitFor(() => {
      const posted = s.slack.ok('chat.postMessage').filter((c) => c.args.channel === APPROVAL_CHANNEL);
      return posted.length === run.awaiting ? posted : null;
    }, 15_000, 'approval cards');

    // The run message carries the stage table and a confirmed, danger-style EMERGENCY STOP.
    const runMessage = await s.slack.waitFor(
      () => [...s.slack.ok('chat.update'), ...s.slack.ok('chat.postMessage')].reverse().find((c) => c.args.channel === RUN_CHANNEL && JSON.stringify(c.args.blocks).includes('awaiting')),
      10_000,
      'run message with the stage table',
    );
    expect(JSON.stringify(runMessage.args.blocks)).toMatch(/stage\s+in\s+out\s+dropped\s+errors/);
    expect(buttons(runMessage)).toEqual([expect.objectContaining({ action_id: 'emergency_stop', style: 'danger', value: runId, confirm: expect.anything() })]);

    // /caio status (anyone may look) shows the same button.
    await s.command('status', OUTSIDER);
    const status = await s.slack.waitFor(() => s.slack.responses.find((r) => Array.isArray(r.body.blocks)), 10_000, 'status reply');
    expect(status.body.response_type).toBe('ephemeral');
    expect(buttonsIn(status.body.blocks)).toEqual([expect.objectContaining({ action_id: 'emergency_stop', style: 'danger' })]);
    expect(JSON.stringify(status.body.blocks)).toContain('Sends today');
    // Within a second, the cached status is answered in the ack itself.
    const again = await s.command('status', OUTSIDER);
    expect(again.json).toMatchObject({ response_type: 'ephemeral', blocks: expect.any(Array) });
    expect(buttonsIn((again.json as { blocks: unknown }).blocks)).toEqual([expect.objectContaining({ action_id: 'emergency_stop' })]);

    // A non-approver's press does nothing.
    await s.click({ userId: OUTSIDER, actionId: 'emergency_stop', value: runId, channelId: RUN_CHANNEL, responseId: 'outsider-stop' });
    await s.slack.waitFor(() => s.slack.responses.find((r) => r.id === 'outsider-stop'), 5_000, 'refusal');
    expect((await s.ctx.emergency.state()).stopped).toBe(false);

    // EMERGENCY STOP from the (ephemeral) status message.
    await s.click({ userId: APPROVER, actionId: 'emergency_stop', value: 'control', channelId: RUN_CHANNEL, ephemeral: true, responseId: 'stop' });
    const replaced = await s.slack.waitFor(() => s.slack.responses.find((r) => r.id === 'stop'), 10_000, 'status replaced');
    expect(replaced.body.replace_original).toBe(true);
    expect(buttonsIn(replaced.body.blocks)).toEqual([expect.objectContaining({ action_id: 'emergency_resume', confirm: expect.anything() })]);
    const state = await s.ctx.emergency.state();
    expect(state).toMatchObject({ stopped: true, by: APPROVER });
    for (const q of s.ctx.queues.all()) expect(await q.isPaused()).toBe(true);
    const critical = await s.slack.waitFor(() => s.slack.ok('chat.postMessage').find((c) => c.args.channel === ALERT_CHANNEL && String(c.args.text).includes('CRITICAL')), 10_000, 'CRITICAL alert');
    expect(String(critical.args.text)).toContain(APPROVER);
    // The run message now shows Resume in place of the stop button.
    await s.slack.waitFor(
      () => s.slack.ok('chat.update').find((c) => c.args.channel === RUN_CHANNEL && buttons(c).some((b) => b.action_id === 'emergency_resume')),
      10_000,
      'run message with Resume',
    );

    // Approving while stopped records the decision but sends nothing.
    const value = buttons(cards[0]!)[0]!.value;
    const { id } = JSON.parse(value) as { id: string };
    await s.click({ userId: APPROVER, actionId: 'approval_approve', value });
    await sleep(1_000);
    expect((await s.ctx.approvals.get(id))!.status).toBe('approved');
    expect(await s.ctx.gate.listShadow()).toHaveLength(0);

    // App Home shows the stop and the Resume button; Resume from there clears it and the send goes out.
    await s.event({ type: 'app_home_opened', user: APPROVER, channel: 'DHOME', tab: 'home', event_ts: `${Date.now() / 1000}` });
    const home = await s.slack.waitFor(() => s.slack.ok('views.publish')[0], 10_000, 'home published');
    expect(home.args.user_id).toBe(APPROVER);
    const homeView = home.args.view as { type: string; blocks: unknown };
    expect(homeView.type).toBe('home');
    expect(JSON.stringify(homeView.blocks)).toContain('EMERGENCY STOP');
    expect(JSON.stringify(homeView.blocks)).toContain('Safety settings');
    expect(JSON.stringify(homeView.blocks)).toContain('Email KPIs');
    expect(JSON.stringify(homeView.blocks)).toContain(runId);
    expect(buttonsIn(homeView.blocks)).toEqual([expect.objectContaining({ action_id: 'emergency_resume' })]);
    await s.click({ userId: APPROVER, actionId: 'emergency_resume', value: 'control', home: true });
    const republished = await s.slack.waitFor(() => s.slack.ok('views.publish')[1], 10_000, 'home republished');
    expect(buttonsIn((republished.args.view as { blocks: unknown }).blocks)).toEqual([expect.objectContaining({ action_id: 'emergency_stop' })]);
    expect((await s.ctx.emergency.state()).stopped).toBe(false);
    await s.slack.waitFor(() => s.slack.ok('chat.postMessage').find((c) => c.args.channel === ALERT_CHANNEL && String(c.args.text).includes('resumed')), 10_000, 'resume alert');
    const deadline = Date.now() + 15_000;
    let sent = await s.ctx.gate.listShadow();
    while (sent.length === 0 && Date.now() < deadline) {
      await sleep(50);
      sent = await s.ctx.gate.listShadow();
    }
    expect(sent.map((e) => e.leadRef)).toEqual([id]);
    const audit = await s.ctx.audit.list();
    expect(audit.filter((e) => e.action === 'stop')).toEqual([expect.objectContaining({ actor: APPROVER })]);
    expect(audit.filter((e) => e.action === 'resume')).toEqual([expect.objectContaining({ actor: APPROVER })]);
    expect(audit.filter((e) => e.action === 'refused')).toEqual([expect.objectContaining({ actor: OUTSIDER, details: { attempted: 'stop' } })]);
  });

  it('/caio stop and /caio resume work from the command line of Slack', async () => {
    const s = (h = await createSlackHarness('slack-stopcmd', { pipeline: false }));
    await s.command('status');
    await s.slack.waitFor(() => s.slack.responses.find((r) => String(r.body.text) === 'CAIO is running'), 10_000, 'first status');
    const stop = await s.command('stop maintenance window');
    expect((stop.json as { text: string }).text).toContain('Stopping');
    await s.slack.waitFor(() => s.slack.responses.find((r) => String(r.body.text).includes('EMERGENCY STOP is on')), 10_000, 'stop reply');
    expect(await s.ctx.emergency.state()).toMatchObject({ stopped: true, by: APPROVER, reason: 'maintenance window' });
    // The status cache was dropped by the stop: the next status says stopped, not a cached "running".
    await s.command('status');
    await s.slack.waitFor(() => s.slack.responses.find((r) => String(r.body.text) === 'CAIO is stopped'), 10_000, 'status after stop');
    await s.command('resume');
    await s.slack.waitFor(() => s.slack.responses.find((r) => String(r.body.text).includes('Resumed')), 10_000, 'resume reply');
    expect((await s.ctx.emergency.state()).stopped).toBe(false);
  });
});
