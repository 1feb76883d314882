import { describe, expect, it } from 'vitest';
import { decidedCard } from '../../src/bot/blocks-approval.ts';
import { ACTION_ANNEAL_APPLY, ACTION_AUTONOMY_ENABLE, proposalCard, sparkline, trendText } from '../../src/bot/blocks-autonomy.ts';
import type { Approval } from '../../src/core/approvals.ts';
import type { Proposal } from '../../src/core/autonomy-proposals.ts';
import { helpText } from '../../src/commands/help-text.ts';
import { parseCaio } from '../../src/commands/parse.ts';

const segmentProposal = (over: Partial<Proposal> = {}): Proposal => ({
  id: 'ap_0123456789abcdef',
  subject: 'competitor_gong/A',
  status: 'open',
  data: { kind: 'segment', segment: 'competitor_gong/A', decisions: 58, clean: 57 },
  fingerprint: 'f',
  created_at: '2026-03-01T10:00:00.000Z',
  created_by: 'system',
  decided_by: null,
  decided_at: null,
  superseded_by: null,
  slack_channel: null,
  slack_ts: null,
  ...over,
});

const actionIds = (blocks: unknown[]) => (blocks as { type: string; elements?: { action_id: string }[] }[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements!.map((e) => e.action_id));

describe('/caio autonomy and /caio anneal', () => {
  it('parse without arguments and are in the help', () => {
    expect(parseCaio('autonomy')).toEqual({ kind: 'autonomy' });
    expect(parseCaio('ANNEAL')).toEqual({ kind: 'anneal' });
    expect(parseCaio('autonomy now')).toEqual({ kind: 'invalid', problem: '"autonomy" takes no arguments (got "now")' });
    expect(helpText()).toContain('/caio autonomy');
    expect(helpText()).toContain('/caio anneal');
  });
});

describe('proposal cards', () => {
  it('a segment proposal says what it earned and carries Enable and Dismiss while open', () => {
    const { text, blocks } = proposalCard(segmentProposal());
    expect(text).toBe('Proposal: auto-approve tier A leads from competitor_gong: 57 of 58 approved unedited');
    expect(actionIds(blocks)).toEqual([ACTION_AUTONOMY_ENABLE, 'autonomy_dismiss']);
  });

  it('a decided or out-of-date proposal has no buttons and says why', () => {
    const enabled = proposalCard(segmentProposal({ status: 'enabled', decided_by: 'UAPPROVER1', decided_at: '2026-03-01T11:00:00.000Z' }));
    expect(actionIds(enabled.blocks)).toEqual([]);
    expect(JSON.stringify(enabled.blocks)).toContain('*Enabled* by <@UAPPROVER1>');
    const stale = proposalCard(segmentProposal({ status: 'superseded', superseded_by: 'ap_fedcba9876543210' }));
    expect(JSON.stringify(stale.blocks)).toContain('Out of date');
    expect(JSON.stringify(stale.blocks)).toContain('see the new proposal');
  });

  it('a weight proposal shows the evidence, the expected effect, Apply and Dismiss', () => {
    const feature = (name: 'title' | 'signals', before: number, after: number) => ({
      feature: name,
      with: { n: 320, replied: 128, positive: 32 },
      without: { n: 320, replied: 16, positive: 16 },
      reply_lift: 0.35,
      reply_z: 10.5,
      positive_lift: 0.05,
      positive_z: 2.1,
      change: (after - before) / before,
      before,
      after,
      verdict: after > before ? ('up' as const) : ('hold' as const),
      why: 'x',
    });
    const p = segmentProposal({
      subject: 'anneal',
      data: {
        kind: 'anneal',
        policy_version: 4,
        analysis: {
          window: { from: Date.parse('2026-02-01'), to: Date.parse('2026-03-01') },
          mailed: 640,
          replied: 144,
          positive: 48,
          features: [feature('title', 30, 30), feature('signals', 10, 12)],
          before: { title: 30, seniority: 20, industry: 20, company_size: 20, signals: 10 },
          after: { title: 30, seniority: 20, industry: 20, company_size: 20, signals: 12 },
          tier_changes: { leads: 700, changed: 3, moves: { 'A→B': 3 } },
          changed: true,
          fingerprint: 'f',
          not_enough_data: null,
        },
      },
    });
    const shown = JSON.stringify(proposalCard(p).blocks);
    expect(shown).toContain('10 → 12');
    expect(shown).toContain('+20%');
    expect(shown).toContain('3 of 700 leads of the window would change tier (A→B 3)');
    expect(actionIds(proposalCard(p).blocks)).toEqual([ACTION_ANNEAL_APPLY, 'anneal_dismiss']);
  });
});

describe('trends and the auto-approved card', () => {
  it('draws a sparkline per metric', () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe('▁▂▃▅█');
    expect(sparkline([0, 0])).toBe('▁▁');
    const text = trendText([
      { day: '2026-03-01', counters: { all: { sent: 2, opened: 1 } } },
      { day: '2026-03-02', counters: { all: { sent: 4 } } },
    ]);
    expect(text).toContain('sends    ▅█       6 in 2 days · today 4');
  });

  it('marks an email approved by an earned segment as auto-approved', () => {
    const approval = { id: 'run_x-1', runId: 'run_x', leadRef: 'run_x-1', status: 'approved', subject: 'Hi', body: 'b', steps: [{ subject: 'Hi', body: 'b' }], hash: 'h', version: 1, created_at: '', decided_by: 'autonomy:competitor_gong/A', decided_at: '2026-03-01T10:00:00.000Z', slack_channel: null, slack_ts: null } satisfies Approval;
    const card = decidedCard(approval, null);
    expect(JSON.stringify(card.blocks)).toContain('*Auto-approved*');
    expect(JSON.stringify(card.blocks)).toContain('the send still passes the whole safety gate');
  });
});
