import { describe, expect, it } from 'vitest';
import { instantlySchema, toEvent } from '../../src/webhooks/instantly-schema.ts';
import { normaliseLinkedIn, parseCount, parseSeenAt, rb2bSchema, toVisit } from '../../src/webhooks/rb2b-schema.ts';
import { secretMatches } from '../../src/webhooks/secret-check.ts';

const received = new Date('2026-11-28T00:00:00.000Z');

describe('RB2B parsing', () => {
  it('parses Seen At leniently and falls back to the receive time', () => {
    expect(parseSeenAt('2026-11-27T10:15:00.000Z', received).toISOString()).toBe('2026-11-27T10:15:00.000Z');
    expect(parseSeenAt('2026-11-27 10:15:00', received).toISOString()).toBe('2026-11-27T10:15:00.000Z');
    expect(parseSeenAt('2026-11-27T10:15:00.000000+00:00', received).toISOString()).toBe('2026-11-27T10:15:00.000Z');
    expect(parseSeenAt('2026-11-27 10:15:00 UTC', received).toISOString()).toBe('2026-11-27T10:15:00.000Z');
    expect(parseSeenAt(1_764_238_500, received).toISOString()).toBe('2025-11-27T10:15:00.000Z');
    expect(parseSeenAt('yesterday-ish', received)).toBe(received);
  });

  it('reads Employee Count as an int or a string range', () => {
    expect(parseCount(250)).toBe(250);
    expect(parseCount('201-500')).toBe(201);
    expect(parseCount('1,000+')).toBe(1000);
    expect(parseCount('')).toBeNull();
    expect(parseCount('unknown')).toBeNull();
  });

  it('normalises LinkedIn URLs so the same person matches across visits', () => {
    expect(normaliseLinkedIn('https://www.LinkedIn.com/in/Jane-Doe/?trk=x')).toBe('linkedin.com/in/jane-doe');
    expect(normaliseLinkedIn('linkedin.com/in/jane-doe')).toBe('linkedin.com/in/jane-doe');
  });

  it('requires the never-null fields and turns a body into a visit', () => {
    expect(rb2bSchema.safeParse({ 'Seen At': 'x', 'Captured URL': '/p' }).success).toBe(false);
    const body = rb2bSchema.parse({ 'LinkedIn URL': 'https://linkedin.com/in/a', 'Seen At': '2026-11-27 10:15:00', 'Captured URL': 'https://a.example/pricing', 'Business Email': ' A@B.Example ', Tags: 'Hot, ICP ,', Zipcode: 78701 });
    expect(toVisit(body, received)).toMatchObject({ email: 'a@b.example', seen_at: '2026-11-27T10:15:00.000Z', tags: ['Hot', 'ICP'], page: 'https://a.example/pricing' });
  });
});

describe('Instantly parsing', () => {
  it('requires a valid lead_email for tracked events only', () => {
    expect(instantlySchema.safeParse({ event_type: 'email_bounced' }).success).toBe(false);
    expect(instantlySchema.safeParse({ event_type: 'campaign_completed' }).success).toBe(true);
    const body = instantlySchema.parse({ event_type: 'email_sent', lead_email: 'X@Y.example', step: '2', timestamp: 'garbage' });
    expect(toEvent(body, received)).toEqual({ type: 'email_sent', email: 'x@y.example', campaign_id: null, step: 2, email_id: null, at: received.toISOString() });
  });
});

describe('secret comparison', () => {
  it('matches only the exact secret, whatever the lengths', () => {
    expect(secretMatches('s3cret', 's3cret')).toBe(true);
    expect(secretMatches('s3cre', 's3cret')).toBe(false);
    expect(secretMatches('s3cret-and-more', 's3cret')).toBe(false);
    expect(secretMatches('', 's3cret')).toBe(false);
  });
});
