import type { Redis } from 'ioredis';
import type { GateDay, UtcDay, UtcMonth } from './days.ts';
import { safeId } from './queue.ts';
import type { Stage } from './types.ts';

/**
 * Every Redis key CAIO uses, under one prefix so tests and tenants never collide. BullMQ's own
 * keys live under the same prefix (its `prefix` option), so one SCAN cleans everything up.
 * Built once by the composition root (src/context.ts); everything else takes it from there.
 * The strings are the schema of a live Redis: renaming one orphans the data under it.
 * Daily keys take a GateDay or a UtcDay (core/days.ts): the type names which "today" a counter
 * counts in. (The strings stay as they were: a renamed send counter would start today at zero
 * on upgrade and let a second cap's worth of emails out.)
 */
export function createKeys(prefix: string) {
  const k = (...parts: string[]) => [prefix, ...parts].join(':');
  return {
    prefix,
    runs: k('runs'),
    run: (runId: string) => k('run', runId),
    runSet: (runId: string, name: string) => k('run', runId, 'set', name),
    runStageSet: (runId: string, stage: Stage, what: string) => k('run', runId, stage, what),
    lead: (ref: string) => k('lead', ref),
    approval: (id: string) => k('approval', id),
    approvalsPending: k('approvals', 'pending'),
    stopFlag: k('control', 'stop'),
    /** The cluster's safety policy (version, policy JSON, who, when). */
    policy: k('control', 'policy'),
    policyInvalidAlerted: (id: string) => k('control', 'policy', 'invalid', id),
    /** Written by a running service (role, providers, when): a sandbox run refuses a prefix that has it. */
    service: k('control', 'service'),
    suppressed: k('suppressed'),
    /** Emails sent on one day in the safety policy's zone (GateDay): the daily cap's counter. */
    sendCount: (day: GateDay) => k('sends', 'day', day),
    firstSendDay: k('sends', 'first_day'),
    sendIdempotency: (key: string) => k('sends', 'key', key),
    /** How often a lead's send job was queued again after stalling out (bounded). */
    sendStallRetries: (ref: string) => k('sends', 'stall_retries', ref),
    shadowEmails: k('shadow', 'emails'),
    shadowIdempotency: (key: string) => k('shadow', 'key', key),
    audit: k('audit'),
    clayWait: (ref: string) => k('clay', 'wait', ref),
    clayResult: (ref: string) => k('clay', 'result', ref),
    clayLate: k('clay', 'late'),
    claySubmitted: (ref: string) => k('clay', 'submitted', ref),
    cadenceLinkedInAdded: (ref: string) => k('cadence', 'linkedin', ref),
    /** A cadence step already shifted for one out-of-office event (a retried event shifts it once). */
    cadenceShifted: (jobId: string, eventId: string) => k('cadence', 'shifted', jobId, safeId(eventId)),
    /** Held by the process that runs the sweeper this round, per provider mode. */
    sweeperLock: (providers: string) => k('sweeper', 'lock', providers),
    /** Leads whose remaining cadence was stopped (reply, bounce, unsubscribe), by ref, with the reason. */
    cadenceStoppedRefs: k('cadence', 'stopped-refs'),
    /** HeyReach said the lead accepted the connection request (the LinkedIn message steps need it). */
    linkedinAccepted: (ref: string) => k('cadence', 'linkedin', ref, 'accepted'),
    /** Leads CAIO really mailed, by address and by LinkedIn URL: how a reply finds its lead. */
    leadByEmail: k('leads', 'by-email'),
    leadByLinkedIn: k('leads', 'by-linkedin'),
    /** A pipeline lead's GoHighLevel tags (the upsert replaces them all, so the full set is kept here). */
    leadTags: (ref: string) => k('lead', ref, 'ghl-tags'),
    /** One reply from a lead, with its Slack message and the outcome a person chose. */
    reply: (id: string) => k('reply', id),
    betterContactRequest: (ref: string) => k('bettercontact', 'request', ref),
    breaker: (provider: string) => k('breaker', provider),
    breakerProbe: (provider: string) => k('breaker', provider, 'probe'),
    rateLimit: (provider: string) => k('ratelimit', provider),
    /** A provider budget's usage in one UTC day or month (credits reset at midnight UTC). */
    creditUsage: (budget: string, period: UtcDay | UtcMonth) => k('credits', budget, period),
    creditWarned: (budget: string, period: UtcDay | UtcMonth) => k('credits', budget, period, 'warned'),
    /** The LLM crafter: tokens, money and zones per day and per run, the daily budget's warning. */
    crafter: crafterKeys(prefix),
    clayWebhookCount: (webhookId: string) => k('clay', 'webhook', webhookId, 'count'),
    clayWebhookWarned: (webhookId: string) => k('clay', 'webhook', webhookId, 'warned'),
    sandboxInstantly: k('sandbox', 'instantly'),
    sandboxInstantlyKeys: k('sandbox', 'instantly', 'keys'),
    /** The sandbox campaign's leads by address (an Instantly lead lookup answers from it). */
    sandboxInstantlyCampaign: k('sandbox', 'instantly', 'campaign'),
    sandboxGhl: k('sandbox', 'ghl'),
    sandboxHeyReach: k('sandbox', 'heyreach'),
    sandboxBetterContact: (id: string) => k('sandbox', 'bettercontact', id),
    /** The Slack control plane. */
    slack: slackKeys(prefix),
    /** The webhook receiver. Identifiers in these keys are hashed or normalised by the callers. */
    webhooks: webhookKeys(prefix),
    /** LinkedIn senders: each lead's sender and every sender's connection-request counters. */
    linkedin: linkedinKeys(prefix),
    /** The provider campaigns: preflight, pause/activate at the providers, provider-side sends (DESIGN §9). */
    campaign: campaignKeys(prefix),
    /** Autonomy graduation (issue 12): KPI counters per day, campaign and segment; proposals; annealing. */
    autonomy: autonomyKeys(prefix),
  };
}

