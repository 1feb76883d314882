import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24h)');
const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

/** `to` <= `from` crosses midnight: 22:00-06:00 runs overnight and belongs to the day it opens. */
const sendWindowSchema = z
  .strictObject({
    days: z.array(weekday).min(1).prefault(['mon', 'tue', 'wed', 'thu', 'fri']),
    from: hhmm,
    to: hhmm,
    timezone: z.string().refine(isValidTimeZone, 'unknown IANA time zone').prefault('UTC'),
  })
  // Equal ends are ambiguous (never, or all day?) and were silently "never": refused instead.
  .refine((w) => w.from !== w.to, { path: ['to'], message: 'must differ from "from" (a window that closes when it opens never sends)' });

const warmupSchema = z.strictObject({
  /** Daily cap on day 1, 2, 3 … since the first real send; the last value holds after the ramp. */
  // A 0 would hold every send, and the ramp only advances once something is sent: it would stall forever.
  ramp: z.array(z.number().int().min(1, 'must be a whole number of at least 1 (a day capped at 0 never sends, so the ramp never advances)')).min(1),
});

export const safetySchema = z.strictObject({
  shadow_mode: z.boolean().prefault(true),
  actually_send: z.boolean().prefault(false),
  max_daily_sends: z.number().int().min(0).prefault(0),
  auto_approve: z.boolean().prefault(false),
  send_window: sendWindowSchema.nullable().prefault(null),
  warmup: warmupSchema.nullable().prefault(null),
  /** Cluster-wide ceiling on send-stage jobs per minute, so a resume never releases a burst. */
  send_rate_per_minute: z.number().int().min(1).prefault(30),
  /** Time zone for the daily send counter when no send window is configured. */
  timezone: z.string().refine(isValidTimeZone, 'unknown IANA time zone').prefault('UTC'),
});

export const icpSchema = z.strictObject({
  weights: z
    .strictObject({
      title: z.number().min(0).prefault(30),
      seniority: z.number().min(0).prefault(20),
      industry: z.number().min(0).prefault(20),
      company_size: z.number().min(0).prefault(20),
      signals: z.number().min(0).prefault(10),
    })
    .prefault({}),
  target_titles: z
    .array(z.string().min(1))
    .prefault(['sales', 'revenue', 'growth', 'business development', 'sdr', 'bdr', 'go-to-market', 'gtm']),
  target_industries: z
    .array(z.string().min(1))
    .prefault(['computer software', 'software', 'saas', 'information technology', 'internet', 'financial services']),
  company_size: z
    .strictObject({
      ideal_min: z.number().int().min(1).prefault(50),
      ideal_max: z.number().int().min(1).prefault(1000),
    })
    .prefault({}),
  tiers: z
    .strictObject({ A: z.number().min(0).max(100).prefault(75), B: z.number().min(0).max(100).prefault(55), C: z.number().min(0).max(100).prefault(35) })
    .prefault({}),
});

const pipelineSchema = z.strictObject({
  default_leads: z.number().int().min(1).max(10_000).prefault(25),
  concurrency: z.number().int().min(1).max(500).prefault(20),
  /** Scrapes in flight per worker: each walks Apollo's pages and holds the run's lead list. */
  scrape_concurrency: z.number().int().min(1).max(50).prefault(2),
  attempts: z.number().int().min(1).max(50).prefault(5),
  backoff_ms: z.number().int().min(10).prefault(2_000),
  clay_timeout_ms: z.number().int().min(100).prefault(5 * 60_000),
  bettercontact_timeout_ms: z.number().int().min(100).prefault(10 * 60_000),
  bettercontact_poll_ms: z.number().int().min(10).prefault(5_000),
  /** Job lock; a worker that dies is noticed (its jobs taken over) after about this long. */
  lock_ms: z.number().int().min(500).prefault(30_000),
  /**
   * How often a job may stall (its worker died holding it) and still be retried; one more stall
   * fails it, and the failure is routed to the lead like any other. Every stage is safe to re-run,
   * so this only stops a job that keeps killing its worker (BullMQ's default of 1 failed leads
   * after two ordinary crashes or deploy kills).
   */
  max_stalled: z.number().int().min(0).max(100).prefault(3),
  /** How often the sweeper looks for leads stranded after approval (one process sweeps at a time). */
  sweep_ms: z.number().int().min(100).prefault(60_000),
  /** Completed jobs are kept this long so a duplicate add with the same id stays a no-op. */
  keep_jobs_s: z.number().int().min(60).prefault(7 * 24 * 3600),
  /** Ask BetterContact for a phone number too (a paid add-on) for the day-3 call task. */
  call_task_phone: z.boolean().prefault(false),
});

