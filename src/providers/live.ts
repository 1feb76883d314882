import type { Redis } from 'ioredis';
import { ConfigError, type Config } from '../core/config.ts';
import { createHttpClient, RETRY_POLICIES, type HttpClient, type RetryPolicy } from '../core/http-client.ts';
import type { Emergency } from '../core/emergency.ts';
import type { Keys } from '../core/keys.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import type { ClayResultSink as ClayResume } from '../core/ports.ts';
import type { BreakerState, Notifier } from '../core/notifier.ts';
import { createApollo } from './apollo.ts';
import { createBetterContact } from './bettercontact.ts';
import { createClay } from './clay.ts';
import { createCredits } from './credits.ts';
import { createGhl } from './ghl.ts';
import { createHeyReach } from './heyreach.ts';
import { createHeyReachCampaign } from './heyreach-campaign.ts';
import { createInstantly } from './instantly.ts';
import { createInstantlyCampaign } from './instantly-campaign.ts';
import { createProviderChannel, PROVIDER_NAMES, type ProviderDeps, type ProviderName } from './provider-call.ts';
import type { Providers } from './types.ts';

export interface LiveProviderDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  keys: Keys;
  notifier: Notifier;
  resumeClay: ClayResume;
  metrics?: Pick<Metrics, 'breakerState'> | undefined;
  emergency?: Pick<Emergency, 'recentState' | 'state'> | undefined;
}

export interface LiveProviders extends Providers {
  /** Every provider's breaker state, for /healthz and status. */
  breakerStates(): Promise<Record<ProviderName, BreakerState>>;
}

/** Variables live mode cannot start without: lead search, email reveal and sending. */
export function missingLiveVariables(env: Config['env']): string[] {
  const missing: string[] = [];
  if (!env.APOLLO_API_KEY) missing.push('APOLLO_API_KEY');
  if (!env.INSTANTLY_API_KEY) missing.push('INSTANTLY_API_KEY');
  if (!env.INSTANTLY_CAMPAIGN_ID) missing.push('INSTANTLY_CAMPAIGN_ID');
  return missing;
}

/** Fails fast, before anything starts, when live mode lacks a required variable. */
export function assertLiveConfig(config: Config): void {
  if (config.env.CAIO_PROVIDERS !== 'live') return;
  const missing = missingLiveVariables(config.env);
  if (missing.length > 0) throw new ConfigError(`CAIO_PROVIDERS=live needs ${missing.join(', ')}: set ${missing.length > 1 ? 'them' : 'it'} in the environment (see .env.example)`);
}

/**
 * Builds the live providers for CAIO_PROVIDERS=live. Apollo and Instantly are required (a clear
 * ConfigError names what is missing); Clay, BetterContact, GoHighLevel and HeyReach are null when
 * not configured, and the waterfall skips them.
 */
export function createLiveProviders(deps: LiveProviderDeps, options: { policy?: RetryPolicy; http?: HttpClient } = {}): LiveProviders {
  const { env } = deps.config;
  assertLiveConfig({ ...deps.config, env: { ...env, CAIO_PROVIDERS: 'live' } });
  const settings = deps.config.providers;
  const http =
    options.http ??
    createHttpClient({
      logger: deps.logger,
      timeoutMs: settings.timeout_ms,
      policy: options.policy ?? { ...RETRY_POLICIES.standard, attempts: settings.retry.attempts, baseMs: settings.retry.base_ms, maxMs: settings.retry.max_ms, maxRetryAfterMs: settings.retry.max_retry_after_ms },
    });
  const credits = createCredits(deps);
  const providerDeps: ProviderDeps = { ...deps, http, credits };
  const channels = Object.fromEntries(PROVIDER_NAMES.map((name) => [name, createProviderChannel(providerDeps, name)])) as Record<ProviderName, ReturnType<typeof createProviderChannel>>;

  const { search, apollo } = createApollo(providerDeps, channels.apollo, env.APOLLO_API_KEY as string);
  const clayUrl = env.CLAY_WORKBOOK_WEBHOOK_URL ?? env.CLAY_WEBHOOK_URL;
  const clay = clayUrl ? createClay(providerDeps, channels.clay, clayUrl, env.CLAY_WEBHOOK_TOKEN) : null;
  const bettercontact = env.BETTERCONTACT_API_KEY ? createBetterContact(providerDeps, channels.bettercontact, env.BETTERCONTACT_API_KEY) : null;
  const instantly = createInstantly(providerDeps, channels.instantly, env.INSTANTLY_API_KEY as string, env.INSTANTLY_CAMPAIGN_ID as string);
  const ghl = env.GHL_API_KEY && env.GHL_LOCATION_ID ? createGhl(providerDeps, channels.ghl, env.GHL_API_KEY, env.GHL_LOCATION_ID) : null;
  const heyreach = env.HEYREACH_API_KEY && env.HEYREACH_CAMPAIGN_ID ? createHeyReach(providerDeps, channels.heyreach, env.HEYREACH_API_KEY, env.HEYREACH_CAMPAIGN_ID) : null;
  const campaigns = {
    instantly: createInstantlyCampaign(providerDeps, channels.instantly, env.INSTANTLY_API_KEY as string, env.INSTANTLY_CAMPAIGN_ID as string),
    heyreach: env.HEYREACH_API_KEY && env.HEYREACH_CAMPAIGN_ID ? createHeyReachCampaign(providerDeps, channels.heyreach, env.HEYREACH_API_KEY, env.HEYREACH_CAMPAIGN_ID) : null,
  };
  deps.logger.info({ clay: Boolean(clay), bettercontact: Boolean(bettercontact), ghl: Boolean(ghl), heyreach: Boolean(heyreach) }, 'live providers ready');

  return {
    kind: 'live',
    search,
    apollo,
    clay,
    bettercontact,
    instantly,
    ghl,
    heyreach,
    campaigns,
    async breakerStates() {
      const states = await Promise.all(PROVIDER_NAMES.map(async (name) => [name, await channels[name].breaker.state()] as const));
      return Object.fromEntries(states) as Record<ProviderName, BreakerState>;
    },
    async close() {
      if (!options.http) await http.close();
    },
  };
}
