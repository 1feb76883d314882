import { afterEach, describe, expect, it } from 'vitest';
import { ACTION_ANNEAL_APPLY, ACTION_AUTONOMY_DISMISS, ACTION_AUTONOMY_ENABLE } from '../../src/bot/blocks-autonomy.ts';
import { segmentOf } from '../../src/core/segment-kpis.ts';
import type { SlackCall } from '../fakes/slack.ts';
import { passGlobalGates } from '../helpers/autonomy-seed.ts';
import { eventually } from '../helpers/webhook-app.ts';
import { ALERT_CHANNEL, APPROVAL_CHANNEL, APPROVER, APPROVER_2, createSlackHarness, OUTSIDER, SLACK_SANDBOX, type SlackHarness } from '../helpers/slack-harness.ts';

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Button = { action_id: string; value: string };
const buttons = (call: SlackCall): Button[] =>
  ((call.args.blocks as { type: string; elements?: Button[] }[]) ?? []).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
const textOf = (call: SlackCall) => JSON.stringify(call.args.blocks ?? []) + String(call.args.text ?? '');

/** Global gates that a small seeded sample passes, and a segment that earns a proposal after 2 clean decisions. */
const SETTINGS = {
  ...SLACK_SANDBOX,
  webhooks: { bounce: { max_rate: 1 } },
  autonomy: { min_runs: 1, min_sample_decisions: 2, min_sample_sends: 10, min_days_without_intervention: 0, min_decisions: 2, segment_min_sends: 1000, anneal: { min_leads: 0 } },
};

