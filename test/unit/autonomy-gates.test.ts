import { describe, expect, it } from 'vitest';
import { daysWithoutIntervention, evaluateGates, gateTable, revocationReason, segmentEarned, verdict, type GateInput } from '../../src/core/autonomy.ts';
import { buildConfig } from '../../src/core/config.ts';
import type { Counters } from '../../src/core/segment-kpis.ts';

const config = buildConfig().autonomy;

function input(window: Counters, over: Partial<GateInput> = {}): GateInput {
  return {
    config,
    window,
    runsWithSends: 12,
    interventions: { firstDay: '2026-03-01', lastDay: null },
    stopped: false,
    today: '2026-03-10',
    annealing: { mailed: 150, reviewed: true },
    ...over,
  };
}

describe('graduation gates', () => {
  it('computes every rate exactly and passes a system that meets the seed thresholds', () => {
    const window: Counters = { all: { approved: 80, edited: 10, rejected: 10, sent: 200, opened: 110, replied: 20, bounced: 6, positive: 8 } };
    const report = evaluateGates(input(window));
    const byId = Object.fromEntries(report.gates.map((g) => [g.id, g]));
    expect(byId.icp_match!.value).toBe(0.9);
    expect(byId.icp_match!.note).toBe('10 edited (10.0%), 10 rejected');
    expect(byId.open_rate!.value).toBe(0.55);
    expect(byId.reply_rate!.value).toBe(0.1);
    expect(byId.bounce_rate!.value).toBe(0.03);
    expect(byId.days_without_intervention!.value).toBe(9);
    expect(report.kpis.positive_reply_rate).toBe(0.04);
    expect(report.gates.map((g) => g.status)).toEqual(Array(7).fill('pass'));
    expect(report.score).toBe(100);
    expect(report.allPass).toBe(true);
  });

  it('says "not enough data (n/N)" instead of passing on too little, and scores it as nothing', () => {
    // 3 of 3 sends opened is 100%, but 3 sends are not a sample.
    const report = evaluateGates(input({ all: { approved: 5, sent: 3, opened: 3, replied: 1 } }, { runsWithSends: 2, annealing: { mailed: 4, reviewed: false } }));
    const byId = Object.fromEntries(report.gates.map((g) => [g.id, g]));
    expect(verdict(byId.runs!)).toBe('not enough data (2/10)');
    expect(verdict(byId.icp_match!)).toBe('not enough data (5/50)');
    expect(verdict(byId.open_rate!)).toBe('not enough data (3/100)');
    expect(verdict(byId.bounce_rate!)).toBe('not enough data (3/100)');
    expect(verdict(byId.annealing!)).toBe('not enough data (4/100)');
    expect(byId.open_rate!.progress).toBe(0);
    expect(report.allPass).toBe(false);
    expect(report.passed).toBe(1); // only the days without intervention
  });

  it('fails a rate on the wrong side of its gate, and the bounce gate at its threshold', () => {
    const report = evaluateGates(input({ all: { approved: 30, rejected: 20, sent: 100, opened: 40, replied: 5, bounced: 5 } }));
    const byId = Object.fromEntries(report.gates.map((g) => [g.id, g]));
    expect([byId.icp_match!.status, byId.open_rate!.status, byId.reply_rate!.status, byId.bounce_rate!.status]).toEqual(['fail', 'fail', 'fail', 'fail']);
    expect(byId.open_rate!.progress).toBeCloseTo(0.8);
  });

  it('counts whole days without intervention since the last one, and none while stopped', () => {
    const base = { today: '2026-03-10', stopped: false };
    expect(daysWithoutIntervention({ ...base, interventions: { firstDay: null, lastDay: null } })).toBe(0);
    expect(daysWithoutIntervention({ ...base, interventions: { firstDay: '2026-03-08', lastDay: null } })).toBe(2);
    expect(daysWithoutIntervention({ ...base, interventions: { firstDay: '2026-03-01', lastDay: '2026-03-06' } })).toBe(3);
    expect(daysWithoutIntervention({ ...base, interventions: { firstDay: '2026-03-01', lastDay: '2026-03-10' } })).toBe(0);
    expect(daysWithoutIntervention({ ...base, stopped: true, interventions: { firstDay: '2026-03-01', lastDay: null } })).toBe(0);
    const today = evaluateGates(input({}, { interventions: { firstDay: '2026-03-01', lastDay: '2026-03-10' } }));
    expect(today.gates.find((g) => g.id === 'days_without_intervention')!.status).toBe('fail');
  });

  it('earns a segment its proposal only with enough clean decisions and every gate passing', () => {
    const earning: Counters = { 'competitor_gong/A': { approved: 57, edited: 1 }, 'default/B': { approved: 40 }, 'default/C': { approved: 50, edited: 3, rejected: 1 } };
    expect(segmentEarned(config, earning, 'competitor_gong/A', { allPass: true })).toMatchObject({ earned: true, decisions: 58, clean: 57, why: '57 of 58 approved unedited' });
    expect(segmentEarned(config, earning, 'competitor_gong/A', { allPass: false })).toMatchObject({ earned: false, why: 'the global gates do not all pass' });
    expect(segmentEarned(config, earning, 'default/B', { allPass: true })).toMatchObject({ earned: false, why: 'not enough data (40/50 decisions)' });
    expect(segmentEarned(config, earning, 'default/C', { allPass: true })).toMatchObject({ earned: false, why: '92.6% approved unedited (needs 95.0%)' });
  });

  it('revokes on the bounce rate or on a reply rate under half the gate, judged on the sends since enabling', () => {
    const seg = 'default/A';
    const baseline = { sent: 100, bounced: 10, replied: 0 };
    expect(revocationReason(config, { [seg]: { sent: 140, bounced: 10, replied: 10 } }, seg, baseline)).toBeNull(); // 40 sends: too few
    expect(revocationReason(config, { [seg]: { sent: 150, bounced: 13, replied: 10 } }, seg, baseline)).toContain('bounce rate 6.0%');
    expect(revocationReason(config, { [seg]: { sent: 150, bounced: 10, replied: 1 } }, seg, baseline)).toContain('fell below half the gate (4.0%)');
    expect(revocationReason(config, { [seg]: { sent: 150, bounced: 11, replied: 3 } }, seg, baseline)).toBeNull();
  });

  it('prints one table: every gate with value, threshold, sample and verdict', () => {
    const text = gateTable(evaluateGates(input({ all: { approved: 80, edited: 10, rejected: 10, sent: 40, opened: 30 } })), config);
    expect(text).toContain('ICP match rate');
    expect(text).toMatch(/open rate\s+75\.0%\s+>= 50\.0%\s+40 sends\s+not enough data \(40\/100\)/);
    expect(text).toMatch(/ICP match rate\s+90\.0%\s+>= 80\.0%\s+100 decisions\s+pass/);
  });
});

describe('the autonomy config section', () => {
  it('has the seed defaults from the issue', () => {
    expect(config).toMatchObject({ min_runs: 10, min_icp_match_rate: 0.8, min_open_rate: 0.5, min_reply_rate: 0.08, max_bounce_rate: 0.05, min_days_without_intervention: 3, min_decisions: 50, min_clean_rate: 0.95 });
    expect(config.anneal.max_change).toBe(0.2);
  });

  it.each([
    [{ min_open_rate: 1.5 }, 'autonomy.min_open_rate', 'between 0 and 1'],
    [{ max_bounce_rate: -0.1 }, 'autonomy.max_bounce_rate', 'between 0 and 1'],
    [{ min_decisions: -5 }, 'autonomy.min_decisions', 'must not be negative'],
    [{ min_runs: -1 }, 'autonomy.min_runs', 'must not be negative'],
    [{ anneal: { max_change: 2 } }, 'autonomy.anneal.max_change', 'between 0 and 1'],
  ])('refuses %j naming the field', (autonomy, field, message) => {
    expect(() => buildConfig({ autonomy })).toThrow(new RegExp(`field "${field.replaceAll('.', '\\.')}": .*${message}`));
  });
});
