import { describe, expect, it } from 'vitest';
import { proposeWeights, tierChanges, zScore } from '../../src/core/anneal.ts';
import { buildConfig } from '../../src/core/config.ts';
import { featureFractions, scoreLead } from '../../src/core/icp-score.ts';
import type { LeadOutcome } from '../../src/core/segment-kpis.ts';
import { syntheticOutcomes } from '../helpers/autonomy-seed.ts';

const config = buildConfig();
const icp = config.icp;
const anneal = config.autonomy.anneal;

describe('self-annealing weights', () => {
  it('moves the one predictive feature up by at most the bound and leaves the others', () => {
    const proposal = proposeWeights(syntheticOutcomes(), icp, anneal, { from: 0, to: 1 }, 3);
    expect(proposal.mailed).toBe(640);
    expect(proposal.replied).toBe(16 * 8 + 16 * 1);
    const signals = proposal.features.find((f) => f.feature === 'signals')!;
    expect(signals.with).toEqual({ n: 320, replied: 128, positive: 32 });
    expect(signals.without).toEqual({ n: 320, replied: 16, positive: 16 });
    expect(signals.verdict).toBe('up');
    expect(signals.after).toBe(12); // 10 + 20%, the weekly bound
    expect(signals.change).toBeCloseTo(0.2);
    for (const f of proposal.features.filter((x) => x.feature !== 'signals')) {
      expect(f.reply_z).toBe(0);
      expect(f.verdict).toBe('hold');
      expect(f.after).toBe(f.before);
    }
    expect(proposal.after).toEqual({ ...icp.weights, signals: 12 });
    expect(proposal.changed).toBe(true);
    // The expected effect is counted on every lead of the window: these all-or-nothing features never cross a tier line.
    expect(proposal.tier_changes).toEqual({ leads: 640, changed: 0, moves: {} });
  });

  it('names the tier moves the new weights would cause', () => {
    const lead = (features: Record<string, number>): LeadOutcome => ({ ref: 'r', segment: 'default/A', at: 0, features, mailed: false, replied: false, positive: false, bounced: false });
    // 15 + 20 + 20 + 20 = 75 (tier A); with signals at 12 the others shrink to 73.5 (tier B).
    const onTheLine = lead({ title: 0.5, seniority: 1, industry: 1, company_size: 1, signals: 0 });
    // 30 + 20 + 10 = 60 (B); with signals 12 it is 31.4 + 19.6 + 11.8 = 62.7, still B.
    const safe = lead({ title: 1, seniority: 1, industry: 0, company_size: 0, signals: 1 });
    expect(tierChanges([onTheLine, safe, onTheLine], icp, { ...icp.weights, signals: 12 })).toEqual({ leads: 3, changed: 2, moves: { 'A→B': 2 } });
  });

  it('never moves a weight further than max_change, and proposes nothing from too few leads', () => {
    const tight = proposeWeights(syntheticOutcomes(), icp, { ...anneal, max_change: 0.05 }, { from: 0, to: 1 }, 3);
    expect(tight.after.signals).toBe(10.5);
    const few = proposeWeights(syntheticOutcomes().slice(0, 60), icp, anneal, { from: 0, to: 1 }, 3);
    expect(few.not_enough_data).toBe('not enough data (60/100 mailed leads)');
    expect(few.changed).toBe(false);
    expect(few.after).toEqual(icp.weights);
  });

  it('a feature that predicts fewer replies goes down', () => {
    const flipped = syntheticOutcomes().map((o) => ({ ...o, features: { ...o.features, signals: 1 - (o.features.signals ?? 0) } }));
    const p = proposeWeights(flipped, icp, anneal, { from: 0, to: 1 }, 3);
    expect(p.features.find((f) => f.feature === 'signals')!.after).toBe(8);
  });

  it('z score of two proportions', () => {
    expect(zScore(128, 320, 16, 320)).toBeGreaterThan(10);
    expect(zScore(5, 10, 5, 10)).toBe(0);
    expect(zScore(0, 0, 1, 10)).toBe(0);
  });

  it('feature shares reproduce the score scoreLead gives', () => {
    const person = { id: 'p1', first_name: 'A', last_name: 'B', title: 'VP Sales', seniority: 'vp', email: null, email_status: null, linkedin_url: null, company_name: 'Acme', company_domain: null, industry: 'software', employee_count: 3000, signals: ['hiring_sdrs'] };
    const fractions = featureFractions(person, icp);
    expect(fractions).toEqual({ title: 1, seniority: 1, industry: 1, company_size: 0, signals: 0.5 });
    const score = scoreLead(person, icp).score;
    expect(score).toBe(Math.round(30 + 20 + 20 + 0 + 5));
  });
});
