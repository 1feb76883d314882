import type { Job } from 'bullmq';
import { ProviderDeferredError } from '../core/http-client.ts';
import type { Lead, Person } from '../core/types.ts';
import type { PipelineDeps } from './deps.ts';
import type { ScrapeJobData } from './queues.ts';
import { parkIfOtherMode } from './stage-runner.ts';
import { park, waitWhileStopped } from '../core/queue.ts';

const MAX_PAGE_SIZE = 100;
const WRITE_SLICE = 500;
/** Apollo stops at 500 pages; we stop there too. */
const MAX_PAGES = 500;

/** The keys that identify one person across results: email, LinkedIn URL, provider id. */
export function identityKeys(person: Person): string[] {
  const keys = [`id:${person.id}`];
  if (person.email) keys.push(`email:${person.email.trim().toLowerCase()}`);
  if (person.linkedin_url) keys.push(`li:${person.linkedin_url.trim().toLowerCase().replace(/\/+$/, '')}`);
  return keys;
}

/** Keeps the first of each person (by email, LinkedIn URL or id) and counts the rest. */
export function dedupePeople(people: Person[], seen = new Set<string>()): { unique: Person[]; duplicates: number } {
  const unique: Person[] = [];
  let duplicates = 0;
  for (const person of people) {
    const ids = identityKeys(person);
    if (ids.some((id) => seen.has(id))) {
      duplicates++;
      continue;
    }
    ids.forEach((id) => seen.add(id));
    unique.push(person);
  }
  return { unique, duplicates };
}

/** Scrape: search pages until the run has its lead limit of unique people, then queue enrichment. */
export function createScrapeProcessor(deps: PipelineDeps) {
  return async (job: Job<ScrapeJobData>, token?: string): Promise<void> => {
    const { runId, source, limit } = job.data;
    const { store, queues, providers } = deps;
    await parkIfOtherMode(job, token, deps, job.data.providers);
    await waitWhileStopped(job, token, deps);
    const mode = job.data.providers ?? providers.kind;
    try {
      const seen = new Set<string>();
      const unique: Person[] = [];
      let duplicates = 0;
      const perPage = Math.min(MAX_PAGE_SIZE, limit);
      for (let page = 1; page <= MAX_PAGES && unique.length < limit; page++) {
        const result = await providers.search.searchPeople(source, page, perPage);
        const taken = dedupePeople(result.people, seen);
        const room = limit - unique.length;
        unique.push(...taken.unique.slice(0, room));
        duplicates += taken.duplicates;
        if (!result.hasMore || result.people.length === 0) break;
      }
      const now = new Date().toISOString();
      const leads: Lead[] = unique.map((person) => ({ ...person, ref: `${runId}-${person.id}`, runId, source, providers: mode, state: 'scraped', updated_at: now }));
      // In slices of one script call each, so a 10,000-lead run never sends one huge command.
      for (let i = 0; i < leads.length; i += WRITE_SLICE) await store.createLeads(runId, leads.slice(i, i + WRITE_SLICE));
      // Counted under fixed members so a retried scrape never counts twice.
      await store.stageIn(runId, 'scrape', 'people', leads.length + duplicates);
      await store.stageOut(runId, 'scrape', 'unique', 'out', leads.length);
      await store.stageOut(runId, 'scrape', 'duplicates', 'dropped', duplicates);
      await store.setRunFields(runId, { total: leads.length });
      for (let i = 0; i < leads.length; i += WRITE_SLICE) await queues.addLeadJobs('enrich', leads.slice(i, i + WRITE_SLICE).map((lead) => ({ runId, ref: lead.ref })));
      await store.refreshRunStatus(runId);
      await deps.notifier.runUpdated(runId);
    } catch (err) {
      // Apollo's breaker is open or its limit is far off: wait for it without using an attempt.
      if (err instanceof ProviderDeferredError) return park(job, token, err.retryAt);
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (final) {
        await store.stageIn(runId, 'scrape', 'people', 1);
        await store.stageOut(runId, 'scrape', 'failure', 'errors', 1);
        await store.setRunStatus(runId, 'failed', `scrape failed: ${(err as Error).message}`);
        await deps.notifier.runUpdated(runId);
      }
      throw err;
    }
  };
}
