import { z } from 'zod';
import type { Campaign } from '../core/campaign.ts';
import { HttpStatusError } from '../core/http-client.ts';
import type { CampaignRead, EmailCampaign } from './campaign-types.ts';
import { versionedUrl, type ProviderChannel, type ProviderDeps } from './provider-call.ts';

/** `GET /api/v2/campaigns/{id}`: only the fields the preflight uses (the rest is ignored). */
const campaignSchema = z
  .object({
    id: z.string().nullish(),
    name: z.string().nullish(),
    status: z.number().nullish(),
    daily_limit: z.number().nullish(),
    stop_on_reply: z.boolean().nullish(),
    sequences: z
      .array(
        z
          .object({
            steps: z
              .array(
                z
                  .object({
                    type: z.string().nullish(),
                    delay: z.number().nullish(),
                    variants: z.array(z.object({ subject: z.string().nullish(), body: z.string().nullish() }).loose()).nullish(),
                  })
                  .loose(),
              )
              .nullish(),
          })
          .loose(),
      )
      .nullish(),
  })
  .loose();

/** The campaign as CAIO checks it; a missing field reads as empty (and fails the check that needs it). */
export function toCampaign(id: string, raw: z.infer<typeof campaignSchema>): Campaign {
  const steps = raw.sequences?.[0]?.steps ?? [];
  return {
    id: raw.id ?? id,
    name: raw.name ?? null,
    status: raw.status ?? null,
    daily_limit: raw.daily_limit ?? null,
    stop_on_reply: raw.stop_on_reply ?? null,
    steps: steps.map((step) => ({
      // Instantly's sequences hold email steps; a step without a type is one.
      type: step.type ?? 'email',
      delay: step.delay ?? null,
      variants: (step.variants ?? []).map((v) => ({ subject: v.subject ?? '', body: v.body ?? '' })),
    })),
  };
}

/**
 * Instantly API v2 campaign endpoints (DESIGN §9): read for the preflight, `daily_limit` kept at
 * the effective cap, and pause/activate for the emergency stop (through `channel.control`, which
 * neither the breaker nor the stop guard can block).
 */
export function createInstantlyCampaign(deps: ProviderDeps, channel: ProviderChannel, apiKey: string, campaignId: string): EmailCampaign {
  const base = deps.config.env.INSTANTLY_BASE_URL;
  const path = `/campaigns/${encodeURIComponent(campaignId)}`;
  const headers = { authorization: `Bearer ${apiKey}` };
  // Pause and activate are idempotent at Instantly: repeating one after a lost answer is harmless.
  const control = async (action: 'pause' | 'activate') => {
    await channel.control({ route: `campaigns/${action}`, method: 'POST', url: versionedUrl(base, '/api/v2', `${path}/${action}`), headers, idempotent: true });
  };
  return {
    provider: 'instantly',
    id: campaignId,
    async read(): Promise<CampaignRead> {
      const route = 'campaigns/get';
      try {
        const res = await channel.call({ route, method: 'GET', url: versionedUrl(base, '/api/v2', path), headers });
        const parsed = campaignSchema.safeParse(res.body);
        if (!parsed.success) {
          const where = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
          return { ok: false, reason: 'malformed', detail: `Instantly's answer for the campaign did not have the expected shape (${where})` };
        }
        return { ok: true, campaign: toCampaign(campaignId, parsed.data) };
      } catch (err) {
        if (err instanceof HttpStatusError && err.status === 404) return { ok: false, reason: 'not_found', detail: `Instantly has no campaign ${campaignId} (HTTP 404): check INSTANTLY_CAMPAIGN_ID` };
        if (err instanceof HttpStatusError && (err.status === 401 || err.status === 403)) {
          return { ok: false, reason: 'unauthorized', detail: `Instantly refused the API key (HTTP ${err.status}): check INSTANTLY_API_KEY and its campaigns scope` };
        }
        // Any other 4xx is an answer about this campaign too (our request is wrong for it).
        if (err instanceof HttpStatusError && err.status < 500 && err.status !== 429) return { ok: false, reason: 'malformed', detail: `Instantly answered HTTP ${err.status} for the campaign` };
        throw err;
      }
    },
    async setDailyLimit(limit) {
      await channel.call({ route: 'campaigns/patch', method: 'PATCH', url: versionedUrl(base, '/api/v2', path), headers, body: { daily_limit: limit }, idempotent: true });
    },
    pause: () => control('pause'),
    activate: () => control('activate'),
  };
}
