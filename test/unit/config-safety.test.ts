import { describe, expect, it } from 'vitest';
import { ConfigError, parseFileConfig, validateSafety } from '../../src/core/config.ts';

const WINDOW = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00', timezone: 'Europe/Berlin' };

/** The message a config file with these safety settings is refused with ('' when accepted). */
function refusal(safety: Record<string, unknown>): string {
  try {
    parseFileConfig({ safety }, 'config/test.json');
    return '';
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
}

describe('safety settings that cannot work are refused (issue 8)', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a send window that opens and closes at the same time', { send_window: { ...WINDOW, from: '09:00', to: '09:00' } }, 'safety.send_window.to'],
    ['a warm-up ramp starting with 0', { warmup: { ramp: [0, 5, 10] } }, 'safety.warmup.ramp.0'],
    ['a warm-up ramp containing 0', { warmup: { ramp: [5, 0, 10] } }, 'safety.warmup.ramp.1'],
    ['a negative warm-up cap', { warmup: { ramp: [-1] } }, 'safety.warmup.ramp.0'],
    ['a fractional warm-up cap', { warmup: { ramp: [2.5] } }, 'safety.warmup.ramp.0'],
    ['an empty warm-up ramp', { warmup: { ramp: [] } }, 'safety.warmup.ramp'],
    ['a send rate of 0 per minute', { send_rate_per_minute: 0 }, 'safety.send_rate_per_minute'],
    ['a negative daily cap', { max_daily_sends: -1 }, 'safety.max_daily_sends'],
    ['an unknown send-window time zone', { send_window: { ...WINDOW, timezone: 'Europe/Atlantis' } }, 'safety.send_window.timezone'],
    ['an unknown counter time zone', { timezone: 'Mars/Olympus' }, 'safety.timezone'],
    ['a send window with no days', { send_window: { ...WINDOW, days: [] } }, 'safety.send_window.days'],
  ])('%s', (_what, safety, field) => {
    expect(refusal(safety)).toContain(`invalid config in config/test.json: field "${field}"`);
  });

  it('says why equal window ends are refused', () => {
    expect(refusal({ send_window: { ...WINDOW, from: '22:00', to: '22:00' } })).toContain('field "safety.send_window.to": must differ from "from"');
  });

  it('says why a zero in the ramp is refused', () => {
    expect(refusal({ warmup: { ramp: [0] } })).toMatch(/field "safety\.warmup\.ramp\.0": must be a whole number of at least 1/);
  });

  it.each<[string, Record<string, unknown>]>([
    ['an overnight send window', { send_window: { ...WINDOW, from: '22:00', to: '06:00' } }],
    ['a window ending at midnight', { send_window: { ...WINDOW, from: '18:00', to: '00:00' } }],
    ['a ramp of ones', { warmup: { ramp: [1, 1, 2] } }],
    ['a daily cap of 0 (the safe default)', { max_daily_sends: 0 }],
    ['the defaults', {}],
  ])('accepts %s', (_what, safety) => {
    expect(refusal(safety)).toBe('');
  });
});

describe('validateSafety', () => {
  it('fills the safe defaults', () => {
    const result = validateSafety({});
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ shadow_mode: true, actually_send: false, max_daily_sends: 0, send_window: null, warmup: null }) });
  });

  it('returns the parsed settings', () => {
    const result = validateSafety({ max_daily_sends: 40, send_window: { from: '22:00', to: '06:00', timezone: 'Europe/Berlin' }, warmup: { ramp: [5, 10] } });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.send_window).toEqual({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '22:00', to: '06:00', timezone: 'Europe/Berlin' });
      expect(result.value.warmup).toEqual({ ramp: [5, 10] });
    }
  });

  it('keys every field error by its dotted path within safety, one message per field', () => {
    const result = validateSafety({
      max_daily_sends: -5,
      send_rate_per_minute: 0,
      send_window: { from: '08:00', to: '08:00', timezone: 'Nowhere/Land' },
      warmup: { ramp: [0, 3, 0] },
      shadow_mdoe: false,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(
      ['max_daily_sends', 'send_rate_per_minute', 'send_window.timezone', 'send_window.to', 'shadow_mdoe', 'warmup.ramp.0', 'warmup.ramp.2'].sort(),
    );
    expect(result.errors['send_window.timezone']).toBe('unknown IANA time zone');
    expect(result.errors['shadow_mdoe']).toBe('unknown field');
    expect(result.errors['warmup.ramp.0']).toMatch(/at least 1/);
  });

  it('names send_window.to when the ends are equal', () => {
    expect(validateSafety({ send_window: { from: '09:30', to: '09:30' } })).toEqual({ ok: false, errors: { 'send_window.to': expect.stringMatching(/must differ from "from"/) } });
  });

  it('names send_window.from for a malformed time', () => {
    expect(validateSafety({ send_window: { from: '9:00', to: '17:00' } })).toEqual({ ok: false, errors: { 'send_window.from': 'expected HH:MM (24h)' } });
  });

  it('refuses something that is not an object at the root', () => {
    const result = validateSafety('shadow');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.errors)).toEqual(['(root)']);
  });
});
