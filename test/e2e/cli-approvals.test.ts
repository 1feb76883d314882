import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, TEST_REDIS_URL, type Harness } from '../helpers/harness.ts';
import { seededLead, seededSteps, seedRun } from '../helpers/seed-approved.ts';
import { spawnCaio } from '../helpers/worker-process.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function caio(harness: Harness, ...args: string[]) {
  const p = spawnCaio(args, { REDIS_URL: TEST_REDIS_URL, CAIO_REDIS_PREFIX: harness.prefix });
  const code = await p.exited;
  return { code, out: p.output() };
}

describe('caio pending and caio approve --hash', () => {
  it('lists each sequence with its hash, and refuses an approval bound to a hash that is not the sequence\'s', { timeout: 60_000 }, async () => {
    h = await createHarness('cli-approve');
    const runId = await seedRun(h.ctx, 2);
    const ids: string[] = [];
    for (const i of [0, 1]) {
      const lead = seededLead(runId, i);
      await h.ctx.store.createLead({ ...lead, state: 'awaiting_approval' });
      await h.ctx.approvals.request({ runId, leadRef: lead.ref, steps: seededSteps(`Hi ${i}`) });
      ids.push(lead.ref);
    }
    const [first, second] = ids as [string, string];
    const shown = (await h.ctx.approvals.get(first))!;

    const listed = await caio(h, 'pending');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`${first}  hash ${shown.hash}`);
    expect(listed.out).toContain('  step 1  day 1   Hi 0 · step 1');
    expect(listed.out).toContain('  step 4  day 17  Hi 0 · step 4');
    expect(listed.out).toContain('  step 5  day 21  Hi 0 · step 5');
    expect(listed.out).not.toContain('Body of Hi 0, step 4.');

    // A hash that is not this sequence's (changed since, or copied from another line) is refused.
    const other = (await h.ctx.approvals.get(second))!;
    const stale = await caio(h, 'approve', first, '--hash', other.hash);
    expect(stale.code).toBe(1);
    expect(stale.out).toContain(`${first}: hash ${other.hash} is not this sequence's hash`);
    expect(stale.out).toContain('nothing changed');
    expect((await h.ctx.approvals.get(first))!.status).toBe('pending');
    expect((await h.ctx.audit.list({ action: 'approval.stale' })).map((e) => e.subject)).toEqual([first]);

    const full = await caio(h, 'pending', '--full');
    expect(full.out).toContain(`${first}  hash ${shown.hash}`);
    expect(full.out).toContain(`  step 4  day 17  Hi 0 · step 4\n      Body of Hi 0, step 4.\n\n      --\n      If this isn't relevant`);
    expect(full.out).toContain('      Body of Hi 1, step 5.');

    const bound = await caio(h, 'approve', first, '--hash', shown.hash);
    expect(bound.code).toBe(0);
    expect(bound.out).toMatch(new RegExp(`${first}: approved by cli:\\S+ \\(sequence hash ${shown.hash}\\)`));

    // Without --hash: the current sequence is approved and its hash printed.
    const plain = await caio(h, 'approve', second);
    expect(plain.code).toBe(0);
    expect(plain.out).toContain(`${second}: approved by cli:`);
    expect(plain.out).toContain(`(sequence hash ${other.hash})`);

    // Decided once: a second approval with the same hash changes nothing.
    const late = await caio(h, 'approve', first, '--hash', shown.hash);
    expect(late.code).toBe(1);
    expect(late.out).toContain('already approved');

    const malformed = await caio(h, 'approve', second, '--hash', 'abc');
    expect(malformed.code).toBe(2);
    expect(malformed.out).toContain('--hash takes the 64-character sequence hash');
  });
});