async function startRun(s: SlackHarness, text: string): Promise<string> {
  const before = s.slack.responses.length;
  await s.command(text);
  const reply = await s.slack.waitFor(() => s.slack.responses.slice(before).find((r) => String(r.body.text).includes('started')), 10_000, 'run reply');
  return /`(run_[^`]+)`/.exec(String(reply.body.text))![1]!;
}

/** Each lead of the run by its segment. */
async function leadsBySegment(s: SlackHarness, runId: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const ref of await s.ctx.store.runLeadRefs(runId)) {
    const lead = await s.ctx.store.getLead(ref);
    if (!lead?.icp || lead.icp.tier === 'disqualified' || !lead.email_sequence) continue;
    out.set(segmentOf(lead), [...(out.get(segmentOf(lead)) ?? []), ref]);
  }
  return out;
}

const cardOf = (s: SlackHarness, ref: string) =>
  s.slack.waitFor(() => s.slack.ok('chat.postMessage').find((c) => c.args.channel === APPROVAL_CHANNEL && buttons(c).some((b) => b.value.includes(`"${ref}"`))), 15_000, `card of ${ref}`);

describe('autonomy over Slack', () => {
  it('shows the gates; a segment earns auto-approval, is enabled once, skips the click but not the gate, and loses it on a reject', { timeout: 120_000 }, async () => {
    const s = (h = await createSlackHarness('slack-autonomy', { settings: SETTINGS }));
    await passGlobalGates(s.ctx);

    // /caio autonomy: anyone may look; the same table as the CLI.
    await s.command('autonomy', OUTSIDER);
    const table = await s.slack.waitFor(() => s.slack.responses.find((r) => String(r.body.text).startsWith('Autonomy score')), 10_000, '/caio autonomy');
    const shown = JSON.stringify(table.body.blocks);
    expect(shown).toContain('ICP match rate');
    expect(shown).toContain('not enough data (0/2)');
    expect(shown).toContain('open rate');

    const run1 = await startRun(s, 'run competitor_gong --leads 20');
    await s.waitForRun(run1, ['awaiting_approval']);
    const segments = await leadsBySegment(s, run1);
    const [segment, refs] = [...segments.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
    expect(refs.length).toBeGreaterThanOrEqual(3);

    // Two clean approvals earn the segment its proposal card.
    for (const ref of refs.slice(0, 2)) {
      const card = await cardOf(s, ref);
      await s.click({ userId: APPROVER, actionId: 'approval_approve', value: buttons(card)[0]!.value });
      await eventually(async () => (await s.ctx.approvals.get(ref))?.status === 'approved', 10_000, 'approved');
    }
    const proposalCard = await s.slack.waitFor(() => s.slack.ok('chat.postMessage').find((c) => buttons(c).some((b) => b.action_id === ACTION_AUTONOMY_ENABLE)), 15_000, 'proposal card');
    expect(proposalCard.args.channel).toBe(APPROVAL_CHANNEL);
    expect(textOf(proposalCard)).toContain('2 of 2');
    const proposalId = buttons(proposalCard).find((b) => b.action_id === ACTION_AUTONOMY_ENABLE)!.value;
    expect(buttons(proposalCard).map((b) => b.action_id)).toEqual([ACTION_AUTONOMY_ENABLE, ACTION_AUTONOMY_DISMISS]);

    // A non-approver changes nothing; two approvers clicking at once enable it once.
    await s.click({ userId: OUTSIDER, actionId: ACTION_AUTONOMY_ENABLE, value: proposalId, responseId: 'outsider' });
    await s.slack.waitFor(() => s.slack.responses.find((r) => r.id === 'outsider'), 5_000, 'refusal');
    await Promise.all([
      s.click({ userId: APPROVER, actionId: ACTION_AUTONOMY_ENABLE, value: proposalId, responseId: 'enable-1' }),
      s.click({ userId: APPROVER_2, actionId: ACTION_AUTONOMY_ENABLE, value: proposalId, responseId: 'enable-2' }),
    ]);
    const answers = await s.slack.waitFor(() => {
      const found = s.slack.responses.filter((r) => r.id === 'enable-1' || r.id === 'enable-2').map((r) => String(r.body.text));
      return found.length === 2 ? found : null;
    }, 10_000, 'both answers');
    expect(answers.filter((t) => t.startsWith('Enabled')).length).toBe(1);
    expect(answers.filter((t) => t.includes('already enabled by')).length).toBe(1);
    expect((await s.ctx.audit.list({ action: 'autonomy.enabled' })).map((e) => e.subject)).toEqual([segment]);
    await s.slack.waitFor(() => s.slack.ok('chat.update').find((c) => textOf(c).includes('Enabled') && textOf(c).includes(proposalId)), 10_000, 'card updated');

    // The next leads of that segment skip the click, not the gate: shadowed by the gate, cards marked auto-approved.
    const run2 = await startRun(s, 'run competitor_gong --leads 20');
    await s.waitForRun(run2, ['awaiting_approval', 'completed']);
    const auto = (await leadsBySegment(s, run2)).get(segment) ?? [];
    expect(auto.length).toBeGreaterThan(0);
    for (const ref of auto) {
      const approval = await eventually(async () => {
        const a = await s.ctx.approvals.get(ref);
        return a?.status === 'approved' ? a : null;
      }, 10_000, 'auto-approved');
      expect(approval.decided_by).toBe(`autonomy:${segment}`);
      await eventually(async () => (await s.ctx.store.getLead(ref))?.state === 'shadowed', 15_000, 'through the gate');
      const card = await s.slack.waitFor(() => s.slack.calls.find((c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && c.args.channel === APPROVAL_CHANNEL && textOf(c).includes('Auto-approved') && textOf(c).includes(ref)), 15_000, 'auto-approved card');
      expect(buttons(card)).toEqual([]);
    }
    const shadowed = await s.ctx.audit.list({ action: 'send.shadow' });
    expect(shadowed.filter((e) => auto.includes(e.subject)).map((e) => e.actor)).toEqual(auto.map(() => `autonomy:${segment}`));

    // An approver rejects one of its emails (still pending from the first run): revoked, posted, audited.
    const pendingRef = refs[2]!;
    const card = await cardOf(s, pendingRef);
    await s.click({ userId: APPROVER, actionId: 'approval_reject', value: buttons(card).find((b) => b.action_id === 'approval_reject')!.value });
    await s.slack.waitFor(() => s.slack.ok('chat.postMessage').find((c) => c.args.channel === ALERT_CHANNEL && String(c.args.text).includes(`Auto-approval of ${segment} revoked`)), 15_000, 'revocation posted');
    expect((await s.ctx.audit.list({ action: 'autonomy.revoked' }))[0]).toMatchObject({ subject: segment });

    // A person approves that segment's emails again.
    const run3 = await startRun(s, 'run competitor_gong --leads 20');
    await s.waitForRun(run3, ['awaiting_approval', 'completed']);
    const again = (await leadsBySegment(s, run3)).get(segment) ?? [];
    expect(again.length).toBeGreaterThan(0);
    for (const ref of again) {
      expect((await s.ctx.approvals.get(ref))?.status).toBe('pending');
    }

    // App Home shows the same table and the 14-day trends.
    await s.event({ type: 'app_home_opened', user: APPROVER, channel: 'D1', tab: 'home', event_ts: '1.1' });
    const home = await s.slack.waitFor(() => s.slack.ok('views.publish').at(-1), 10_000, 'home');
    const homeText = JSON.stringify(home.args.view);
    expect(homeText).toContain('Autonomy graduation');
    expect(homeText).toContain('days without intervention');
    expect(homeText).toMatch(/sends +[▁▂▃▄▅▆▇█]{14}/);
  });

  it('/caio anneal is for approvers and answers with what it found', async () => {
    const s = (h = await createSlackHarness('slack-anneal', { pipeline: false }));
    const refused = await s.command('anneal', OUTSIDER);
    expect(String((refused.json as { text: string }).text)).toContain('approver list');
    await s.command('anneal', APPROVER);
    const answer = await s.slack.waitFor(() => s.slack.responses.find((r) => String(r.body.text).startsWith('No proposal')), 10_000, 'anneal answer');
    expect(String(answer.body.text)).toContain('not enough data (0/100 mailed leads)');
    // A click on a button of a proposal that does not exist changes nothing.
    await s.click({ userId: APPROVER, actionId: ACTION_ANNEAL_APPLY, value: 'ap_0123456789abcdef', responseId: 'gone' });
    const gone = await s.slack.waitFor(() => s.slack.responses.find((r) => r.id === 'gone'), 5_000, 'gone');
    expect(String(gone.body.text)).toContain('no longer exists');
  });
});
