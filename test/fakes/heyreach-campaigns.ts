import type { FakeReply, RecordedRequest } from './fake-server.ts';

export interface FakeHeyReachCampaigns {
  /** Campaign status by id (`IN_PROGRESS` until paused). */
  statuses: Map<string, 'IN_PROGRESS' | 'PAUSED'>;
  /** `POST /campaign/Pause|Resume?campaignId=` that succeeded, in order. */
  controls: { campaignId: string; action: 'pause' | 'activate'; at: number }[];
}

const ROUTE = /^\/api\/public\/campaign\/(Pause|Resume)(?:\?(.*))?$/;

/**
 * HeyReach's campaign Pause and Resume for the fake: `POST /api/public/campaign/Pause?campaignId={id}`
 * and `.../Resume?campaignId={id}`. `handle` answers those paths and returns null for any other.
 */
export function createFakeHeyReachCampaigns(): FakeHeyReachCampaigns & { handle(req: RecordedRequest): FakeReply | null } {
  const api = {
    statuses: new Map<string, 'IN_PROGRESS' | 'PAUSED'>(),
    controls: [] as FakeHeyReachCampaigns['controls'],
    handle(req: RecordedRequest): FakeReply | null {
      const match = ROUTE.exec(req.path);
      if (!match || req.method !== 'POST') return null;
      const campaignId = new URLSearchParams(match[2] ?? '').get('campaignId');
      if (!campaignId) return { status: 400, body: { errorMessage: 'campaignId is required' } };
      const action = match[1] === 'Pause' ? 'pause' : 'activate';
      api.statuses.set(campaignId, action === 'pause' ? 'PAUSED' : 'IN_PROGRESS');
      api.controls.push({ campaignId, action, at: Date.now() });
      return { status: 200, body: {} };
    },
  };
  return api;
}
