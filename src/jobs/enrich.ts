import type { Job } from 'bullmq';
import type { EnrichedBy, Lead, Person } from '../core/types.ts';
import { parsePerson } from '../providers/person-schema.ts';
import type { ClayCallback, EmailFound } from '../providers/types.ts';
import type { PipelineDeps } from './deps.ts';
import type { LeadJobData } from './queues.ts';
import { parkOnDeferred } from './park-on-deferred.ts';
import { finishLead, handOn, runLeadStage } from './stage-runner.ts';
import { park, waitWhileStopped } from '../core/queue.ts';
import { cleanPhone } from '../core/phone.ts';
import { createEnrichmentMarkers } from '../core/enrichment-markers.ts';

/** Where a lead's enrichment is between wake-ups; kept in the job's data so a crash loses nothing. */
export interface EnrichJobData extends LeadJobData {
  phase?: 'start' | 'clay_wait' | 'bettercontact_poll';
  deadline?: number;
  requestId?: string;
  polls?: number;
}

/** A parked wait re-checks at least this often, so a missed wake-up costs seconds, not the timeout. */
const RECHECK_MS = 15_000;
const MAX_POLL_GAP_MS = 60_000;

const ENRICHABLE_FIELDS = ['first_name', 'last_name', 'title', 'company_name', 'company_domain', 'linkedin_url', 'industry', 'employee_count'] as const;

/** Fills only the fields the lead is missing; enrichment never overwrites what we had. */
export function fillMissing(lead: Lead, found: Partial<Person> | undefined): Partial<Lead> {
  const patch: Partial<Lead> = {};
  if (!found) return patch;
  for (const field of ENRICHABLE_FIELDS) {
    const value = found[field];
    if ((lead[field] === null || lead[field] === undefined) && value !== null && value !== undefined) {
      (patch as Record<string, unknown>)[field] = value;
    }
  }
  return patch;
}

/** Turns a Clay callback into a found email (or null), tolerating nulls and odd counts. */
export function clayResultToEmail(payload: ClayCallback): EmailFound | null {
  const status = payload.email_status?.toLowerCase() ?? null;
  if (!payload.email || status === 'invalid' || status === 'not_found') return null;
  const person = parsePerson({ id: 'clay', ...payload, email: payload.email });
  return { email: payload.email.trim(), email_status: status, patch: person, phone: cleanPhone(payload.phone) };
}

/**
 * Enrich: Apollo People Match → Clay (post the row, park until the callback or the timeout) →
 * BetterContact (submit, poll with backoff) → unenriched. Waiting never holds a worker slot.
 */
