import { afterEach, describe, expect, it } from 'vitest';
import { RETRY_POLICIES } from '../../src/core/http-client.ts';
import { createLiveProviders } from '../../src/providers/live.ts';
import { startFakeApollo, type FakeApollo } from '../fakes/apollo.ts';
import { startFakeHeyReach, type FakeHeyReach } from '../fakes/heyreach.ts';
import { startFakeInstantly, type FakeInstantly } from '../fakes/instantly.ts';
import { CAMPAIGN_ID, FAKE_KEYS, FAST_LIVE, HEYREACH_CAMPAIGN, until } from '../helpers/live-harness.ts';
import { APPROVER, createSlackHarness, SLACK_SANDBOX, type SlackHarness } from '../helpers/slack-harness.ts';

let h: SlackHarness | undefined;
let fakes: { apollo: FakeApollo; instantly: FakeInstantly; heyreach: FakeHeyReach } | undefined;
afterEach(async () => {
  await h?.close();
  await Promise.all(Object.values(fakes ?? {}).map((f) => f.close()));
  h = undefined;
  fakes = undefined;
});

const textOf = (body: Record<string, unknown>) => JSON.stringify(body.blocks ?? body.text);

describe('/caio stop reaches the providers (DESIGN §9)', () => {
  it('pauses the Instantly and HeyReach campaigns within 2 s, shows it in /caio status, and /caio resume activates both', async () => {
    const f = (fakes = {
      apollo: await startFakeApollo({ apiKey: FAKE_KEYS.apollo, people: [] }),
      instantly: await startFakeInstantly({ apiKey: FAKE_KEYS.instantly }),
      heyreach: await startFakeHeyReach({ apiKey: FAKE_KEYS.heyreach }),
    });
    const s = (h = await createSlackHarness('slack-provider-stop', {
      settings: { ...SLACK_SANDBOX, providers: { ...FAST_LIVE.providers, control_backoff_ms: 50 } },
      env: {
        CAIO_PROVIDERS: 'live',
        APOLLO_API_KEY: FAKE_KEYS.apollo,
        APOLLO_BASE_URL: f.apollo.url,
        INSTANTLY_API_KEY: FAKE_KEYS.instantly,
        INSTANTLY_BASE_URL: f.instantly.url,
        INSTANTLY_CAMPAIGN_ID: CAMPAIGN_ID,
        HEYREACH_API_KEY: FAKE_KEYS.heyreach,
        HEYREACH_BASE_URL: f.heyreach.url,
        HEYREACH_CAMPAIGN_ID: HEYREACH_CAMPAIGN,
      },
      liveProviders: (deps) => createLiveProviders(deps, { policy: RETRY_POLICIES.fast }),
    }));

    const sentAt = Date.now();
    const ack = await s.command('stop maintenance window', APPROVER);
    expect(ack.status).toBe(200);
    await s.slack.waitFor(() => (f.instantly.campaignApi.controls.length === 1 && f.heyreach.campaignApi.controls.length === 1 ? true : null), 2_000, 'pause at both providers');
    expect(f.instantly.campaignApi.controls[0]).toMatchObject({ id: CAMPAIGN_ID, action: 'pause' });
    expect(f.heyreach.campaignApi.controls[0]).toMatchObject({ campaignId: HEYREACH_CAMPAIGN, action: 'pause' });
    expect(Math.max(f.instantly.campaignApi.controls[0]!.at, f.heyreach.campaignApi.controls[0]!.at) - sentAt).toBeLessThan(2_000);

    // /caio status shows each provider's pause as confirmed.
    await until(async () => (await s.ctx.providerControl.states()).every((x) => x.confirmed?.seq === x.seq), 2_000);
    s.slack.responses.length = 0;
    await s.command('status', APPROVER);
    const status = await s.slack.waitFor(() => s.slack.responses.find((r) => Array.isArray(r.body.blocks)), 5_000, 'status reply');
    expect(textOf(status.body)).toMatch(/Instantly campaign camp-0001: pause confirmed at/);
    expect(textOf(status.body)).toMatch(/HeyReach campaign 4242: pause confirmed at/);

    await s.command('resume', APPROVER);
    await s.slack.waitFor(() => (f.instantly.campaignApi.controls.length === 2 && f.heyreach.campaignApi.controls.length === 2 ? true : null), 2_000, 'activate at both providers');
    expect(f.instantly.campaignApi.controls.map((c) => c.action)).toEqual(['pause', 'activate']);
    expect(f.heyreach.campaignApi.controls.map((c) => c.action)).toEqual(['pause', 'activate']);
  });
});
