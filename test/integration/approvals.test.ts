import { afterEach, describe, expect, it } from 'vitest';
import { contentHash, editedEmailSchema, sequenceHash } from '../../src/core/approvals.ts';
import { UNSUBSCRIBE_FOOTER } from '../../src/core/email-template.ts';
import { startRun } from '../../src/jobs/runs.ts';
import { createHarness, FAST_SANDBOX, type Harness } from '../helpers/harness.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const MANUAL = { ...FAST_SANDBOX, safety: { ...FAST_SANDBOX.safety, auto_approve: false } };

async function runAwaitingApproval(leads = 12) {
  harness = await createHarness('approvals', MANUAL);
  harness.startWorkers();
  const { runId } = await startRun(harness.ctx, { source: 'default', limit: leads, startedBy: 'U_LEAD' });
  const run = await harness.waitForRun(runId, ['awaiting_approval', 'completed']);
  const pending = await harness.ctx.approvals.listPending();
  return { run, pending, h: harness };
}

describe('approvals', () => {
  it('waits for one decision per email and takes only the first', async () => {
    const { run, pending, h } = await runAwaitingApproval();
    expect(run.status).toBe('awaiting_approval');
    expect(pending.length).toBe(run.awaiting);
    const target = pending[0]!;
    const [a, b] = await Promise.all([
      h.ctx.approvalService.decide(target.id, { action: 'approve', by: 'U1', shownHash: target.hash }),
      h.ctx.approvalService.decide(target.id, { action: 'reject', by: 'U2', shownHash: target.hash }),
    ]);
    const winners = [a, b].filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const loser = [a, b].find((r) => !r.ok);
    expect(loser).toMatchObject({ ok: false, reason: 'already_decided' });
    const again = await h.ctx.approvalService.decide(target.id, { action: 'approve', by: 'U3' });
    expect(again.ok).toBe(false);
    if (!again.ok && again.reason === 'already_decided') expect(['U1', 'U2']).toContain(again.approval.decided_by);
  });

  it('refuses a decision on content that is no longer what was shown', async () => {
    const { pending, h } = await runAwaitingApproval();
    const result = await h.ctx.approvalService.decide(pending[0]!.id, { action: 'approve', by: 'U1', shownHash: 'not-the-hash' });
    expect(result).toMatchObject({ ok: false, reason: 'stale' });
    expect((await h.ctx.approvals.get(pending[0]!.id))?.status).toBe('pending');
  });

  it('sends exactly the edited sequence and audits the changed step before and after', async () => {
    const { run, pending, h } = await runAwaitingApproval();
    const target = pending[0]!;
    expect(target.steps).toHaveLength(5);
    expect(target.hash).toBe(sequenceHash(target.steps));
    const subject = 'A better subject';
    const body = `Hello there,\n\nShort and edited.${UNSUBSCRIBE_FOOTER}`;
    const steps = target.steps.map((s, i) => (i === 3 ? { subject, body } : s));
    const result = await h.ctx.approvalService.decide(target.id, { action: 'edit', by: 'U1', shownHash: target.hash, steps });
    expect(result.ok).toBe(true);
    const approval = await h.ctx.approvals.get(target.id);
    expect(approval).toMatchObject({ status: 'edited', version: 2, subject: target.subject, body: target.body, steps, hash: sequenceHash(steps) });
    expect(approval!.hash).not.toBe(target.hash);
    for (const other of pending.slice(1)) await h.ctx.approvalService.decide(other.id, { action: 'reject', by: 'U1' });
    const done = await h.waitForRun(run.id, ['completed']);
    expect(done.stages.approve.out).toBe(1);
    expect(done.stages.approve.dropped).toBe(pending.length - 1);
    const shadows = await h.ctx.gate.listShadow();
    expect(shadows).toHaveLength(1);
    expect(shadows[0]).toMatchObject({ subject: target.subject, body: target.body, steps, approvedBy: 'U1', contentHash: sequenceHash(steps) });
    const edits = await h.ctx.audit.list({ action: 'approval.edited' });
    expect(edits[0]?.details).toEqual({
      hash: sequenceHash(steps),
      changed_steps: [4],
      before: [{ step: 4, ...target.steps[3] }],
      after: [{ step: 4, subject, body }],
    });
    expect((await h.ctx.audit.list({ action: 'approval.rejected' })).length).toBe(pending.length - 1);
  });

  it('validates edited content: lengths and the unsubscribe footer', () => {
    expect(editedEmailSchema.safeParse({ subject: '', body: `x${UNSUBSCRIBE_FOOTER}` }).success).toBe(false);
    expect(editedEmailSchema.safeParse({ subject: 'x'.repeat(201), body: `x${UNSUBSCRIBE_FOOTER}` }).success).toBe(false);
    expect(editedEmailSchema.safeParse({ subject: 'ok', body: 'no footer here' }).success).toBe(false);
    expect(editedEmailSchema.safeParse({ subject: 'ok', body: 'x'.repeat(5001) + UNSUBSCRIBE_FOOTER }).success).toBe(false);
    expect(editedEmailSchema.safeParse({ subject: 'ok', body: `fine${UNSUBSCRIBE_FOOTER}` }).success).toBe(true);
  });

  it('hashes a sequence over every step, and one step as the single email was hashed', () => {
    const steps = [1, 2, 3, 4, 5].map((n) => ({ subject: `s${n}`, body: `b${n}` }));
    expect(sequenceHash([steps[0]!])).toBe(contentHash('s1', 'b1'));
    const changed = steps.map((s, i) => (i === 3 ? { ...s, body: 'other' } : s));
    expect(sequenceHash(changed)).not.toBe(sequenceHash(steps));
    // Text moved between fields or steps is a different sequence.
    expect(sequenceHash([{ subject: 'a', body: 'b' }, { subject: 'c', body: 'd' }])).not.toBe(sequenceHash([{ subject: 'a', body: 'b\u0000c' }, { subject: '', body: 'd' }]));
    expect(sequenceHash(steps)).toMatch(/^[a-f0-9]{64}$/);
  });
});
