import { proposeWeights, type AnnealProposal } from '../core/anneal.ts';
import type { Proposal } from '../core/autonomy-proposals.ts';
import { createAutonomyStore, type AppliedAnneal } from '../core/autonomy-store.ts';
import type { IcpConfig } from '../core/config.ts';
import { createAutonomy, type AutonomyDeps, type ProposalOutcome } from './autonomy-service.ts';
import { changePolicy } from './policy-change.ts';

const DAY_MS = 86_400_000;

export type { AppliedAnneal } from '../core/autonomy-store.ts';

export type AnnealRun =
  | { kind: 'proposed'; proposal: Proposal; created: boolean }
  | { kind: 'no_change'; analysis: AnnealProposal }
  | { kind: 'not_enough_data'; analysis: AnnealProposal }
  | { kind: 'policy_invalid'; problem: string };

export type RevertOutcome =
  | { kind: 'reverted'; entry: AppliedAnneal; version: number }
  | { kind: 'nothing_to_revert' }
  | { kind: 'weights_changed_since'; entry: AppliedAnneal; version: number | null }
  | { kind: 'refused'; why: string };

/**
 * Self-annealing (issue 12, point 4): a weekly job and `/caio anneal` compare outcomes across the
 * ICP features and post a weight proposal; only **Apply** changes the weights, through the
 * cluster policy (versioned, audited before/after, announced), and `caio anneal --revert` undoes it.
 */
