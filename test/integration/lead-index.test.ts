import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { Keys } from '../../src/core/keys.ts';
import { createLeadIndex, type LeadIndex } from '../../src/core/lead-index.ts';
import { useIsolatedRedis } from '../helpers/isolated-redis.ts';

// The mailed-lead index and the GHL tag set against a real Redis: normalised lookups, the tags
// round-trip, and nothing found for a lead CAIO never mailed.

let redis: Redis;
let keys: Keys;
let index: LeadIndex;

useIsolatedRedis('lead-index', (r, k) => {
  redis = r;
  keys = k;
  index = createLeadIndex(redis, keys);
});

describe('lead index', () => {
  it('finds a mailed lead by its normalised address first, then by its LinkedIn profile', async () => {
    await index.indexMailedLead({ ref: 'r-1', email: ' Ada@Example.COM ', linkedin_url: 'https://www.linkedin.com/in/ada/' }, ['caio', 'apollo', 'tier-A']);
    await index.indexMailedLead({ ref: 'r-2', email: null, linkedin_url: 'https://linkedin.com/in/bob' }, ['caio']);
    expect(await redis.hget(keys.leadByEmail, 'ada@example.com')).toBe('r-1');
    expect(await index.findRef({ email: 'ADA@example.com', linkedin_url: null })).toBe('r-1');
    expect(await index.refByEmail('ada@EXAMPLE.com')).toBe('r-1');
    expect(await index.findRef({ email: 'ada@example.com', linkedin_url: 'https://linkedin.com/in/bob' })).toBe('r-1');
    expect(await index.findRef({ email: 'nobody@example.com', linkedin_url: 'https://www.linkedin.com/in/bob/' })).toBe('r-2');
    expect(await index.findRef({ email: 'nobody@example.com', linkedin_url: null })).toBeNull();
    expect(await index.findRef({ email: null, linkedin_url: null })).toBeNull();
    expect(await redis.hlen(keys.leadByEmail)).toBe(1);
  });

  it('keeps the full tag set: base tags, then removals before additions, sorted on read', async () => {
    await index.indexMailedLead({ ref: 'r-1', email: 'a@b.c', linkedin_url: null }, ['caio', 'apollo', 'tier-B']);
    expect(await index.tags('r-1')).toEqual(['apollo', 'caio', 'tier-B']);
    await index.changeTags('r-1', ['caio-replied', 'caio-interested'], ['caio-not-now']);
    await index.changeTags('r-1', ['caio-not-now'], ['caio-interested', 'caio-not-now']);
    expect(await index.tags('r-1')).toEqual(['apollo', 'caio', 'caio-not-now', 'caio-replied', 'tier-B']);
    await index.changeTags('r-1', [], []);
    expect(await index.tags('r-1')).toEqual(['apollo', 'caio', 'caio-not-now', 'caio-replied', 'tier-B']);
    expect(await index.tags('r-unknown')).toEqual([]);
    // Kept for life, like the index: no TTL.
    expect(await redis.ttl(keys.leadTags('r-1'))).toBe(-1);
  });
});
