import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCaio } from '../../src/commands/parse.ts';

describe('parseCaio', () => {
  it('parses run with an optional source and --leads in both spellings', () => {
    expect(parseCaio('run')).toEqual({ kind: 'run', source: undefined, leads: undefined });
    expect(parseCaio('run competitor_gong')).toEqual({ kind: 'run', source: 'competitor_gong', leads: undefined });
    expect(parseCaio('  RUN   event_saastr   --leads 40 ')).toEqual({ kind: 'run', source: 'event_saastr', leads: 40 });
    expect(parseCaio('run --leads=7')).toEqual({ kind: 'run', source: undefined, leads: 7 });
    expect(parseCaio('run --leads 7 default')).toEqual({ kind: 'run', source: 'default', leads: 7 });
  });

  it('names the problem with a flag or an argument', () => {
    expect(parseCaio('run --leads')).toEqual({ kind: 'invalid', problem: '--leads needs a number, e.g. --leads 25' });
    expect(parseCaio('run --leads lots')).toEqual({ kind: 'invalid', problem: '--leads needs a number (got "lots")' });
    expect(parseCaio('run default --force')).toEqual({ kind: 'invalid', problem: 'unknown flag "--force"; the only flag is --leads N' });
    expect(parseCaio('run default gong')).toMatchObject({ kind: 'invalid', problem: expect.stringContaining('unexpected argument "gong"') });
    expect(parseCaio('status now')).toMatchObject({ kind: 'invalid', problem: expect.stringContaining('takes no arguments') });
    expect(parseCaio('deploy')).toEqual({ kind: 'invalid', problem: 'unknown subcommand "deploy"' });
  });

  it('keeps the stop reason and treats empty text as help', () => {
    expect(parseCaio('stop bounce rate spiking')).toEqual({ kind: 'stop', reason: 'bounce rate spiking' });
    expect(parseCaio('stop')).toEqual({ kind: 'stop', reason: 'stopped from Slack' });
    expect(parseCaio('')).toEqual({ kind: 'help' });
    expect(parseCaio('resume')).toEqual({ kind: 'resume' });
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const parsed = parseCaio(text);
        expect(['run', 'stop', 'resume', 'status', 'help', 'invalid']).toContain(parsed.kind);
      }),
      { numRuns: 500 },
    );
  });
});
