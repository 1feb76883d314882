import { afterEach, describe, expect, it } from 'vitest';
import { contentHash, sequenceHash } from '../../src/core/approvals.ts';
import { UNSUBSCRIBE_FOOTER } from '../../src/core/email-template.ts';
import type { EmailStep } from '../../src/core/types.ts';
import { startRun } from '../../src/jobs/runs.ts';
import { CAMPAIGN_ID, createLiveHarness, FAST_LIVE, fakePeople, until, waitForRun, type LiveHarness } from '../helpers/live-harness.ts';
import { seedApprovedLead, seededEmail, seededLead, seedRun } from '../helpers/seed-approved.ts';

let h: LiveHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Sending for real, with a person approving each sequence. */
const SENDING = { ...FAST_LIVE, safety: { shadow_mode: false, actually_send: true, max_daily_sends: 100, auto_approve: false, send_rate_per_minute: 100_000 } };

/** The custom variables of the lead Instantly holds for this address. */
function variablesAt(harness: LiveHarness, email: string): Record<string, unknown> {
  const lead = harness.fakes.instantly.campaigns.get(CAMPAIGN_ID)?.get(email.toLowerCase());
  if (!lead) throw new Error(`${email} is not in the campaign`);
  return lead.body.custom_variables as Record<string, unknown>;
}

/** What the variables must be for these approved steps: caio_subject_N / caio_body_N, nothing else but our references. */
function expectedVariables(steps: EmailStep[]): Record<string, string> {
  return Object.fromEntries(steps.flatMap((s, i) => [[`caio_subject_${i + 1}`, s.subject], [`caio_body_${i + 1}`, s.body]]));
}

