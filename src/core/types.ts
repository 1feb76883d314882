/** The six pipeline stages, in order. */
export const STAGES = ['scrape', 'enrich', 'segment', 'craft', 'approve', 'send'] as const;
export type Stage = (typeof STAGES)[number];

/** Sources a run can be started from; each has its own filters and templates. */
export const SOURCES = ['default', 'competitor_gong', 'event_saastr', 'website_visitor'] as const;
export type Source = (typeof SOURCES)[number];

export type RunStatus = 'running' | 'awaiting_approval' | 'completed' | 'stopped' | 'failed';

/**
 * A person as a provider returns them. Every enrichment field may be null: real data is messy
 * and nothing downstream may assume a value is there.
 */
export interface Person {
  /** Provider id, made only of letters, digits, `_` and `-` (it becomes part of BullMQ job ids). */
  id: string;
  first_name: string | null;
  last_name: string | null;
  title: string | null;
  /** Apollo-style seniority: owner, founder, c_suite, partner, vp, head, director, manager, senior, entry, intern. */
  seniority: string | null;
  email: string | null;
  email_status: string | null;
  linkedin_url: string | null;
  company_name: string | null;
  company_domain: string | null;
  industry: string | null;
  employee_count: number | null;
  /** Buying signals, e.g. `hiring_sdrs`, `recent_funding`, `uses_competitor`, `event_attendee`, `visited_pricing`. */
  signals: string[];
}

/** Which enrichment tier produced the email, or `unenriched`. */
export type EnrichedBy = 'apollo' | 'clay' | 'bettercontact' | 'provided' | 'unenriched';

export type IcpTier = 'A' | 'B' | 'C' | 'disqualified';

/** One explainable part of an ICP score. */
export interface ScoreComponent {
  /** title | seniority | industry | company_size | signals */
  name: string;
  points: number;
  max: number;
  /** Human-readable reason, shown in Slack, e.g. "VP-level title (VP Sales)". */
  reason: string;
}

export interface IcpScore {
  score: number;
  tier: IcpTier;
  components: ScoreComponent[];
}

/** A personalised fragment of an email and the lead field it came from (null = no source: flagged). */
export interface Fragment {
  text: string;
  field: keyof Person | null;
}

/** One email of a lead's sequence as approved and sent: Instantly's step N gets exactly this. */
export interface EmailStep {
  subject: string;
  body: string;
}

export interface CraftedEmail extends EmailStep {
  fragments: Fragment[];
  template: string;
}

/** One crafted email of the five-email sequence, with its place in the cadence. */
export interface SequenceEmail extends CraftedEmail {
  /** 1-based email step (the Instantly campaign's step N). */
  step: number;
  /** Cadence day it goes out on (1, 5, 10, 17, 21). */
  day: number;
}

/** How full the model's context window is for one request (SMART < 40% < CAUTION < 60% < DUMB <= 80% < CRITICAL). */
export type ContextZone = 'SMART' | 'CAUTION' | 'DUMB' | 'CRITICAL';

/** Why the templates wrote a sequence while the crafter was on. */
export type CraftFallback = 'budget' | 'breaker_open' | 'rate_limited' | 'provider_error' | 'invalid_answer' | 'context_critical';

/** Something in a model-written email that the lead's fields do not support. */
export interface GroundingProblem {
  /** 1-based email step. */
  step: number;
  /** The exact text in the email (flagged on the card). */
  text: string;
  reason: string;
}

/** Who wrote a lead's sequence, and how (stored with the lead; the card and auto-approval read it). */
export interface CraftInfo {
  author: 'model' | 'template';
  /** Set when the templates wrote it although the crafter is on. */
  fallback: CraftFallback | null;
  /** False: written by the model with unsupported claims; auto-approval never applies to it. */
  grounded: boolean;
  problems: GroundingProblem[];
  model: string | null;
  /** The zone of each request made (or refused) for this lead, in order. */
  zones: ContextZone[];
  /** The prompt files' version and hash (config/prompts). */
  prompt: { version: string; hash: string } | null;
  usage: { calls: number; input_tokens: number; output_tokens: number; cost_usd: number };
}

export type CadenceChannel = 'email' | 'linkedin' | 'call';

export interface CadenceStep {
  day: number;
  channel: CadenceChannel;
  /** 1-based step number within its channel (email step 1 is the first email). */
  step: number;
  action: string;
}

/** Which providers a run was started with: its leads are worked only by workers of the same mode. */
export type ProviderMode = 'sandbox' | 'live';

/** The lead record stored in Redis for one run. */
export interface Lead extends Person {
  /** `{runId}-{id}`: unique across runs, used in job ids, approval ids and Clay's lead_id. */
  ref: string;
  runId: string;
  source: Source;
  /** The provider mode of the run that created it (absent on leads written before modes were recorded). */
  providers?: ProviderMode;
  enriched_by?: EnrichedBy;
  /** A phone number an enrichment tier returned (E.164 when the provider gives it); null or absent: none on file. */
  phone?: string | null;
  icp?: IcpScore;
  /** Email step 1 (the same as `email_sequence[0]`); leads crafted before sequences have only this. */
  email_draft?: CraftedEmail;
  /** Every email of the cadence, steps 1-5, as crafted (the approval holds what was approved). */
  email_sequence?: SequenceEmail[];
  /** Who wrote the sequence when the LLM crafter is on (absent: the templates, crafter off). */
  craft?: CraftInfo;
  cadence?: CadenceStep[];
  state: LeadState;
  updated_at: string;
}

export type LeadState =
  | 'scraped'
  | 'enriched'
  | 'unenriched'
  | 'segmented'
  | 'disqualified'
  | 'crafted'
  | 'awaiting_approval'
  | 'approved'
  | 'rejected'
  | 'held'
  | 'sent'
  | 'shadowed'
  | 'skipped'
  | 'failed';