export function createAnnealing(deps: AutonomyDeps, now: () => Date = () => new Date()) {
  const { audit, notifier } = deps;
  const cfg = deps.config.autonomy.anneal;
  const autonomy = createAutonomy(deps, now);
  const autonomyStore = createAutonomyStore(deps.redis, deps.keys);

  async function analyse(window?: { from: number; to: number }): Promise<{ analysis: AnnealProposal; icp: IcpConfig; version: number } | { problem: string }> {
    deps.policy.invalidate();
    const read = await deps.policy.read();
    if (!read.ok) return { problem: read.problem };
    const to = window?.to ?? now().getTime();
    const from = window?.from ?? to - cfg.window_days * DAY_MS;
    const outcomes = await autonomy.kpis.outcomes(from, to);
    return { analysis: proposeWeights(outcomes, read.stored.policy.icp, cfg, { from, to }, read.stored.version), icp: read.stored.policy.icp, version: read.stored.version };
  }

  async function propose(by: string): Promise<AnnealRun> {
    const result = await analyse();
    if ('problem' in result) return { kind: 'policy_invalid', problem: result.problem };
    const { analysis, version } = result;
    await audit.append({ actor: by, action: 'autonomy.anneal.analysed', subject: 'anneal', details: { mailed: analysis.mailed, replied: analysis.replied, positive: analysis.positive, changed: analysis.changed } });
    if (analysis.not_enough_data) return { kind: 'not_enough_data', analysis };
    if (!analysis.changed) return { kind: 'no_change', analysis };
    const open = await autonomy.proposals.open('anneal');
    if (open && open.data.kind === 'anneal' && JSON.stringify(open.data.analysis.after) === JSON.stringify(analysis.after) && open.data.policy_version === version) {
      return { kind: 'proposed', proposal: open, created: false };
    }
    // A newer analysis replaces the open card: its buttons then say "out of date".
    if (open && (await autonomy.proposals.decide(open.id, 'superseded', 'system')).ok) await notifier.autonomyProposal?.(open.id, 'superseded');
    const { proposal, created } = await autonomy.proposals.create({ subject: 'anneal', data: { kind: 'anneal', analysis, policy_version: version }, fingerprint: analysis.fingerprint, by });
    if (open && created) await autonomy.proposals.setSupersededBy(open.id, proposal.id);
    if (created) {
      await audit.append({ actor: by, action: 'autonomy.anneal.proposed', subject: 'anneal', details: { proposal: proposal.id, before: analysis.before, after: analysis.after, tier_changes: analysis.tier_changes } });
      await notifier.autonomyProposal?.(proposal.id, 'open');
    }
    return { kind: 'proposed', proposal, created };
  }

  return {
    analyse,
    propose,

    /** **Apply**: refused when the outcomes or the policy changed since the card; the first click changes the weights once. */
    async apply(id: string, by: string): Promise<ProposalOutcome> {
      const proposal = await autonomy.proposals.get(id);
      if (!proposal || proposal.data.kind !== 'anneal') return { kind: 'not_found' };
      if (proposal.status !== 'open') return { kind: 'already_decided', proposal };
      const current = await analyse(proposal.data.analysis.window);
      const stale = 'problem' in current || current.analysis.fingerprint !== proposal.fingerprint || current.version !== proposal.data.policy_version;
      if (stale) {
        const superseded = await autonomy.proposals.decide(id, 'superseded', 'system');
        if (superseded.ok) await notifier.autonomyProposal?.(id, 'superseded');
        const next = await propose('system');
        const why = next.kind === 'proposed' ? 'see the new proposal' : next.kind === 'policy_invalid' ? next.problem : next.kind === 'no_change' ? 'the new outcomes propose no change' : (next.analysis.not_enough_data ?? '');
        if (next.kind === 'proposed' && superseded.ok) await autonomy.proposals.setSupersededBy(id, next.proposal.id);
        return { kind: 'out_of_date', next: next.kind === 'proposed' ? next.proposal : null, why };
      }
      const decided = await autonomy.proposals.decide(id, 'applied', by);
      if (!decided.ok) return decided.reason === 'not_found' ? { kind: 'not_found' } : { kind: 'already_decided', proposal: decided.proposal };
      const { analysis } = proposal.data;
      deps.policy.invalidate();
      const read = await deps.policy.read();
      const outcome = read.ok
        ? await changePolicy(deps, { next: { ...read.stored.policy, icp: { ...read.stored.policy.icp, weights: analysis.after } }, by, expectedVersion: proposal.data.policy_version, confirmed: true })
        : null;
      if (outcome?.kind !== 'changed') {
        // The policy moved (or broke) between the check and the change: this card is out of date after all.
        await autonomy.proposals.markSuperseded(id);
        await notifier.autonomyProposal?.(id, 'superseded');
        return { kind: 'out_of_date', next: null, why: `the policy changed meanwhile (${outcome?.kind ?? 'invalid'}); run /caio anneal again` };
      }
      const entry: AppliedAnneal = { proposal: id, by, at: now().toISOString(), before: analysis.before, after: analysis.after, from_version: outcome.before?.version ?? null, to_version: outcome.after.version };
      await autonomyStore.recordAppliedAnneal(entry);
      await audit.append({
        actor: by,
        action: 'autonomy.anneal.applied',
        subject: 'anneal',
        details: { proposal: id, before: analysis.before, after: analysis.after, from_version: entry.from_version, to_version: entry.to_version, tier_changes: analysis.tier_changes },
      });
      await notifier.autonomyProposal?.(id, 'applied');
      return { kind: 'done', proposal: decided.proposal };
    },

    dismiss: (id: string, by: string) => autonomy.dismiss(id, by),

    /** Restores the weights before the last applied proposal, if nobody changed them since. */
    async revert(by: string): Promise<RevertOutcome> {
      const last = await autonomyStore.lastAppliedAnneal();
      if (!last) return { kind: 'nothing_to_revert' };
      const { entry } = last;
      deps.policy.invalidate();
      const read = await deps.policy.read();
      if (!read.ok) return { kind: 'refused', why: read.problem };
      if (JSON.stringify(read.stored.policy.icp.weights) !== JSON.stringify(entry.after)) return { kind: 'weights_changed_since', entry, version: read.stored.version };
      const next = { ...read.stored.policy, icp: { ...read.stored.policy.icp, weights: entry.before } };
      const outcome = await changePolicy(deps, { next, by, expectedVersion: read.stored.version, confirmed: true });
      if (outcome.kind !== 'changed') return { kind: 'refused', why: `the policy did not change (${outcome.kind})` };
      await autonomyStore.forgetAppliedAnneal(last.stored);
      await audit.append({ actor: by, action: 'autonomy.anneal.reverted', subject: 'anneal', details: { proposal: entry.proposal, before: entry.after, after: entry.before, to_version: outcome.after.version } });
      return { kind: 'reverted', entry, version: outcome.after.version };
    },
  };
}

export type Annealing = ReturnType<typeof createAnnealing>;

/** The ISO week of a day, e.g. 2026-W07: the weekly anneal runs once per week cluster-wide. */
export function isoWeek(at: Date): string {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const weekday = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** How often a worker looks whether this week's anneal has run (one process runs it per week). */
const WATCH_MS = 3_600_000;

/** The weekly self-annealing: every worker process looks hourly; the first to claim the week runs it. */
export function startAnnealWatch(deps: AutonomyDeps): { close(): Promise<void> } {
  const annealing = createAnnealing(deps);
  const autonomyStore = createAutonomyStore(deps.redis, deps.keys);
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = (async () => {
      if (!(await autonomyStore.claimAnnealWeek(isoWeek(new Date()), new Date().toISOString()))) return;
      const run = await annealing.propose('system:weekly');
      deps.logger.info({ result: run.kind }, 'weekly self-annealing ran');
    })()
      .catch(async (err: unknown) => {
        deps.logger.warn({ err }, 'weekly self-annealing failed: the next hour tries again');
        await autonomyStore.releaseAnnealWeek(isoWeek(new Date())).catch(() => undefined);
      })
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, WATCH_MS);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