function campaignKeys(prefix: string) {
  const k = (...parts: string[]) => [prefix, 'campaign', ...parts].join(':');
  return {
    /** The last preflight result (JSON), shared by every process. */
    preflight: k('preflight'),
    /** Signature of the failing checks last alerted: one CRITICAL alert until the result changes. */
    preflightAlerted: k('preflight', 'alerted'),
    /** Held while one process reads the campaign, so a stale result is refreshed once, not by every worker. */
    preflightLock: k('preflight', 'lock'),
    /** The daily_limit a process is writing to the campaign (`{campaign}|{cap}`, short-lived): one writer at a time. */
    dailyLimitSynced: k('daily-limit'),
    /** Wanted and confirmed pause/activate of one provider's campaign. */
    control: (provider: string) => k('control', provider),
    /** Ids of the email_sent events of our campaign per day (the gate's time zone), across all steps: a set, so a redelivery counts once. */
    providerSends: (day: GateDay) => k('sent', day),
    /** Set once the provider-side total passed the cap that day (one pause, one alert). */
    capPaused: (day: GateDay) => k('cap-paused', day),
    /** The sandbox providers' campaigns (Instantly's definition and status, HeyReach's status). */
    sandboxInstantly: k('sandbox', 'instantly'),
    sandboxHeyReach: k('sandbox', 'heyreach'),
  };
}

function slackKeys(prefix: string) {
  const k = (...parts: string[]) => [prefix, 'slack', ...parts].join(':');
  return {
    /** A slash command's trigger_id, remembered so a retry starts nothing. */
    trigger: (triggerId: string) => k('trigger', triggerId),
    /** The alert thread of one provider's circuit breaker: channel, ts, opened_at. */
    breakerThread: (provider: string) => k('breaker', provider, 'thread'),
    /** Transitions waiting to be posted, in the order they happened. */
    breakerEvents: (provider: string) => k('breaker', provider, 'events'),
    breakerSeen: k('breaker', 'seen'),
    /** Short locks so two processes never post the same parent or run message twice. */
    lock: (name: string) => k('lock', name),
    /** Set once a message of an outbox job is posted, so a retry does not post it again. */
    posted: (jobId: string) => k('posted', jobId),
    /** A signed request already handled (hash of its timestamp and signature): a replay is ignored. */
    replay: (requestHash: string) => k('replay', requestHash),
  };
}

function crafterKeys(prefix: string) {
  const k = (...parts: string[]) => [prefix, 'crafter', ...parts].join(':');
  return {
    /** Counters of one UTC day: tokens, cost, calls, zones, who wrote the emails, budget reservations. */
    day: (day: UtcDay) => k('day', day),
    /** Set once the day's budget was reached (one WARNING a day). */
    warned: (day: UtcDay) => k('day', day, 'warned'),
    /** The same counters for one run. */
    run: (runId: string) => k('run', runId),
    /** A lead's crafted sequence, kept briefly so a retried craft job never pays for it twice. */
    result: (ref: string) => k('result', ref),
  };
}

function linkedinKeys(prefix: string) {
  const k = (...parts: string[]) => [prefix, 'linkedin', ...parts].join(':');
  const sender = (id: string, ...parts: string[]) => k('sender', safeId(id), ...parts);
  return {
    /** Each lead's sender (ref → sender id), kept for life. */
    senderOf: k('sender-of'),
    /** The round-robin turn counter for new leads. */
    roundRobin: k('round-robin'),
    /** A sender's connection requests on one cadence day (day number since the epoch). */
    senderDay: (id: string, day: number) => sender(id, 'day', String(day)),
    /** A sender's connection requests of the rolling week (lead refs by time). */
    senderWeek: (id: string) => sender(id, 'week'),
    /** When a sender was first used (ms): its ramp weeks count from there. */
    senderFirst: (id: string) => sender(id, 'first'),
  };
}

