import { afterEach, describe, expect, it } from 'vitest';
import { slashCommandBody } from '../fakes/slack.ts';
import { APPROVER, createSlackHarness, OUTSIDER, type SlackHarness } from '../helpers/slack-harness.ts';

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const runCount = async (s: SlackHarness) => (await s.ctx.store.listRuns(50)).length;

describe('Slack request security and bad input', () => {
  it('answers a forged signature and a stale timestamp with 401 and starts nothing', async () => {
    h = await createSlackHarness('slack-sig', { pipeline: false });
    const body = slashCommandBody({ text: 'run default --leads 3', userId: APPROVER, responseUrl: h.slack.responseUrl('forged') });
    const forged = await h.post(body, undefined, { signature: `v0=${'0'.repeat(64)}` });
    expect(forged.status).toBe(401);
    const wrongSecret = await h.post(body, undefined, { secret: 'not-the-secret' });
    expect(wrongSecret.status).toBe(401);
    const stale = await h.post(body, undefined, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(await runCount(h)).toBe(0);
    expect(h.slack.responses).toHaveLength(0);
    expect(h.slack.ok('chat.postMessage')).toHaveLength(0);
    expect(await h.ctx.audit.list()).toHaveLength(0);
  });

  it("answers Slack's unsigned ssl_check with 200 and nothing else", async () => {
    h = await createSlackHarness('slack-ssl', { pipeline: false });
    const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'ssl_check=1&token=legacy' });
    expect(res.status).toBe(200);
    expect(h.slack.calls).toHaveLength(0);
  });

  it('answers a malformed payload with 400 and a reason', async () => {
    h = await createSlackHarness('slack-400', { pipeline: false });
    const notJson = await h.post(new URLSearchParams({ payload: '{not json' }).toString());
    expect(notJson.status).toBe(400);
    const wrongShape = await h.post(new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', user: {}, actions: [] }) }).toString());
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.text).toContain('malformed payload');
    const unknownType = await h.post(new URLSearchParams({ payload: JSON.stringify({ type: 'no_such_type', user: { id: APPROVER } }) }).toString());
    expect(unknownType.status).toBe(400);
    const missingFields = await h.post(new URLSearchParams({ command: '/caio', text: 'run' }).toString());
    expect(missingFields.status).toBe(400);
    expect(missingFields.text).toContain('user_id');
    expect(await runCount(h)).toBe(0);
  });

  it('answers an unknown subcommand or a bad flag with help that names the problem', async () => {
    h = await createSlackHarness('slack-help', { pipeline: false });
    const unknown = await h.command('launch');
    expect(unknown.status).toBe(200);
    expect(unknown.json).toMatchObject({ response_type: 'ephemeral' });
    expect((unknown.json as { text: string }).text).toContain('unknown subcommand "launch"');
    expect((unknown.json as { text: string }).text).toContain('/caio run [source] [--leads N]');
    const badFlag = await h.command('run default --fast');
    expect((badFlag.json as { text: string }).text).toContain('unknown flag "--fast"');
    const badLeads = await h.command('run default --leads 0');
    expect((badLeads.json as { text: string }).text).toContain('--leads must be from 1 to 10000');
    const badSource = await h.command('run nowhere');
    expect((badSource.json as { text: string }).text).toContain('unknown source "nowhere"');
    expect((badSource.json as { text: string }).text).toContain('competitor_gong');
    const help = await h.command('help', OUTSIDER);
    expect((help.json as { text: string }).text).toContain('/caio status');
    // Acks never wait on Slack's Web API: no auth.test round trip before a command is handled.
    expect(h.slack.calls.filter((c) => c.method === 'auth.test')).toHaveLength(0);
    expect(await runCount(h)).toBe(0);
  });

  it('starts one run however often Slack retries /caio run', async () => {
    h = await createSlackHarness('slack-retry', { pipeline: false });
    const triggerId = '1111.2222.retrytrigger';
    const first = await h.command('run default --leads 2', APPROVER, { triggerId });
    expect(first.status).toBe(200);
    const retried = await h.command('run default --leads 2', APPROVER, { triggerId, retryNum: 1 });
    expect(retried.status).toBe(200);
    // The same delivery again without the retry header (a proxy replay) is caught by trigger_id.
    const replay = await h.command('run default --leads 2', APPROVER, { triggerId });
    expect(replay.status).toBe(200);
    await h.slack.waitFor(() => h!.slack.responses.find((r) => String(r.body.text).includes('started')), 10_000, 'run started reply');
    await new Promise((r) => setTimeout(r, 300));
    const runs = await h.ctx.store.listRuns(10);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.started_by).toBe(APPROVER);
    expect((await h.ctx.audit.list({ action: 'run.start' })).length).toBe(1);
  });

  it('in Socket Mode leaves /slack/events unmounted while /healthz is still served', async () => {
    h = await createSlackHarness('slack-socket', { pipeline: false, env: { SLACK_APP_TOKEN: 'xapp-1-test' } });
    const res = await h.command('status');
    expect(res.status).toBe(404);
    const health = await fetch(h.url.replace('/slack/events', '/healthz'));
    expect(health.status).toBe(200);
  });

  it('refuses a non-approver ephemerally and audits the attempt', async () => {
    h = await createSlackHarness('slack-refuse', { pipeline: false });
    const res = await h.command('run default --leads 2', OUTSIDER);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_type: 'ephemeral' });
    expect((res.json as { text: string }).text).toContain('not on the approver list');
    const stop = await h.command('stop', OUTSIDER);
    expect((stop.json as { text: string }).text).toContain('not on the approver list');
    await new Promise((r) => setTimeout(r, 200));
    expect(await runCount(h)).toBe(0);
    expect((await h.ctx.emergency.state()).stopped).toBe(false);
    const refused = await h.ctx.audit.list({ action: 'refused' });
    expect(refused.map((e) => [e.actor, e.details?.attempted])).toEqual([
      [OUTSIDER, 'run'],
      [OUTSIDER, 'stop'],
    ]);
  });
});