describe('the approved sequence at Instantly', () => {
  it('adds each lead with exactly its five approved steps, an edit of step 4 included', async () => {
    const { people } = fakePeople(3, () => 'apollo');
    h = await createLiveHarness({ name: 'seq-send', people, settings: SENDING });
    h.startWorkers();
    const { runId } = await startRun(h.ctx, { source: 'default', limit: 3, startedBy: 'test' });
    await until(async () => (await h!.ctx.approvals.listPending()).length === 3);
    const [asIs, edited, rejected] = await h.ctx.approvals.listPending();
    expect(asIs!.steps).toHaveLength(5);

    const step4 = { subject: 'A rewritten break-up', body: `Hi, one last try from a human.${UNSUBSCRIBE_FOOTER}` };
    const editedSteps = edited!.steps.map((s, i) => (i === 3 ? step4 : s));
    expect((await h.ctx.approvalService.decide(asIs!.id, { action: 'approve', by: 'U1', shownHash: asIs!.hash })).ok).toBe(true);
    expect((await h.ctx.approvalService.decide(edited!.id, { action: 'edit', by: 'U1', shownHash: edited!.hash, steps: editedSteps })).ok).toBe(true);
    expect((await h.ctx.approvalService.decide(rejected!.id, { action: 'reject', by: 'U1', shownHash: rejected!.hash })).ok).toBe(true);
    const run = await waitForRun(h, runId);
    expect(run.stages.send).toMatchObject({ in: 2, out: 2, errors: 0 });

    const adds = h.fakes.instantly.requests.filter((r) => r.path === '/api/v2/leads');
    expect(adds).toHaveLength(2);
    const emailOf = async (ref: string) => (await h!.ctx.store.getLead(ref))!.email!;
    for (const [approval, steps] of [[asIs!, asIs!.steps], [edited!, editedSteps]] as const) {
      const variables = variablesAt(h, await emailOf(approval.leadRef));
      expect(variables).toEqual({ ...expectedVariables(steps), caio_ref: approval.leadRef, caio_key: `${(await emailOf(approval.leadRef)).toLowerCase()}|1` });
      expect(Object.values(variables).every((v) => typeof v === 'string')).toBe(true);
    }
    // Only step 4 of the edited lead differs from what was crafted.
    const editedVariables = variablesAt(h, await emailOf(edited!.leadRef));
    expect(editedVariables.caio_body_4).toBe(step4.body);
    expect(editedVariables.caio_body_3).toBe(edited!.steps[2]!.body);
    // The old single-email fields are gone: the campaign must use the numbered variables.
    for (const add of adds) expect(add.body).not.toHaveProperty('personalization');
    const sent = (await h.ctx.audit.list({ action: 'send.sent' })).map((e) => e.details?.hash);
    expect(sent.sort()).toEqual([asIs!.hash, sequenceHash(editedSteps)].sort());
  });

  it('refuses a send whose stored steps no longer match the approved hash', async () => {
    h = await createLiveHarness({ name: 'seq-tamper', settings: SENDING });
    const runId = await seedRun(h.ctx, 1);
    const lead = await seedApprovedLead(h.ctx, runId, 0);
    const approval = (await h.ctx.approvals.get(lead.ref))!;
    const tampered = approval.steps.map((s, i) => (i === 2 ? { ...s, body: `Not what was approved.${UNSUBSCRIBE_FOOTER}` } : s));
    await h.redis.hset(h.ctx.keys.approval(lead.ref), 'steps', JSON.stringify(tampered));
    h.startWorkers();
    const run = await waitForRun(h, runId);
    expect(run.stages.send).toMatchObject({ in: 1, out: 0, errors: 1 });
    expect((await h.ctx.store.getLead(lead.ref))!.state).toBe('failed');
    expect(h.fakes.instantly.adds).toBe(0);
    expect(await h.redis.exists(h.ctx.keys.sendIdempotency(`${seededEmail(0)}|1`))).toBe(0);
  });

  it('reads an approval recorded before sequences as one step, and never hands it to Instantly', async () => {
    h = await createLiveHarness({ name: 'seq-legacy', settings: SENDING });
    const runId = await seedRun(h.ctx, 1);
    const lead = seededLead(runId, 0);
    await h.ctx.store.createLead({ ...lead, state: 'awaiting_approval' });
    await h.ctx.store.stageIn(runId, 'approve', lead.ref);
    await h.ctx.store.setAwaiting(runId, lead.ref, true);
    // The record as the single-email version wrote it: subject, body and contentHash, no steps.
    const body = `Hi Ana,${UNSUBSCRIBE_FOOTER}`;
    await h.redis.hset(h.ctx.keys.approval(lead.ref), {
      id: lead.ref, runId, leadRef: lead.ref, status: 'pending', subject: 'Old subject', body, hash: contentHash('Old subject', body), version: '1', created_at: new Date().toISOString(),
    });
    await h.redis.zadd(h.ctx.keys.approvalsPending, Date.now(), lead.ref);
    const legacy = (await h.ctx.approvals.get(lead.ref))!;
    expect(legacy.steps).toEqual([{ subject: 'Old subject', body }]);
    expect(sequenceHash(legacy.steps)).toBe(legacy.hash);
    // An edit keeps its one step; five steps would not be what was shown.
    const five = Array.from({ length: 5 }, () => ({ subject: 'S', body }));
    expect(await h.ctx.approvals.decide(lead.ref, { action: 'edit', by: 'U1', shownHash: legacy.hash, steps: five })).toMatchObject({ ok: false, reason: 'stale' });
    expect((await h.ctx.approvalService.decide(lead.ref, { action: 'approve', by: 'U1', shownHash: legacy.hash })).ok).toBe(true);
    h.startWorkers();
    const run = await waitForRun(h, runId);
    expect(run.stages.send).toMatchObject({ in: 1, out: 0, errors: 1 });
    expect(h.fakes.instantly.adds).toBe(0);
    // Refused before the gate: no reservation, nothing counted against today's cap.
    expect(await h.redis.exists(h.ctx.keys.sendIdempotency(`${seededEmail(0)}|1`))).toBe(0);
    expect((await h.ctx.gate.sendsToday()).count).toBe(0);
  });
});
