import type { Campaign } from '../core/campaign.ts';

/** The two providers whose campaigns CAIO pauses and activates. */
export type CampaignProvider = 'instantly' | 'heyreach';
export const CAMPAIGN_PROVIDERS: readonly CampaignProvider[] = ['instantly', 'heyreach'];

/** What pause and activate mean to a provider (HeyReach calls activate "Resume"). */
export type CampaignAction = 'pause' | 'activate';

/**
 * A provider campaign CAIO can pause and activate. Both calls resolve only once the provider
 * confirmed (a 2xx) and throw otherwise; they bypass the circuit breaker and the stop guard
 * (see ProviderChannel.control), so the caller retries until they land.
 */
export interface ControllableCampaign {
  readonly provider: CampaignProvider;
  readonly id: string;
  pause(): Promise<void>;
  activate(): Promise<void>;
}

/** Reading a campaign: the campaign, or a definite reason it cannot be used. */
export type CampaignRead =
  | { ok: true; campaign: Campaign }
  | { ok: false; reason: 'not_found' | 'unauthorized' | 'malformed'; detail: string };

/** Instantly's campaign: read for the preflight, its daily_limit kept at the effective cap. */
export interface EmailCampaign extends ControllableCampaign {
  /**
   * `GET /campaigns/{id}`. A 404, a 401/403 or an unreadable body is an answer (`ok: false`);
   * a transient failure (5xx, no response, breaker open, emergency stop) throws.
   */
  read(): Promise<CampaignRead>;
  /** `PATCH /campaigns/{id}` `{"daily_limit": N}`. */
  setDailyLimit(limit: number): Promise<void>;
}

/** The campaigns behind the providers (DESIGN §9); null where the provider is not configured. */
export interface ProviderCampaigns {
  instantly: EmailCampaign | null;
  heyreach: ControllableCampaign | null;
}