const cadenceSchema = z.strictObject({
  /** Schedule the LinkedIn steps and the call task of the 21-day plan after the first email. */
  enabled: z.boolean().prefault(true),
  /** Length of a cadence "day"; only tests and demos shorten it. */
  day_ms: z.number().int().min(1).prefault(86_400_000),
  /** Cadence steps in flight per worker (LinkedIn adds and call notices). */
  concurrency: z.number().int().min(1).max(100).prefault(5),
  /** An out-of-office auto-reply moves the lead's remaining cadence steps this many days later. */
  auto_reply_shift_days: z.number().int().min(0).max(60).prefault(3),
});

/**
 * LinkedIn sender safety (DESIGN §9): connection requests per sender, counted cluster-wide.
 * LinkedIn restricts accounts above roughly 20-25 requests a day and 100 a week.
 */
const linkedinSchema = z.strictObject({
  daily_connection_cap: z
    .number()
    .int()
    .min(1)
    .max(25, 'must be at most 25 (LinkedIn restricts accounts that send more connection requests a day)')
    .prefault(20),
  /** Per sender over any rolling 7 days. */
  weekly_connection_cap: z.number().int().min(1).max(200, 'must be at most 200 connection requests a week').prefault(100),
  /** A new sender's daily cap in its 1st, 2nd, 3rd… week of use by CAIO; the daily cap applies after. */
  ramp: z.array(z.number().int().min(1, 'must be a whole number of at least 1 (a week capped at 0 never starts)')).max(52).prefault([5, 10, 15, 20]),
});

const sandboxSchema = z.strictObject({
  seed: z.number().int().prefault(42),
  clay_callback_delay_ms: z.number().int().min(0).prefault(200),
  bettercontact_ready_after_polls: z.number().int().min(0).prefault(1),
});

const rateLimitSchema = (max: number, per_ms: number) =>
  z.strictObject({ max: z.number().int().min(1).prefault(max), per_ms: z.number().int().min(1).prefault(per_ms) }).prefault({});

const budgetSchema = (daily: number | null, monthly: number | null) =>
  z
    .strictObject({
      /** null = no cap for that period. */
      daily: z.number().int().min(0).nullable().prefault(daily),
      monthly: z.number().int().min(0).nullable().prefault(monthly),
    })
    .prefault({});

const sourceFilterSchema = (filters: { titles: string[]; seniorities: string[]; employee_ranges: string[]; keywords: string | null }) =>
  z
    .strictObject({
      titles: z.array(z.string().min(1)).prefault(filters.titles),
      seniorities: z.array(z.string().min(1)).prefault(filters.seniorities),
      /** Apollo's "min,max" employee ranges, e.g. "51,200". */
      employee_ranges: z.array(z.string().regex(/^\d+,\d+$/, 'expected "min,max"')).prefault(filters.employee_ranges),
      keywords: z.string().min(1).nullable().prefault(filters.keywords),
      locations: z.array(z.string().min(1)).prefault([]),
    })
    .prefault({});

