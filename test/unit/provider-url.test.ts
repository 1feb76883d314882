import { describe, expect, it } from 'vitest';
import { versionedUrl } from '../../src/providers/provider-call.ts';

describe('versionedUrl', () => {
  it.each([
    ['https://api.apollo.io', '/api/v1', '/people/match', 'https://api.apollo.io/api/v1/people/match'],
    ['https://api.apollo.io/', '/api/v1', '/people/match', 'https://api.apollo.io/api/v1/people/match'],
    ['https://api.apollo.io/api/v1', '/api/v1', '/people/match', 'https://api.apollo.io/api/v1/people/match'],
    ['http://127.0.0.1:4000/api/v2/', '/api/v2', '/async', 'http://127.0.0.1:4000/api/v2/async'],
    ['http://127.0.0.1:4000', '/api/v2', 'leads', 'http://127.0.0.1:4000/api/v2/leads'],
    ['https://api.heyreach.io/api/public', '/api/public', '/campaign/AddLeadsToCampaignV2', 'https://api.heyreach.io/api/public/campaign/AddLeadsToCampaignV2'],
  ])('%s + %s + %s', (base, version, path, expected) => {
    expect(versionedUrl(base, version, path)).toBe(expected);
  });
});