function webhookKeys(prefix: string) {
  const k = (...parts: string[]) => [prefix, 'wh', ...parts].join(':');
  return {
    /** Idempotency marker of one accepted event (route + event id). */
    seen: (route: string, eventId: string) => k('seen', route, eventId),
    visitor: (id: string) => k('visitor', id),
    visitorPages: (id: string) => k('visitor', id, 'pages'),
    visitorDays: (id: string) => k('visitor', id, 'days'),
    visitorDay: (id: string, day: string) => k('visitor', id, 'day', day),
    visitorEntered: (id: string) => k('visitor', id, 'entered'),
    visitorByEmail: (email: string) => k('visitor', 'by-email', email),
    visitorByLinkedIn: (url: string) => k('visitor', 'by-linkedin', url),
    timeline: (email: string) => k('instantly', 'timeline', email),
    kpiDay: (day: UtcDay) => k('kpi', 'day', day),
    kpiCampaign: (campaignId: string) => k('kpi', 'campaign', campaignId),
    kpiCampaigns: k('kpi', 'campaigns'),
    recentSends: k('instantly', 'recent-sends'),
    bouncedAddresses: k('instantly', 'bounced'),
    /** Addresses whose cadence was stopped (reply, bounce, unsubscribe), with the reason. */
    cadenceStopped: k('cadence', 'stopped'),
    /** Webhook requests from one client address in one rate-limit window. */
    rateLimit: (ip: string, window: string) => k('ratelimit', ip, window),
  };
}

function autonomyKeys(prefix: string) {
  const k = (...parts: string[]) => [prefix, 'autonomy', ...parts].join(':');
  return {
    /** Counters of one UTC day, fields `{segment}|{metric}` and `all|{metric}`: decisions, email events, interventions. */
    day: (day: UtcDay) => k('day', day),
    /** The same counters per Instantly campaign (email events and positive replies). */
    campaign: (campaignId: string) => k('campaign', campaignId),
    /** The same counters since CAIO started counting. */
    total: k('total'),
    /** Each segment's decisions since it last lost auto-approval: what earns it (again). */
    earning: k('earning'),
    /** Segments that auto-approve: segment → JSON (who enabled it, when, counters at that moment). */
    enabled: k('enabled'),
    /** Segments whose proposal was dismissed: segment → decisions counted then (no new card before min_decisions more). */
    dismissed: k('dismissed'),
    /** Runs that really sent an email (a production run). */
    runsWithSends: k('runs-with-sends'),
    /** The first UTC day anything was counted: the days-without-intervention streak starts there. */
    firstDay: k('first-day'),
    /** UTC days with an intervention (stop, manual resume, rejected or edited email, CRITICAL alert), scored by the day's epoch ms. */
    interventions: k('interventions'),
    /** One lead's ICP features, segment and outcomes (mailed, replied, positive, bounced), for self-annealing. */
    lead: (ref: string) => k('lead', ref),
    /** Those leads by the time they reached approval (ms). */
    leads: k('leads'),
    /** Marker of an event already counted, so a redelivery or retry counts once. */
    counted: (id: string) => k('counted', id),
    /** A proposal card: a segment's auto-approval or new ICP weights. */
    proposal: (id: string) => k('proposal', id),
    /** The open proposal of one subject (a segment, or `anneal`): one card waits at a time. */
    openProposal: (subject: string) => k('open-proposal', subject),
    /** Leads really mailed (first email_sent), scored by when: how much the annealing has to learn from. */
    mailed: k('mailed'),
    /** The last time a person applied or dismissed a weight proposal (the feedback loop is validated). */
    annealReviewed: k('anneal', 'reviewed'),
    /** Weight changes applied from proposals, newest first (`caio anneal --revert` undoes the newest). */
    annealHistory: k('anneal', 'history'),
    /** Set by the process that runs the weekly anneal of an ISO week (one per cluster). */
    annealWeek: (week: string) => k('anneal', 'week', week),
  };
}

export type Keys = ReturnType<typeof createKeys>;
export type SlackKeys = Keys['slack'];
export type WebhookKeys = Keys['webhooks'];
export type CampaignKeys = Keys['campaign'];
export type AutonomyKeys = Keys['autonomy'];

/** Deletes every key under a prefix (tests clean up after themselves; never FLUSHALL). */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (found.length > 0) await redis.del(...found);
  } while (cursor !== '0');
}