/** Live provider settings: limits, breakers, timeouts, credit budgets, search filters (issue 4). */
const providersSchema = z.strictObject({
  timeout_ms: z.number().int().min(50).prefault(15_000),
  retry: z
    .strictObject({
      attempts: z.number().int().min(1).max(10).prefault(4),
      base_ms: z.number().int().min(1).prefault(500),
      max_ms: z.number().int().min(1).prefault(20_000),
      /** A Retry-After longer than this is not slept on in-process: the job parks instead. */
      max_retry_after_ms: z.number().int().min(0).prefault(30_000),
    })
    .prefault({}),
  breaker: z
    .strictObject({
      failures: z.number().int().min(1).prefault(5),
      window_ms: z.number().int().min(100).prefault(60_000),
      cooldown_ms: z.number().int().min(50).prefault(30_000),
    })
    .prefault({}),
  /** Cluster-wide request rates (the providers' published limits, or below them). */
  limits: z
    .strictObject({
      apollo: rateLimitSchema(50, 60_000),
      clay: rateLimitSchema(100, 60_000),
      bettercontact: rateLimitSchema(100, 60_000),
      instantly: rateLimitSchema(100, 1_000),
      ghl: rateLimitSchema(100, 10_000),
      heyreach: rateLimitSchema(300, 60_000),
      /** The crafter's model API (Anthropic's lowest tier allows 50 requests a minute). */
      llm: rateLimitSchema(50, 60_000),
    })
    .prefault({}),
  /** A call that would wait longer than this for a rate-limit slot parks its job instead. */
  max_limit_wait_ms: z.number().int().min(0).prefault(20_000),
  /** The Instantly campaign is read and checked at least this often while CAIO sends (DESIGN §9). */
  preflight_interval_ms: z.number().int().min(100).prefault(10 * 60_000),
  /** A send parked by a failing preflight looks again after this long. */
  preflight_recheck_ms: z.number().int().min(50).prefault(15_000),
  /** How often the campaign's daily_limit is compared with the effective cap (and a lost pause/activate re-queued). */
  campaign_sync_ms: z.number().int().min(50).prefault(5_000),
  /** Pause/activate at Instantly and HeyReach is retried this many times (backoff doubling up to the max) before a CRITICAL alert. */
  control_attempts: z.number().int().min(1).max(100_000).prefault(500),
  control_backoff_ms: z.number().int().min(10).prefault(1_000),
  control_backoff_max_ms: z.number().int().min(10).prefault(60_000),
  budgets: z
    .strictObject({
      apollo_reveals: budgetSchema(600, 10_000),
      clay_credits: budgetSchema(5_000, 50_000),
      bettercontact_lookups: budgetSchema(1_000, 10_000),
    })
    .prefault({}),
  /** Clay credits per lead row, by enrichment column. */
  clay_costs: z
    .strictObject({ email: z.number().int().min(0).prefault(4), validation: z.number().int().min(0).prefault(1), company: z.number().int().min(0).prefault(8) })
    .prefault({}),
  /** Clay caps each inbound webhook at 50,000 submissions for its lifetime. */
  clay_webhook_limit: z.number().int().min(1).prefault(50_000),
  clay_warn_ratio: z.number().min(0).max(1).prefault(0.8),
  sources: z
    .strictObject({
      default: sourceFilterSchema({
        titles: ['VP Sales', 'Head of Sales', 'Director of Sales', 'Head of Growth', 'VP Revenue'],
        seniorities: ['vp', 'head', 'director'],
        employee_ranges: ['51,200', '201,500', '501,1000'],
        keywords: 'saas',
      }),
      competitor_gong: sourceFilterSchema({
        titles: ['VP Sales', 'Head of Revenue Operations', 'Director of Sales Enablement', 'CRO'],
        seniorities: ['c_suite', 'vp', 'head', 'director'],
        employee_ranges: ['51,200', '201,500', '501,1000', '1001,5000'],
        keywords: 'gong',
      }),
      event_saastr: sourceFilterSchema({
        titles: ['Founder', 'CEO', 'CRO', 'VP Sales', 'Head of Growth'],
        seniorities: ['owner', 'founder', 'c_suite', 'vp'],
        employee_ranges: ['11,50', '51,200', '201,500'],
        keywords: 'saastr',
      }),
      website_visitor: sourceFilterSchema({ titles: [], seniorities: [], employee_ranges: [], keywords: null }),
    })
    .prefault({}),
});

