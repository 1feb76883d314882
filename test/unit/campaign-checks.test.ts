import { describe, expect, it } from 'vitest';
import { campaignProblems, MAX_EMAIL_STEPS, wellFormedCampaign, type Campaign } from '../../src/core/campaign.ts';
import { toCampaign } from '../../src/providers/instantly-campaign.ts';

const good = (): Campaign => wellFormedCampaign('c1', 'Seq');

describe('campaignProblems', () => {
  it('accepts five email steps with every placeholder and stop_on_reply on', () => {
    expect(campaignProblems(good())).toEqual([]);
    expect(good().steps).toHaveLength(MAX_EMAIL_STEPS);
  });

  it('names the step whose body lacks {{caio_body_N}}', () => {
    const c = good();
    c.steps[2]!.variants[0]!.body = '<div>Hi {{firstName}}</div>';
    expect(campaignProblems(c)).toEqual([{ check: 'placeholders', message: 'email step 3: the body lacks {{caio_body_3}}' }]);
  });

  it('names the A/B variant that lacks a placeholder, and only that one', () => {
    const c = good();
    c.steps[1]!.variants = [
      { subject: '{{caio_subject_2}}', body: '{{caio_body_2}}' },
      { subject: 'Quick question', body: '{{ caio_body_2 }}' },
    ];
    expect(campaignProblems(c)).toEqual([{ check: 'placeholders', message: expect.stringContaining('email step 2, variant B: the subject lacks {{caio_subject_2}}') }]);
  });

  it('lets a follow-up keep an empty subject (step 1’s thread) but not step 1', () => {
    const c = good();
    c.steps[3]!.variants[0]!.subject = '';
    expect(campaignProblems(c)).toEqual([]);
    c.steps[0]!.variants[0]!.subject = ' ';
    expect(campaignProblems(c).map((p) => p.message)).toEqual(['email step 1: the subject lacks {{caio_subject_1}}']);
  });

  it('refuses a step using another step’s variable', () => {
    const c = good();
    c.steps[4]!.variants[0]!.body = '{{caio_body_1}}';
    expect(campaignProblems(c).map((p) => p.message)).toEqual(['email step 5: the body lacks {{caio_body_5}}']);
  });

  it('refuses zero email steps, more than CAIO approves, and stop_on_reply off', () => {
    expect(campaignProblems({ ...good(), steps: [] }).map((p) => p.check)).toEqual(['email_steps']);
    const six = good();
    six.steps.push({ type: 'email', delay: 3, variants: [{ subject: '', body: '{{caio_body_6}}' }] });
    expect(campaignProblems(six).map((p) => p.check)).toEqual(['max_steps']);
    expect(campaignProblems({ ...good(), stop_on_reply: false }).map((p) => p.check)).toEqual(['stop_on_reply']);
    expect(campaignProblems({ ...good(), stop_on_reply: null }).map((p) => p.check)).toEqual(['stop_on_reply']);
  });
});

describe('toCampaign (Instantly GET /campaigns/{id})', () => {
  it('reads sequences[0].steps and treats missing fields as empty', () => {
    const c = toCampaign('c9', { name: 'X', status: 1, daily_limit: 30, stop_on_reply: true, sequences: [{ steps: [{ type: 'email', delay: 2, variants: [{ subject: null, body: '{{caio_body_1}}' }] }, { variants: [] }] }] });
    expect(c).toEqual({
      id: 'c9',
      name: 'X',
      status: 1,
      daily_limit: 30,
      stop_on_reply: true,
      steps: [
        { type: 'email', delay: 2, variants: [{ subject: '', body: '{{caio_body_1}}' }] },
        { type: 'email', delay: null, variants: [] },
      ],
    });
    expect(toCampaign('c9', {}).steps).toEqual([]);
  });
});
