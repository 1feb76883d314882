import { describe, expect, it } from 'vitest';
import { campaignText } from '../../src/bot/blocks-control.ts';
import { campaignStatusLines, type CampaignStatus } from '../../src/jobs/campaign-status.ts';
import type { ProviderControlState } from '../../src/jobs/provider-pause.ts';

const control = (over: Partial<ProviderControlState>): ProviderControlState => ({
  provider: 'instantly',
  campaign_id: 'camp-1',
  want: 'pause',
  seq: 2,
  requested_at: '2026-03-02T10:00:00.000Z',
  requested_by: 'U1',
  reason: 'stop',
  attempts: 1,
  last_error: null,
  confirmed: null,
  gave_up: false,
  ...over,
});

const status = (over: Partial<CampaignStatus> = {}): CampaignStatus => ({
  campaign_id: 'camp-1',
  live_sends: true,
  preflight: {
    campaign_id: 'camp-1',
    campaign_name: 'Outbound <Q2>',
    ok: false,
    problems: [{ check: 'placeholders', message: 'email step 3: the body lacks {{caio_body_3}}' }],
    checked_at: '2026-03-02T09:00:00.000Z',
    status: 1,
    daily_limit: 20,
    email_steps: 5,
    stop_on_reply: true,
  },
  control: [],
  provider_sends: { day: '2026-03-02', count: 4, cap: 20 },
  ...over,
});

describe('campaign status lines (/caio status, App Home, caio status)', () => {
  it('names a failing preflight, its checks, and that live sends are parked', () => {
    const [line] = campaignStatusLines(status());
    expect(line).toBe('Campaign preflight (camp-1 "Outbound <Q2>"): FAILED at 2026-03-02T09:00:00.000Z, live sends are parked: email step 3: the body lacks {{caio_body_3}}');
  });

  it('shows each provider as confirmed, pending with its attempt and error, or given up', () => {
    const lines = campaignStatusLines(
      status({
        control: [
          control({ confirmed: { seq: 2, action: 'pause', at: '2026-03-02T10:00:01.000Z' } }),
          control({ provider: 'heyreach', campaign_id: '42', attempts: 3, last_error: 'HTTP 500', confirmed: { seq: 1, action: 'activate', at: 'x' } }),
        ],
      }),
    );
    expect(lines).toContain('Instantly campaign camp-1: pause confirmed at 2026-03-02T10:00:01.000Z');
    expect(lines).toContain('HeyReach campaign 42: pause pending (attempt 3, last: HTTP 500)');
    expect(lines).toContain('Sent by Instantly today (2026-03-02, all steps): 4 of 20');
    expect(campaignStatusLines(status({ control: [control({ gave_up: true, last_error: 'HTTP 404' })] }))[1]).toBe(
      'Instantly campaign camp-1: pause NOT confirmed, given up after 1 attempt(s), last: HTTP 404: do it by hand',
    );
  });

  it('says when the preflight has not run, and escapes provider text for Slack', () => {
    expect(campaignStatusLines(status({ preflight: null, live_sends: false }))[0]).toBe('Campaign preflight (camp-1): not checked yet (shadow mode: it gates live sends only)');
    const text = campaignText(status());
    expect(text).toContain(':rotating_light: *Provider campaigns*');
    expect(text).toContain('Outbound &lt;Q2&gt;');
    expect(campaignText(null)).toContain('unknown');
  });
});
