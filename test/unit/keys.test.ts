import { describe, expect, it } from 'vitest';
import { asGateDay, asUtcDay } from '../../src/core/days.ts';
import { createKeys } from '../../src/core/keys.ts';

// The key strings are the schema of a live Redis: a rename orphans the data under the old name.
describe('createKeys', () => {
  const keys = createKeys('caio');

  it('keeps the pipeline keys', () => {
    expect([keys.runs, keys.run('r1'), keys.runSet('r1', 'terminal'), keys.runStageSet('r1', 'send', 'done'), keys.lead('r1-l1')]).toEqual([
      'caio:runs',
      'caio:run:r1',
      'caio:run:r1:set:terminal',
      'caio:run:r1:send:done',
      'caio:lead:r1-l1',
    ]);
    expect([keys.approval('a'), keys.approvalsPending, keys.stopFlag, keys.policy, keys.sendCount(asGateDay('2026-01-02')), keys.sendIdempotency('a@b.c|1')]).toEqual([
      'caio:approval:a',
      'caio:approvals:pending',
      'caio:control:stop',
      'caio:control:policy',
      'caio:sends:day:2026-01-02',
      'caio:sends:key:a@b.c|1',
    ]);
    expect(keys.sandboxInstantlyCampaign).toBe(`${keys.sandboxInstantly}:campaign`);
    expect([keys.cadenceShifted('run_1-l1-cadence-2', 'ev:1'), keys.sweeperLock('live')]).toEqual(['caio:cadence:shifted:run_1-l1-cadence-2:ev_1', 'caio:sweeper:lock:live']);
  });

  it('keeps the Slack keys under :slack', () => {
    const s = keys.slack;
    expect([s.trigger('t'), s.breakerThread('apollo'), s.breakerEvents('apollo'), s.breakerSeen, s.lock('x'), s.posted('j'), s.replay('h')]).toEqual([
      'caio:slack:trigger:t',
      'caio:slack:breaker:apollo:thread',
      'caio:slack:breaker:apollo:events',
      'caio:slack:breaker:seen',
      'caio:slack:lock:x',
      'caio:slack:posted:j',
      'caio:slack:replay:h',
    ]);
  });

  it('keeps the LinkedIn sender keys under :linkedin', () => {
    const l = keys.linkedin;
    expect([l.senderOf, l.roundRobin, l.senderDay('acc:1', 20415), l.senderWeek('111'), l.senderFirst('111')]).toEqual([
      'caio:linkedin:sender-of',
      'caio:linkedin:round-robin',
      'caio:linkedin:sender:acc_1:day:20415',
      'caio:linkedin:sender:111:week',
      'caio:linkedin:sender:111:first',
    ]);
  });

  it('keeps the webhook keys under :wh', () => {
    const w = keys.webhooks;
    expect([w.seen('rb2b', 'e1'), w.visitor('v'), w.visitorDay('v', '2026-01-02'), w.visitorByEmail('a@b.c'), w.timeline('a@b.c')]).toEqual([
      'caio:wh:seen:rb2b:e1',
      'caio:wh:visitor:v',
      'caio:wh:visitor:v:day:2026-01-02',
      'caio:wh:visitor:by-email:a@b.c',
      'caio:wh:instantly:timeline:a@b.c',
    ]);
    expect([w.kpiDay(asUtcDay('2026-01-02')), w.kpiCampaign('c'), w.kpiCampaigns, w.recentSends, w.bouncedAddresses, w.cadenceStopped]).toEqual([
      'caio:wh:kpi:day:2026-01-02',
      'caio:wh:kpi:campaign:c',
      'caio:wh:kpi:campaigns',
      'caio:wh:instantly:recent-sends',
      'caio:wh:instantly:bounced',
      'caio:wh:cadence:stopped',
    ]);
  });
});
