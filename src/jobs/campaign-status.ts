import { campaignStatusName } from '../core/campaign.ts';
import type { CampaignPreflight, PreflightResult } from './campaign-preflight.ts';
import type { PipelineDeps } from './deps.ts';
import { describeControl, providerSendsToday, type ProviderControlState } from './provider-pause.ts';

/** What /caio status, App Home and `caio status` show of the provider campaigns (DESIGN §9). */
export interface CampaignStatus {
  /** The Instantly campaign id, or null when none is configured. */
  campaign_id: string | null;
  /** Whether the policy sends for real (the preflight gates sends only then). */
  live_sends: boolean;
  preflight: PreflightResult | null;
  /** Per provider: the last pause/activate wanted and whether the provider confirmed it. */
  control: ProviderControlState[];
  /** email_sent events of the campaign today (all steps) against the effective cap. */
  provider_sends: { day: string; count: number; cap: number };
}

export async function loadCampaignStatus(deps: Pick<PipelineDeps, 'redis' | 'keys' | 'gate' | 'policy' | 'providers' | 'providerControl'> & { preflight: Pick<CampaignPreflight, 'last'> }): Promise<CampaignStatus> {
  const [preflight, control, provider_sends, safety] = await Promise.all([deps.preflight.last(), deps.providerControl.states(), providerSendsToday(deps), deps.policy.safety()]);
  return {
    campaign_id: deps.providers.campaigns.instantly?.id ?? null,
    live_sends: safety !== null && !safety.shadow_mode && safety.actually_send,
    preflight,
    control,
    provider_sends,
  };
}

/** The preflight in one line of plain text (callers escape it for Slack). */
export function preflightLine(s: CampaignStatus): string {
  if (!s.campaign_id) return 'Campaign preflight: no Instantly campaign configured';
  const p = s.preflight;
  const when = s.live_sends ? 'live sends wait for it' : 'shadow mode: it gates live sends only';
  if (!p || p.campaign_id !== s.campaign_id) return `Campaign preflight (${s.campaign_id}): not checked yet (${when})`;
  const name = p.campaign_name ? ` "${p.campaign_name}"` : '';
  const stale = p.stale_error ? ` (last read failed: ${p.stale_error})` : '';
  if (!p.ok) return `Campaign preflight (${p.campaign_id}${name}): FAILED at ${p.checked_at}${stale}, live sends are parked: ${p.problems.map((x) => x.message).join('; ')}`;
  return `Campaign preflight (${p.campaign_id}${name}): passed at ${p.checked_at}${stale}: ${p.email_steps} email step(s), stop_on_reply on, daily_limit ${p.daily_limit ?? '?'}, ${campaignStatusName(p.status)}`;
}

/** Every status line of the provider campaigns: preflight, pause/activate per provider, sends at the provider. */
export function campaignStatusLines(s: CampaignStatus): string[] {
  const lines = [preflightLine(s)];
  for (const state of s.control) lines.push(describeControl(state));
  if (s.campaign_id) lines.push(`Sent by Instantly today (${s.provider_sends.day}, all steps): ${s.provider_sends.count} of ${s.provider_sends.cap}`);
  return lines;
}