export function createEnrichProcessor(deps: PipelineDeps) {
  const { providers, config } = deps;
  const markers = createEnrichmentMarkers(deps.redis, deps.keys);

  async function finish(lead: Lead, by: EnrichedBy, found: EmailFound | null): Promise<void> {
    if (by === 'unenriched' || !found) {
      await finishLead(deps, lead, 'enrich', 'dropped', { state: 'unenriched', enriched_by: 'unenriched' });
      return;
    }
    const phone = lead.phone ?? found.phone ?? null;
    await handOn(deps, lead, 'enrich', 'segment', { ...fillMissing(lead, found.patch), email: found.email, email_status: found.email_status, enriched_by: by, state: 'enriched', ...(phone ? { phone } : {}) });
  }

  async function startClay(job: Job<EnrichJobData>, token: string | undefined, lead: Lead): Promise<void> {
    if (!providers.clay) return startBetterContact(job, token, lead);
    const deadline = Date.now() + config.pipeline.clay_timeout_ms;
    // The wait marker goes first so a callback that beats our park still counts as on time.
    await markers.openClayWait(lead.ref, deadline, config.pipeline.clay_timeout_ms);
    const firstSubmit = await markers.claimClaySubmit(lead.ref);
    // A failed submit (e.g. breaker open) clears the marker so the retry submits again.
    if (firstSubmit) await providers.clay.submit(lead).catch(async (err: unknown) => { await markers.releaseClaySubmit(lead.ref); throw err; });
    await job.updateData({ ...job.data, phase: 'clay_wait', deadline });
    return waitForClay(job, token, lead);
  }

  async function waitForClay(job: Job<EnrichJobData>, token: string | undefined, lead: Lead): Promise<void> {
    const raw = await markers.clayResult(lead.ref);
    if (raw) {
      await markers.closeClayWait(lead.ref);
      const found = clayResultToEmail(JSON.parse(raw) as ClayCallback);
      return found ? finish(lead, 'clay', found) : startBetterContact(job, token, lead);
    }
    const deadline = job.data.deadline ?? 0;
    if (Date.now() < deadline) return park(job, token, Math.min(deadline, Date.now() + RECHECK_MS));
    // Timed out: close the wait atomically with a last look, so a result is either used now or recorded as late.
    const last = await markers.closeClayWaitWithLastLook(lead.ref);
    if (last) {
      const found = clayResultToEmail(JSON.parse(last) as ClayCallback);
      if (found) return finish(lead, 'clay', found);
    }
    deps.logger.info({ lead: lead.ref }, 'clay timed out; trying BetterContact');
    return startBetterContact(job, token, lead);
  }

  async function startBetterContact(job: Job<EnrichJobData>, token: string | undefined, lead: Lead): Promise<void> {
    if (!providers.bettercontact) return finish(lead, 'unenriched', null);
    await waitWhileStopped(job, token, deps);
    // BetterContact's submit is not idempotent: remember the request id before anything else can fail.
    let requestId = await markers.betterContactRequest(lead.ref);
    if (!requestId) {
      requestId = (await providers.bettercontact.submit(lead)).requestId;
      await markers.rememberBetterContactRequest(lead.ref, requestId);
    }
    const deadline = Date.now() + config.pipeline.bettercontact_timeout_ms;
    await job.updateData({ ...job.data, phase: 'bettercontact_poll', deadline, requestId, polls: 0 });
    return park(job, token, Date.now() + config.pipeline.bettercontact_poll_ms);
  }

  async function pollBetterContact(job: Job<EnrichJobData>, token: string | undefined, lead: Lead): Promise<void> {
    if (!providers.bettercontact || !job.data.requestId) return finish(lead, 'unenriched', null);
    await waitWhileStopped(job, token, deps);
    const result = await providers.bettercontact.poll(job.data.requestId);
    if (result.done) {
      return result.email ? finish(lead, 'bettercontact', { email: result.email, email_status: result.email_status, phone: result.phone ?? null }) : finish(lead, 'unenriched', null);
    }
    if (Date.now() >= (job.data.deadline ?? 0)) return finish(lead, 'unenriched', null);
    const polls = (job.data.polls ?? 0) + 1;
    await job.updateData({ ...job.data, polls });
    const gap = Math.min(config.pipeline.bettercontact_poll_ms * 2 ** polls, MAX_POLL_GAP_MS);
    return park(job, token, Date.now() + gap);
  }

  return async (job: Job<EnrichJobData>, token?: string): Promise<void> => {
    await runLeadStage('enrich', job, deps, (lead) => parkOnDeferred(job, token, async () => {
      switch (job.data.phase ?? 'start') {
        case 'clay_wait':
          return waitForClay(job, token, lead);
        case 'bettercontact_poll':
          return pollBetterContact(job, token, lead);
        case 'start': {
          // A retry after a crash that followed success: only the hand-off is repeated.
          if (lead.enriched_by && lead.enriched_by !== 'unenriched') return finish(lead, lead.enriched_by, { email: lead.email ?? '', email_status: lead.email_status });
          if (lead.email) return finish(lead, 'provided', { email: lead.email, email_status: lead.email_status });
          await waitWhileStopped(job, token, deps);
          const found = await providers.apollo.matchPerson(lead);
          if (found) return finish(lead, 'apollo', found);
          return startClay(job, token, lead);
        }
      }
    }), { token });
  };
}
