import { afterEach, describe, expect, it } from 'vitest';
import { resumeEverything, stopEverything } from '../../src/jobs/control.ts';
import { createHarness, FAST_SANDBOX, type Harness } from '../helpers/harness.ts';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('stop and audit at scale', () => {
  it('a stop marks every active run stopped, not only the newest few hundred, and resume puts them all back', { timeout: 60_000 }, async () => {
    h = await createHarness('control-many', FAST_SANDBOX);
    const ids: string[] = [];
    for (let i = 0; i < 620; i++) {
      const id = `run_20260101_000000_${String(i).padStart(6, '0')}`;
      ids.push(id);
      await h.ctx.store.createRun({ id, source: 'default', limit: 1, started_by: 'U1' });
    }
    await h.ctx.store.setRunStatus(ids[0]!, 'completed');
    await stopEverything(h.ctx, 'U1', 'test');
    const statuses = await Promise.all(ids.map(async (id) => (await h!.ctx.store.getRun(id))?.status));
    expect(statuses.filter((s) => s === 'stopped')).toHaveLength(619);
    expect(statuses[0]).toBe('completed');
    await resumeEverything(h.ctx, 'U1');
    const after = await Promise.all(ids.map(async (id) => (await h!.ctx.store.getRun(id))?.status));
    expect(after.filter((s) => s === 'running')).toHaveLength(619);
  });

  it('the newest N audit entries (optionally of one action) are read from the end of the stream', async () => {
    h = await createHarness('audit-page', FAST_SANDBOX);
    for (let i = 0; i < 1_200; i++) await h.ctx.audit.append({ actor: 'U1', action: i % 100 === 0 ? 'rare' : 'common', subject: `s${i}` });
    const last = await h.ctx.audit.list({ count: 3 });
    expect(last.map((e) => e.subject)).toEqual(['s1197', 's1198', 's1199']);
    const rare = await h.ctx.audit.list({ count: 5, action: 'rare' });
    expect(rare.map((e) => e.subject)).toEqual(['s700', 's800', 's900', 's1000', 's1100']);
    expect(await h.ctx.audit.list({ count: 50, action: 'rare' })).toHaveLength(12);
    expect(await h.ctx.audit.list({ action: 'rare' })).toHaveLength(12);
  });
});