/** A share between 0 and 1 (a rate threshold); anything else is refused naming the field. */
const share = (fallback: number) => z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').prefault(fallback);
/** A count: a whole number, never negative. */
const count = (fallback: number) => z.number().int('must be a whole number').min(0, 'must not be negative').prefault(fallback);

/**
 * Autonomy graduation (issue 12): the KPI gates CAIO must pass before it may run with less
 * supervision, auto-approval earned per segment (source x ICP tier), and the self-annealing ICP weights.
 */
const autonomySchema = z.strictObject({
  /** Production runs with real sends. */
  min_runs: count(10),
  /** Share of approval decisions not rejected (edits count as matches). */
  min_icp_match_rate: share(0.8),
  min_open_rate: share(0.5),
  min_reply_rate: share(0.08),
  /** The bounce rate must stay below this. */
  max_bounce_rate: share(0.05),
  /** Consecutive whole days without a stop, a manual resume, a rejected or edited email or a CRITICAL alert. */
  min_days_without_intervention: count(3),
  /** The rate gates look at this many days (UTC) up to today. */
  window_days: z.number().int('must be a whole number').min(1, 'must be at least 1').max(400).prefault(30),
  /** Below these sample sizes a gate says "not enough data" instead of passing or failing. */
  min_sample_decisions: count(50),
  min_sample_sends: count(100),
  /** A segment is proposed for auto-approval after this many decisions since it last lost it ... */
  min_decisions: count(50),
  /** ... with at least this share approved unedited. */
  min_clean_rate: share(0.95),
  /** An auto-approving segment's bounce and reply rates are judged after this many sends since it was enabled. */
  segment_min_sends: count(50),
  anneal: z
    .strictObject({
      /** Largest change of one weight per proposal, as a share of the weight (0.2 = +-20% a week). */
      max_change: share(0.2),
      /** Outcomes (leads really mailed) of this many days are compared. */
      window_days: z.number().int('must be a whole number').min(1, 'must be at least 1').max(400).prefault(30),
      /** No proposal from fewer mailed leads than this. */
      min_leads: count(100),
      /** Leads needed on each side of a feature (has it / has not) before it is judged. */
      min_group: count(10),
      /** How sure the difference in reply rates must be (two-proportion z score) before a weight moves. */
      min_z: z.number().min(0, 'must not be negative').prefault(1.96),
    })
    .prefault({}),
});

/** Slack control plane (issue 3): outbox queue, run-message throttle, dedupe windows. */
const slackSchema = z.strictObject({
  /** Run messages are updated at most once per this interval (pipeline progress is coalesced). */
  run_update_interval_ms: z.number().int().min(50).prefault(1_500),
  /** Attempts and backoff of the Slack outbox (a 429 waits Retry-After without using an attempt). */
  outbox_attempts: z.number().int().min(1).max(50).prefault(8),
  outbox_backoff_ms: z.number().int().min(10).prefault(2_000),
  outbox_concurrency: z.number().int().min(1).max(50).prefault(4),
  /** An identical alert within this window is posted once. */
  alert_dedupe_s: z.number().int().min(1).prefault(600),
  /** How long a slash command's trigger_id is remembered, so a retried /caio run starts nothing. */
  trigger_dedupe_s: z.number().int().min(60).prefault(3_600),
  /** Largest Slack request body read before the signature check (Slack's own payloads are far smaller). */
  max_body_bytes: z.number().int().min(1024).max(10 * 1024 * 1024).prefault(1024 * 1024),
});

