import { afterEach, describe, expect, it } from 'vitest';
import type { Lead } from '../../src/core/types.ts';
import { createLiveHarness, FAST_LIVE, until, type LiveHarness } from '../helpers/live-harness.ts';

let h: LiveHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const lead = (i: number, over: Partial<Lead>): Lead => ({
  id: `ct${i}`, ref: `run_20261127_101500_calltk-ct${i}`, runId: 'run_20261127_101500_calltk', source: 'default', providers: 'live', state: 'sent', updated_at: new Date().toISOString(),
  first_name: 'Ada', last_name: `Byron${i}`, title: 'CRO', seniority: 'c_suite', email: `ada${i}@engines.example`, email_status: 'verified',
  linkedin_url: `https://linkedin.com/in/ada-byron-${i}`, company_name: 'Engines', company_domain: 'engines.example', industry: 'Software', employee_count: 80, signals: [],
  ...over,
});

describe('the day-3 call task (issue 11)', () => {
  it('carries the phone when enrichment returned one, and otherwise says there is none and gives the LinkedIn profile', async () => {
    h = await createLiveHarness({ name: 'call-task', settings: { ...FAST_LIVE, safety: { ...FAST_LIVE.safety, shadow_mode: false, actually_send: true, max_daily_sends: 10 } } });
    const withPhone = lead(1, { phone: '+14155550123' });
    const without = lead(2, {});
    for (const l of [withPhone, without]) {
      await h.ctx.store.createLead(l);
      await h.ctx.queues.cadence.add('call1', { runId: l.runId, ref: l.ref, day: 3, channel: 'call', step: 1 }, { jobId: `${l.ref}-cadence-call1` });
    }
    h.startWorkers();
    await until(() => h!.recorder.alerts.filter((a) => a.text.startsWith('Call task')).length === 2, 15_000);
    const text = (ref: string) => h!.recorder.alerts.find((a) => a.details?.lead === ref)!.text;
    expect(text(withPhone.ref)).toBe('Call task (cadence day 3): Ada Byron1, CRO at Engines — phone +14155550123');
    expect(text(without.ref)).toBe('Call task (cadence day 3): Ada Byron2, CRO at Engines — no phone number on file; LinkedIn https://linkedin.com/in/ada-byron-2');
    expect(h.recorder.alerts.every((a) => a.level === 'INFO')).toBe(true);
  });
});
