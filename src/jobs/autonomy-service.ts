import { createHash } from 'node:crypto';
import { utcDay } from '../core/days.ts';
import type { Approval } from '../core/approvals.ts';
import { evaluateGates, revocationReason, segmentEarned, kpisOf, type AutonomyReport, type SegmentRow } from '../core/autonomy.ts';
import { createProposals, type Proposal } from '../core/autonomy-proposals.ts';
import { createAutonomyStore, type EnabledSegment } from '../core/autonomy-store.ts';
import { featureFractions } from '../core/icp-score.ts';
import { KPI_FIELD } from '../core/kpis.ts';
import { ALL, countPositiveReply, createSegmentKpis, daysEnding, metricOf, segmentOf, sumCounters, type Counters } from '../core/segment-kpis.ts';
import type { Lead } from '../core/types.ts';
import type { PipelineDeps } from './deps.ts';

export type AutonomyDeps = Pick<PipelineDeps, 'config' | 'redis' | 'keys' | 'audit' | 'notifier' | 'emergency' | 'logger' | 'policy'>;

const DAY_MS = 86_400_000;

export type { EnabledSegment } from '../core/autonomy-store.ts';

/** Everything /caio autonomy, App Home and `caio autonomy` show, read at one moment. */
export interface AutonomyView {
  at: string;
  window_days: number;
  report: AutonomyReport;
  segments: SegmentRow[];
  /** The counters of each of the last 14 days (oldest first), for the trends. */
  trend: { day: string; counters: Counters }[];
}

/** Who decided an email without a person: the sandbox's global switch or an auto-approving segment. */
export const isAutoDecider = (by: string | null): boolean => by === 'auto_approve' || (by?.startsWith('autonomy:') ?? false);

/** The actor of a segment's auto-approvals, e.g. `autonomy:competitor_gong/A`. */
export const autonomyActor = (segment: string): string => `autonomy:${segment}`;

/** Outcome of Enable or Dismiss on a segment proposal. */
export type ProposalOutcome =
  | { kind: 'done'; proposal: Proposal }
  | { kind: 'already_decided'; proposal: Proposal }
  | { kind: 'not_found' }
  /** The data changed since the card: refused; `next` is the new proposal (null: it no longer qualifies, `why`). */
  | { kind: 'out_of_date'; next: Proposal | null; why: string };

const TREND_DAYS = 14;

/**
 * Autonomy graduation (issue 12, points 1-3): counts decisions and email events per segment,
 * evaluates the gates, proposes auto-approval to a segment that earned it, enables it once,
 * and revokes it (posted and audited) when the segment's numbers turn.
 */