/** Inbound webhooks (issue 5): body limit, idempotency window, KPIs, bounce auto-pause, visitor intent. */
const webhooksSchema = z.strictObject({
  max_body_bytes: z.number().int().min(1024).max(10 * 1024 * 1024).prefault(1024 * 1024),
  /** A redelivered event within this window is answered as a duplicate and counted once. */
  dedupe_ttl_s: z.number().int().min(60).prefault(7 * 24 * 3600),
  worker_concurrency: z.number().int().min(1).max(500).prefault(20),
  /** Events kept per lead in its Instantly timeline (oldest dropped first). */
  timeline_max_events: z.number().int().min(1).prefault(200),
  /** Webhook requests one client IP may make per window, across all web replicas (429 past it). */
  rate_limit: z
    .strictObject({
      max: z.number().int().min(1).prefault(6000),
      per_ms: z.number().int().min(1000).prefault(60_000),
      /** Load balancers in front of CAIO whose X-Forwarded-For is believed (0: the socket's address counts). */
      proxy_hops: z.number().int().min(0).max(10).prefault(0),
    })
    .prefault({}),
  bounce: z
    .strictObject({
      /** Auto-pause when bounces among the last `window_sends` sends exceed this fraction. */
      max_rate: z.number().min(0).max(1).prefault(0.05),
      window_sends: z.number().int().min(1).prefault(100),
      /** Too few sends make a rate meaningless (one bounce in two sends is not a trend). */
      min_sends: z.number().int().min(1).prefault(20),
    })
    .prefault({}),
  visitors: z
    .strictObject({
      /** Intent score (0-100) from which a website visitor enters the pipeline. */
      intent_threshold: z.number().min(0).max(100).prefault(60),
      high_intent_paths: z.array(z.string().min(1)).prefault(['/pricing', '/demo', '/book-a-demo', '/contact-sales', '/trial']),
      weights: z
        .strictObject({
          pages: z.number().min(0).prefault(20),
          repeat_visits: z.number().min(0).prefault(20),
          high_intent: z.number().min(0).prefault(30),
          icp_fit: z.number().min(0).prefault(30),
        })
        .prefault({}),
      /** Distinct pages that earn the full pages component. */
      pages_for_full_points: z.number().int().min(1).prefault(5),
      /** Distinct visit days that earn the full repeat-visit component. */
      visits_for_full_points: z.number().int().min(2).prefault(3),
    })
    .prefault({}),
});

/**
 * The LLM crafter (issue 13): off unless LLM_API_KEY is set; templates write every email it does not.
 * Budgets are per UTC day across the cluster (null: no cap); prices are USD per million tokens.
 */
const crafterSchema = z.strictObject({
  /** false keeps the crafter off even with LLM_API_KEY set. */
  enabled: z.boolean().prefault(true),
  model: z.string().min(1).prefault('claude-sonnet-4-5'),
  max_tokens: z.number().int().min(256).max(64_000).prefault(2_000),
  temperature: z.number().min(0).max(1).prefault(0.4),
  /** The model's context window in tokens: the context zones are measured against it. */
  context_window: z.number().int().min(1_000).prefault(200_000),
  /** One request's time limit; a stalled answer is retried, then the template writes the email. */
  timeout_ms: z.number().int().min(100).prefault(60_000),
  /** Attempts per request (429 and 5xx retried by the shared HTTP client). */
  attempts: z.number().int().min(1).max(10).prefault(3),
  /** How long a lead may wait for the model's rate limit (parked, no worker held) before the template writes it. */
  max_wait_ms: z.number().int().min(0).prefault(10 * 60_000),
  /** Longest model-written body (the unsubscribe footer is added after). */
  max_body_chars: z.number().int().min(200).max(4_000).prefault(1_500),
  budget: z
    .strictObject({
      daily_tokens: z.number().int().min(0).nullable().prefault(2_000_000),
      daily_usd: z.number().min(0).nullable().prefault(20),
    })
    .prefault({}),
  prices: z
    .strictObject({
      input_per_mtok: z.number().min(0).prefault(3),
      output_per_mtok: z.number().min(0).prefault(15),
    })
    .prefault({}),
  /** Prompt files (see config/prompts/README.md), relative to the working directory. */
  prompts_dir: z.string().min(1).prefault('config/prompts'),
});

