import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AnnealProposal } from './anneal.ts';
import type { Keys } from './keys.ts';

/**
 * Proposals CAIO posts for a person to decide (issue 12, points 3 and 4): a segment's
 * auto-approval, or new ICP weights. One proposal per subject waits at a time; the first decision
 * wins (two approvers clicking at once decide it once); a proposal whose data changed is
 * superseded by a new one instead of being applied.
 */

export type ProposalStatus = 'open' | 'enabled' | 'applied' | 'dismissed' | 'superseded';

/** What a segment proposal rests on. */
export interface SegmentProposalData {
  kind: 'segment';
  segment: string;
  decisions: number;
  clean: number;
}

/** What a weight proposal rests on: the analysis and the policy version it was made against. */
export interface AnnealProposalData {
  kind: 'anneal';
  analysis: AnnealProposal;
  policy_version: number | null;
}

export type ProposalData = SegmentProposalData | AnnealProposalData;

export interface Proposal {
  id: string;
  /** The segment, or `anneal`. */
  subject: string;
  status: ProposalStatus;
  data: ProposalData;
  /** Hash of the data: recomputed at the click, a difference means "out of date". */
  fingerprint: string;
  created_at: string;
  created_by: string;
  decided_by: string | null;
  decided_at: string | null;
  /** Set when superseded: the proposal that replaced it. */
  superseded_by: string | null;
  slack_channel: string | null;
  slack_ts: string | null;
}

export type DecideResult = { ok: true; proposal: Proposal } | { ok: false; reason: 'not_found' } | { ok: false; reason: 'already_decided'; proposal: Proposal };

/** Proposals are kept this long (the card's buttons answer "no longer exists" after). */
const RETENTION_S = 90 * 24 * 3600;

export const PROPOSAL_ID = /^ap_[a-f0-9]{16}$/;

export interface Proposals {
  get(id: string): Promise<Proposal | null>;
  /** The subject's open proposal, if any. */
  open(subject: string): Promise<Proposal | null>;
  /**
   * Creates the subject's proposal unless one is open already (then returns that one,
   * `created: false`): two processes seeing the same data post one card.
   */
  create(input: { subject: string; data: ProposalData; fingerprint: string; by: string }): Promise<{ proposal: Proposal; created: boolean }>;
  /** Records the first decision; a later one gets the first back. Closes the subject's open slot. */
  decide(id: string, status: Exclude<ProposalStatus, 'open'>, by: string, supersededBy?: string): Promise<DecideResult>;
  setSlackMessage(id: string, channel: string, ts: string): Promise<void>;
  /** Names the proposal that replaced a superseded one (made after the decision, so set apart from it). */
  setSupersededBy(id: string, nextId: string): Promise<void>;
  /** A decided proposal whose change could not be made after all (the policy moved): superseded instead. */
  markSuperseded(id: string): Promise<void>;
}

function toProposal(hash: Record<string, string>): Proposal | null {
  if (!hash.id || !hash.data) return null;
  return {
    id: hash.id,
    subject: hash.subject ?? '',
    status: (hash.status ?? 'open') as ProposalStatus,
    data: JSON.parse(hash.data) as ProposalData,
    fingerprint: hash.fingerprint ?? '',
    created_at: hash.created_at ?? '',
    created_by: hash.created_by ?? '',
    decided_by: hash.decided_by ?? null,
    decided_at: hash.decided_at ?? null,
    superseded_by: hash.superseded_by ?? null,
    slack_channel: hash.slack_channel ?? null,
    slack_ts: hash.slack_ts ?? null,
  };
}

export function createProposals(redis: Redis, keys: Pick<Keys, 'autonomy'>): Proposals {
  const k = keys.autonomy;
  const proposals: Proposals = {
    async get(id) {
      return PROPOSAL_ID.test(id) ? toProposal(await redis.hgetall(k.proposal(id))) : null;
    },
    async open(subject) {
      const id = await redis.get(k.openProposal(subject));
      const found = id ? await proposals.get(id) : null;
      return found?.status === 'open' ? found : null;
    },
    async create({ subject, data, fingerprint, by }) {
      const id = `ap_${randomBytes(8).toString('hex')}`;
      // The subject's slot first (NX): whoever takes it writes the one proposal.
      const taken = await redis.set(k.openProposal(subject), id, 'EX', RETENTION_S, 'NX');
      if (taken !== 'OK') {
        const existing = await proposals.open(subject);
        if (existing) return { proposal: existing, created: false };
        // The slot names a decided proposal (a crash between decide and freeing it): take it over.
        await redis.set(k.openProposal(subject), id, 'EX', RETENTION_S);
      }
      const fields = { id, subject, status: 'open', data: JSON.stringify(data), fingerprint, created_at: new Date().toISOString(), created_by: by };
      await redis.multi().hset(k.proposal(id), fields).expire(k.proposal(id), RETENTION_S).exec();
      return { proposal: toProposal(fields)!, created: true };
    },
    async decide(id, status, by, supersededBy) {
      const key = k.proposal(id);
      if (!(await redis.exists(key))) return { ok: false, reason: 'not_found' };
      // HSETNX is the first-click-wins: exactly one caller sets decided_by.
      const first = await redis.hsetnx(key, 'decided_by', by);
      if (first === 0) {
        const current = await proposals.get(id);
        return current ? { ok: false, reason: 'already_decided', proposal: current } : { ok: false, reason: 'not_found' };
      }
      await redis.hset(key, { status, decided_at: new Date().toISOString(), ...(supersededBy ? { superseded_by: supersededBy } : {}) });
      const proposal = await proposals.get(id);
      if (!proposal) return { ok: false, reason: 'not_found' };
      // Frees the subject's slot only if it still names this proposal.
      if ((await redis.get(k.openProposal(proposal.subject))) === id) await redis.del(k.openProposal(proposal.subject));
      return { ok: true, proposal };
    },
    async setSlackMessage(id, channel, ts) {
      await redis.hset(k.proposal(id), { slack_channel: channel, slack_ts: ts });
    },
    async setSupersededBy(id, nextId) {
      await redis.hset(k.proposal(id), 'superseded_by', nextId);
    },
    async markSuperseded(id) {
      await redis.hset(k.proposal(id), 'status', 'superseded');
    },
  };
  return proposals;
}
