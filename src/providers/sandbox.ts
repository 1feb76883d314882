import type { Redis } from 'ioredis';
import type { Config } from '../core/config.ts';
import type { Keys } from '../core/keys.ts';
import { loadScripts } from '../core/lua.ts';
import type { Logger } from '../core/logger.ts';
import type { Lead } from '../core/types.ts';
import { campaignVariables } from './instantly.ts';
import { parsePerson } from './person-schema.ts';
import { createSandboxCampaigns } from './sandbox-campaign.ts';
import { SANDBOX_PEOPLE_PER_SOURCE, sandboxEmailFor, sandboxRawPerson, sandboxTierFor } from './sandbox-data.ts';
import type { ClayCallback, Providers } from './types.ts';

export interface SandboxDeps {
  redis: Redis;
  keys: Keys;
  config: Config;
  logger: Logger;
  /** The same function the /webhooks/clay route calls: the sandbox Clay answers through it. */
  deliverClayCallback: (payload: ClayCallback) => Promise<unknown>;
}

/**
 * Deterministic providers with no network: seeded people, a waterfall where each tier finds some
 * emails, a Clay that calls back after a delay and a BetterContact that needs polling.
 */
export function createSandboxProviders(deps: SandboxDeps): Providers {
  const { redis, keys, config, logger } = deps;
  const timers = new Set<NodeJS.Timeout>();
  const scripts = loadScripts(redis);
  const campaignKey = keys.sandboxInstantlyCampaign;

  return {
    kind: 'sandbox',
    search: {
      async searchPeople(source, page, perPage) {
        const start = (page - 1) * perPage;
        const end = Math.min(start + perPage, SANDBOX_PEOPLE_PER_SOURCE);
        const people = [];
        for (let i = start; i < end; i++) people.push(parsePerson(sandboxRawPerson(source, i, config.sandbox.seed)));
        return { people, hasMore: end < SANDBOX_PEOPLE_PER_SOURCE };
      },
    },
    apollo: {
      async matchPerson(lead) {
        if (sandboxTierFor(lead.id) !== 'apollo') return null;
        return { email: sandboxEmailFor(lead), email_status: 'verified' };
      },
    },
    clay: {
      async submit(lead: Lead) {
        const found = sandboxTierFor(lead.id) === 'clay';
        const payload: ClayCallback = {
          source: 'caio_pipeline',
          lead_id: lead.ref,
          email: found ? sandboxEmailFor(lead) : null,
          email_status: found ? 'valid' : 'not_found',
          company_name: lead.company_name,
        };
        const timer = setTimeout(() => {
          timers.delete(timer);
          deps.deliverClayCallback(payload).catch((err: unknown) => logger.warn({ err, lead: lead.ref }, 'sandbox clay callback failed'));
        }, config.sandbox.clay_callback_delay_ms);
        timers.add(timer);
      },
    },
    bettercontact: {
      async submit(lead) {
        const requestId = `bc_${lead.ref}`;
        await redis.hset(keys.sandboxBetterContact(requestId), { polls: 0, personId: lead.id, email: sandboxEmailFor(lead) });
        await redis.expire(keys.sandboxBetterContact(requestId), 86_400);
        return { requestId };
      },
      async poll(requestId) {
        const polls = await redis.hincrby(keys.sandboxBetterContact(requestId), 'polls', 1);
        if (polls <= config.sandbox.bettercontact_ready_after_polls) return { done: false };
        const record = await redis.hgetall(keys.sandboxBetterContact(requestId));
        const found = record.personId !== undefined && sandboxTierFor(record.personId) === 'bettercontact';
        return { done: true, email: found ? (record.email ?? null) : null, email_status: found ? 'deliverable' : 'not_found', credits: found ? 1 : 0 };
      },
    },
    instantly: {
      async addLead(email) {
        // Records what it was asked to send (with the variables Instantly would get), once per idempotency key, like skip_if_in_campaign.
        const providerRef = `sandbox-${email.idempotencyKey}`;
        // One atomic step, so a crash can never leave the key recorded without the email, nor the
        // email without its campaign entry (the address → provider ref that findLead answers from).
        await scripts.sandboxRecordSend(
          { sentKeys: keys.sandboxInstantlyKeys, sent: keys.sandboxInstantly, campaign: campaignKey },
          {
            idempotencyKey: email.idempotencyKey,
            email: JSON.stringify({ ...email, custom_variables: campaignVariables(email), at: new Date().toISOString() }),
            address: email.email.trim().toLowerCase(),
            providerRef,
          },
        );
        return { providerRef };
      },
      async findLead(address) {
        const providerRef = await redis.hget(campaignKey, address.trim().toLowerCase());
        return providerRef === null ? null : { providerRef };
      },
    },
    ghl: {
      async upsertContact(contact) {
        const id = `sbx_contact_${(contact.email ?? contact.first_name ?? 'unknown').toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
        const created = await redis.hsetnx(keys.sandboxGhl, id, JSON.stringify(contact));
        // Like GHL's upsert: a known contact is updated (its tags replaced).
        if (created === 0) await redis.hset(keys.sandboxGhl, id, JSON.stringify(contact));
        return { contactId: id, created: created === 1 };
      },
    },
    heyreach: {
      async addLeadToCampaign(lead) {
        await redis.rpush(keys.sandboxHeyReach, JSON.stringify(lead));
      },
      async stopLead(linkedinUrl) {
        await redis.rpush(keys.sandboxHeyReach, JSON.stringify({ stopped: linkedinUrl }));
      },
    },
    campaigns: createSandboxCampaigns({ redis, keys }),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