/** The config file: every field has a default and unknown fields are errors. */
export const fileConfigSchema = z.strictObject({
  safety: safetySchema.prefault({}),
  icp: icpSchema.prefault({}),
  pipeline: pipelineSchema.prefault({}),
  sandbox: sandboxSchema.prefault({}),
  cadence: cadenceSchema.prefault({}),
  linkedin: linkedinSchema.prefault({}),
  autonomy: autonomySchema.prefault({}),
  slack: slackSchema.prefault({}),
  providers: providersSchema.prefault({}),
  webhooks: webhooksSchema.prefault({}),
  crafter: crafterSchema.prefault({}),
});

export type FileConfig = z.infer<typeof fileConfigSchema>;
export type SafetyConfig = z.infer<typeof safetySchema>;
export type AutonomyConfig = FileConfig['autonomy'];
export type IcpConfig = z.infer<typeof icpSchema>;
export type PipelineConfig = FileConfig['pipeline'];
export type SlackConfig = FileConfig['slack'];
export type SendWindow = NonNullable<SafetyConfig['send_window']>;
export type WarmupConfig = NonNullable<SafetyConfig['warmup']>;
export type ProvidersConfig = FileConfig['providers'];
export type WebhooksConfig = FileConfig['webhooks'];
export type LinkedInConfig = FileConfig['linkedin'];
export type CrafterConfig = FileConfig['crafter'];

const flag = z
  .string()
  .optional()
  .transform((v) => v === '1' || v?.toLowerCase() === 'true');
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined));
const url = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v && v.trim() !== '' ? v.trim() : fallback))
    .pipe(z.url());

/** The environment variables of DESIGN §3. */
export const envSchema = z.object({
  REDIS_URL: optionalString,
  CAIO_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
    .optional()
    .transform((v) => v ?? 'caio'),
  PORT: z.coerce.number().int().min(0).max(65535).prefault('3000'),
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: url('https://slack.com/api/'),
  SLACK_APPROVAL_CHANNEL: optionalString,
  SLACK_ALERT_CHANNEL: optionalString,
  /** Where reply alerts go; unset → the approval channel. */
  SLACK_REPLIES_CHANNEL: optionalString,
  CAIO_APPROVERS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  CAIO_PROVIDERS: z.enum(['sandbox', 'live']).optional().transform((v) => v ?? 'sandbox'),
  APOLLO_API_KEY: optionalString,
  APOLLO_BASE_URL: url('https://api.apollo.io'),
  CLAY_WORKBOOK_WEBHOOK_URL: optionalString,
  CLAY_WEBHOOK_URL: optionalString,
  CLAY_WEBHOOK_TOKEN: optionalString,
  BETTERCONTACT_API_KEY: optionalString,
  BETTERCONTACT_BASE_URL: url('https://app.bettercontact.rocks/api/v2'),
  INSTANTLY_API_KEY: optionalString,
  INSTANTLY_BASE_URL: url('https://api.instantly.ai/api/v2'),
  INSTANTLY_CAMPAIGN_ID: optionalString,
  GHL_API_KEY: optionalString,
  GHL_BASE_URL: url('https://services.leadconnectorhq.com'),
  GHL_LOCATION_ID: optionalString,
  HEYREACH_API_KEY: optionalString,
  HEYREACH_BASE_URL: url('https://api.heyreach.io/api/public'),
  HEYREACH_CAMPAIGN_ID: optionalString,
  /** LinkedIn account ids of the HeyReach senders, comma-separated; each lead keeps one for life. */
  HEYREACH_SENDER_IDS: z
    .string()
    .optional()
    .transform((v) => [...new Set((v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''))]),
  WEBHOOK_SECRET: optionalString,
  EMERGENCY_STOP: flag,
  /** Where the embedded Redis (REDIS_URL unset) keeps its data: AOF, so a restart loses nothing. */
  CAIO_DATA_DIR: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() !== '' ? v.trim() : './data')),
  /** 1/true: start even on a Redis whose maxmemory-policy may evict keys (jobs, idempotency keys). */
  CAIO_ALLOW_EVICTION: flag,
  /** The crafter's model API key (Anthropic Messages-compatible); unset → the crafter is off. */
  LLM_API_KEY: optionalString,
  LLM_BASE_URL: url('https://api.anthropic.com'),
  /** Bearer token (or ?token=) for /admin/queues and /metrics; unset → no queue view, /metrics on loopback only. */
  ADMIN_TOKEN: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().transform((v) => v ?? 'info'),
});