export function createAutonomy(deps: AutonomyDeps, now: () => Date = () => new Date()) {
  const { redis, keys, audit, notifier, logger } = deps;
  const cfg = deps.config.autonomy;
  const kpis = createSegmentKpis(redis, keys);
  const proposals = createProposals(redis, keys);
  const autonomyStore = createAutonomyStore(redis, keys);

  const enabledSegments = (): Promise<Record<string, EnabledSegment>> => autonomyStore.enabledSegments();

  async function view(at = now()): Promise<AutonomyView> {
    const days = daysEnding(at, Math.max(cfg.window_days, TREND_DAYS));
    const annealFrom = at.getTime() - cfg.anneal.window_days * DAY_MS;
    const [dayCounters, runs, interventions, stop, enabled, earning, mailed, reviewed] = await Promise.all([
      kpis.readDays(days),
      kpis.runsWithSends(),
      kpis.interventions(),
      deps.emergency.state(),
      enabledSegments(),
      kpis.readEarning(),
      kpis.mailedBetween(annealFrom, at.getTime()),
      autonomyStore.annealReviewed(),
    ]);
    const window = sumCounters(dayCounters.slice(-cfg.window_days));
    const report = evaluateGates({
      config: cfg,
      window,
      runsWithSends: runs,
      interventions,
      stopped: stop.stopped,
      today: utcDay(at),
      annealing: { mailed, reviewed },
    });
    const ids = new Set([...Object.keys(window), ...Object.keys(earning), ...Object.keys(enabled)]);
    ids.delete(ALL);
    const segments: SegmentRow[] = [...ids]
      .map((segment) => {
        const earned = segmentEarned(cfg, earning, segment, report);
        const on = enabled[segment];
        return { segment, decisions: earned.decisions, clean: earned.clean, clean_rate: earned.clean_rate, kpis: kpisOf(window, segment), enabled: on ? { by: on.by, at: on.at } : null };
      })
      .sort((a, b) => b.decisions - a.decisions || a.segment.localeCompare(b.segment));
    const trend = days.slice(-TREND_DAYS).map((day, i) => ({ day, counters: dayCounters[dayCounters.length - TREND_DAYS + i] ?? {} }));
    return { at: at.toISOString(), window_days: cfg.window_days, report, segments, trend };
  }

  function fingerprint(segment: string, earning: Counters, allPass: boolean): string {
    const parts = [segment, metricOf(earning, segment, 'approved'), metricOf(earning, segment, 'edited'), metricOf(earning, segment, 'rejected'), allPass];
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
  }

  /** Posts a proposal for the segment when it earned one and none is open (null: not earned, with why). */
  async function propose(segment: string, by: string): Promise<{ proposal: Proposal | null; why: string }> {
    if (await autonomyStore.isEnabled(segment)) return { proposal: null, why: 'it already auto-approves' };
    const open = await proposals.open(segment);
    if (open) return { proposal: open, why: 'a proposal is open' };
    const earning = await kpis.readEarning();
    // The cheap checks first: the gates read a month of counters.
    const quick = segmentEarned(cfg, earning, segment, { allPass: true });
    if (!quick.earned) return { proposal: null, why: quick.why };
    const dismissedAt = await autonomyStore.dismissedAt(segment);
    if (dismissedAt !== null && quick.decisions < dismissedAt + cfg.min_decisions) {
      return { proposal: null, why: `dismissed at ${dismissedAt} decisions: proposed again after ${dismissedAt + cfg.min_decisions}` };
    }
    const { report } = await view();
    const earned = segmentEarned(cfg, earning, segment, report);
    if (!earned.earned) return { proposal: null, why: earned.why };
    const { proposal, created } = await proposals.create({
      subject: segment,
      data: { kind: 'segment', segment, decisions: earned.decisions, clean: earned.clean },
      fingerprint: fingerprint(segment, earning, report.allPass),
      by,
    });
    if (created) {
      await audit.append({ actor: by, action: 'autonomy.proposed', subject: segment, details: { proposal: proposal.id, decisions: earned.decisions, clean: earned.clean } });
      await notifier.autonomyProposal?.(proposal.id, 'open');
    }
    return { proposal, why: earned.why };
  }

  /** Takes a segment's auto-approval away (once), resets what it earned, posts and audits why. */
  async function revoke(segment: string, reason: string, by = 'system'): Promise<boolean> {
    if (!(await autonomyStore.disable(segment))) return false;
    await kpis.resetEarning(segment);
    // It earns it from zero: an earlier Dismiss no longer holds a new proposal back.
    await autonomyStore.clearDismissal(segment);
    await audit.append({ actor: by, action: 'autonomy.revoked', subject: segment, details: { reason } });
    await notifier.alert('WARNING', `Auto-approval of ${segment} revoked: ${reason}. A person approves its emails again; it can earn auto-approval anew.`, { segment, reason });
    return true;
  }

  async function checkRevocation(segment: string): Promise<void> {
    const state = await autonomyStore.enabledSegment(segment);
    if (!state) return;
    const reason = revocationReason(cfg, await kpis.readTotal(), segment, state.baseline);
    if (reason) await revoke(segment, reason);
  }

  const autonomy = {
    kpis,
    proposals,
    view,
    enabledSegments,
    propose,
    revoke,

    /** Whether this lead's sequence is auto-approved by its segment (never one the crafter flagged ungrounded). */
    async autoApproves(lead: Lead): Promise<string | null> {
      // The AI crafter's flag (issue 13), read loosely: a lead written before it has none.
      if ((lead as { craft?: { grounded?: boolean } }).craft?.grounded === false) return null;
      const segment = segmentOf(lead);
      return (await autonomyStore.isEnabled(segment)) ? segment : null;
    },

    /**
     * After a decision applied: counts it for the lead's segment; a person's reject revokes the
     * segment's auto-approval; a person's decision may earn the segment a proposal.
     */
    async onDecision(approval: Approval, lead: Lead | null): Promise<void> {
      if (!lead || approval.status === 'pending') return;
      const segment = segmentOf(lead);
      const auto = isAutoDecider(approval.decided_by);
      await kpis.recordDecision(segment, auto ? 'auto' : approval.status);
      if (auto) return;
      if (approval.status === 'rejected') await revoke(segment, `${approval.decided_by ?? 'an approver'} rejected one of its emails (${approval.id})`);
      await propose(segment, 'system').catch((err: unknown) => logger.warn({ err, segment }, 'could not check the segment for an auto-approval proposal'));
    },

    /** An Instantly event: counted for the lead's segment, day and campaign; an auto-approving segment's rates are checked. */
    async onEmailEvent(event: { eventId: string; email: string; type: keyof typeof KPI_FIELD; at: string; campaignId: string | null }): Promise<void> {
      const metric = KPI_FIELD[event.type];
      const lead = await kpis.segmentForEmail(event.email);
      const segment = lead?.segment ?? 'unknown';
      const counted = await kpis.recordEmailEvent({ eventId: `instantly-${event.eventId}`, segment, metric, day: utcDay(event.at), campaignId: event.campaignId, ref: lead?.recorded ? lead.ref : null });
      if (metric === 'sent' && lead?.runId) await kpis.recordRunWithSends(lead.runId);
      if (counted && lead && (metric === 'sent' || metric === 'bounced' || metric === 'replied')) await checkRevocation(segment);
    },

    /** A person marked a reply Interested: one positive reply for its lead's segment and campaign. */
    onPositiveReply: (reply: { id: string; ref: string; campaign_id: string | null }) => countPositiveReply(kpis, reply, now()),

    /** The lead's segment and ICP features as it reaches approval: its outcomes are counted and learnt from. */
    async recordLead(lead: Lead): Promise<void> {
      const icp = await deps.policy.icp();
      if (!icp) return;
      await kpis.recordLead({ ref: lead.ref, runId: lead.runId, segment: segmentOf(lead), features: featureFractions(lead, icp), at: now() });
    },

    /** **Enable** on a segment proposal: refused when out of date; the first click enables it once. */
    async enable(id: string, by: string): Promise<ProposalOutcome> {
      const proposal = await proposals.get(id);
      if (!proposal || proposal.data.kind !== 'segment') return { kind: 'not_found' };
      if (proposal.status !== 'open') return { kind: 'already_decided', proposal };
      const segment = proposal.data.segment;
      const earning = await kpis.readEarning();
      const { report } = await view();
      if (fingerprint(segment, earning, report.allPass) !== proposal.fingerprint) {
        const superseded = await proposals.decide(id, 'superseded', 'system');
        const next = await propose(segment, 'system');
        if (superseded.ok) {
          if (next.proposal) await proposals.setSupersededBy(id, next.proposal.id);
          await notifier.autonomyProposal?.(id, 'superseded');
        }
        return { kind: 'out_of_date', next: next.proposal, why: next.why };
      }
      const decided = await proposals.decide(id, 'enabled', by);
      if (!decided.ok) return decided.reason === 'not_found' ? { kind: 'not_found' } : { kind: 'already_decided', proposal: decided.proposal };
      const total = await kpis.readTotal();
      const state: EnabledSegment = {
        by,
        at: now().toISOString(),
        proposal: id,
        baseline: { sent: metricOf(total, segment, 'sent'), bounced: metricOf(total, segment, 'bounced'), replied: metricOf(total, segment, 'replied') },
      };
      if (await autonomyStore.enable(segment, state)) {
        await audit.append({ actor: by, action: 'autonomy.enabled', subject: segment, details: { proposal: id, decisions: proposal.data.decisions, clean: proposal.data.clean } });
      }
      await notifier.autonomyProposal?.(id, 'enabled');
      return { kind: 'done', proposal: decided.proposal };
    },

    /** **Dismiss** on any proposal: the first click wins; a dismissed segment is not proposed again before min_decisions more decisions. */
    async dismiss(id: string, by: string): Promise<ProposalOutcome> {
      const decided = await proposals.decide(id, 'dismissed', by);
      if (!decided.ok) return decided.reason === 'not_found' ? { kind: 'not_found' } : { kind: 'already_decided', proposal: decided.proposal };
      const { data } = decided.proposal;
      if (data.kind === 'segment') await autonomyStore.recordDismissal(data.segment, data.decisions);
      else await autonomyStore.recordAnnealReview({ by, at: now().toISOString(), action: 'dismissed', proposal: id });
      await audit.append({ actor: by, action: data.kind === 'segment' ? 'autonomy.dismissed' : 'autonomy.anneal.dismissed', subject: decided.proposal.subject, details: { proposal: id } });
      await notifier.autonomyProposal?.(id, 'dismissed');
      return { kind: 'done', proposal: decided.proposal };
    },
  };
  return autonomy;
}

export type Autonomy = ReturnType<typeof createAutonomy>;