export type EnvConfig = z.infer<typeof envSchema>;

/** The whole configuration: the file's settings plus the environment. */
export interface Config extends FileConfig {
  env: EnvConfig;
  /** The file the settings came from (for messages). */
  file: string;
}

/** A configuration problem that names where it is; the process exits 2 with this message. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function describeIssues(where: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const parent = issue.path.map(String);
      if (issue.code === 'unrecognized_keys') {
        const fields = issue.keys.map((key) => [...parent, key].join('.'));
        return `invalid config in ${where}: unknown field ${fields.map((f) => `"${f}"`).join(', ')}`;
      }
      const path = parent.length > 0 ? parent.join('.') : '(root)';
      return `invalid config in ${where}: field "${path}": ${issue.message}`;
    })
    .join('\n');
}

/** Validates settings already read from a file (merged over the defaults by the schema). */
export function parseFileConfig(raw: unknown, where: string): FileConfig {
  const result = fileConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(describeIssues(where, result.error));
  return result.data;
}

/**
 * Validates safety settings alone (defaults fill what they leave out), for field errors in a form:
 * error keys are dotted paths within `safety`, e.g. `send_window.to` or `warmup.ramp.0`.
 */
export function validateSafety(raw: unknown): { ok: true; value: SafetyConfig } | { ok: false; errors: Record<string, string> } {
  const result = safetySchema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const parent = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors[[...parent, key].join('.')] ??= 'unknown field';
    } else {
      // The first problem of a field is the one to show next to it.
      errors[parent.length > 0 ? parent.join('.') : '(root)'] ??= issue.message;
    }
  }
  return { ok: false, errors };
}

/** Validates the environment variables. */
export function parseEnv(env: NodeJS.ProcessEnv): EnvConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) throw new ConfigError(describeIssues('the environment', result.error));
  return result.data;
}

/**
 * Loads `CAIO_CONFIG` (default config/production.json), merges it over the defaults and applies
 * the environment. Throws ConfigError naming the file and field on any problem.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const file = env.CAIO_CONFIG && env.CAIO_CONFIG.trim() !== '' ? env.CAIO_CONFIG : 'config/production.json';
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`invalid config in ${file}: not valid JSON: ${(err as Error).message}`);
  }
  const settings = parseFileConfig(raw, file);
  return { ...settings, env: parseEnv(env), file };
}

/** Builds a config from partial settings, for tests and benchmarks that need no file. */
export function buildConfig(settings: unknown = {}, env: NodeJS.ProcessEnv = {}): Config {
  return { ...parseFileConfig(settings, 'inline settings'), env: parseEnv(env), file: 'inline settings' };
}

/**
 * Loads `.env` (or `CAIO_ENV_FILE`) into the environment when the file exists, with Node's own
 * parser; a variable already set in the environment wins. Returns the file loaded, if any.
 */
export function loadEnvFile(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | null {
  const file = resolve(cwd, env.CAIO_ENV_FILE && env.CAIO_ENV_FILE.trim() !== '' ? env.CAIO_ENV_FILE.trim() : '.env');
  if (!existsSync(file)) return null;
  try {
    process.loadEnvFile(file);
  } catch (err) {
    throw new ConfigError(`cannot read the environment file ${file}: ${(err as Error).message}`);
  }
  return file;
}
