import { EMAIL_STEP_DAYS } from './cadence.ts';

/**
 * The provider campaign CAIO hands its leads to (DESIGN §9 "Campaign preflight"): what it reads
 * of Instantly's `GET /api/v2/campaigns/{id}`, and the pure checks a campaign must pass before a
 * single lead is added to it. No I/O here: src/jobs/campaign-preflight.ts reads and acts.
 */

/** One variant (A/B) of a campaign step: the text Instantly sends, with `{{...}}` variables. */
export interface CampaignVariant {
  subject: string;
  body: string;
}

/** `sequences[0].steps[]`: `type` is `email` for an email step; `delay` is in the campaign's unit (days). */
export interface CampaignStep {
  type: string;
  delay: number | null;
  variants: CampaignVariant[];
}

/** The fields of the campaign the preflight uses. */
export interface Campaign {
  id: string;
  name: string | null;
  /** Instantly: 0 draft, 1 active, 2 paused, 3 completed, negative = an error state. */
  status: number | null;
  daily_limit: number | null;
  stop_on_reply: boolean | null;
  steps: CampaignStep[];
}

/** Why a campaign cannot be used: each names one check, so the alert and status can list them. */
export type CampaignCheck = 'campaign_exists' | 'api_key' | 'readable' | 'reachable' | 'email_steps' | 'max_steps' | 'placeholders' | 'stop_on_reply';

export interface CampaignProblem {
  check: CampaignCheck;
  message: string;
}

/** CAIO approves this many emails per lead; the campaign may not send more. */
export const MAX_EMAIL_STEPS = EMAIL_STEP_DAYS.length;

/** Instantly's status codes, for people. */
export function campaignStatusName(status: number | null): string {
  switch (status) {
    case null:
      return 'unknown';
    case 0:
      return 'draft';
    case 1:
      return 'active';
    case 2:
      return 'paused';
    case 3:
      return 'completed';
    case 4:
      return 'running subsequences';
    default:
      return status < 0 ? `error state ${status}` : `status ${status}`;
  }
}

/** `{{caio_body_3}}`, allowing spaces inside the braces as Instantly does. */
function usesVariable(text: string, name: string): boolean {
  return new RegExp(`\\{\\{\\s*${name}\\s*\\}\\}`).test(text);
}

/** A, B, C… as Instantly labels variants. */
function variantLabel(index: number): string {
  return index < 26 ? String.fromCharCode(65 + index) : String(index + 1);
}

/**
 * Every reason the campaign would send something CAIO did not approve (empty when it is fit):
 * email step N must use `{{caio_body_N}}` in every variant's body and `{{caio_subject_N}}` in its
 * subject (a follow-up may leave the subject empty: it goes in step 1's thread), `stop_on_reply`
 * must be on, and there must be between 1 and MAX_EMAIL_STEPS email steps.
 */
export function campaignProblems(campaign: Campaign): CampaignProblem[] {
  const problems: CampaignProblem[] = [];
  const emailSteps = campaign.steps.filter((step) => step.type === 'email');
  if (emailSteps.length === 0) problems.push({ check: 'email_steps', message: 'the campaign has no email step (its sequence must hold steps using {{caio_subject_N}} and {{caio_body_N}})' });
  if (emailSteps.length > MAX_EMAIL_STEPS) {
    problems.push({ check: 'max_steps', message: `the campaign has ${emailSteps.length} email steps but CAIO approves ${MAX_EMAIL_STEPS}: steps ${MAX_EMAIL_STEPS + 1}-${emailSteps.length} would send text nobody approved` });
  }
  emailSteps.forEach((step, index) => {
    const n = index + 1;
    if (step.variants.length === 0) {
      problems.push({ check: 'placeholders', message: `email step ${n} has no variant (it needs a body with {{caio_body_${n}}})` });
      return;
    }
    step.variants.forEach((variant, v) => {
      const where = `email step ${n}${step.variants.length > 1 ? `, variant ${variantLabel(v)}` : ''}`;
      if (!usesVariable(variant.body, `caio_body_${n}`)) problems.push({ check: 'placeholders', message: `${where}: the body lacks {{caio_body_${n}}}` });
      // A follow-up with an empty subject goes in step 1's thread; step 1 itself needs one.
      const subjectOk = usesVariable(variant.subject, `caio_subject_${n}`) || (n > 1 && variant.subject.trim() === '');
      if (!subjectOk) problems.push({ check: 'placeholders', message: `${where}: the subject lacks {{caio_subject_${n}}}${n > 1 ? ' (or leave it empty to reply in step 1’s thread)' : ''}` });
    });
  });
  if (campaign.stop_on_reply !== true) problems.push({ check: 'stop_on_reply', message: 'stop_on_reply is off: a lead who replies would keep getting the follow-ups' });
  return problems;
}

/** Number of email steps, for status lines. */
export function emailStepCount(campaign: Pick<Campaign, 'steps'>): number {
  return campaign.steps.filter((step) => step.type === 'email').length;
}

/** A campaign that passes every check: the sandbox's, and the fakes' default. */
export function wellFormedCampaign(id: string, name = 'CAIO sequence'): Campaign {
  const delays = EMAIL_STEP_DAYS.map((day, i) => (i === 0 ? 0 : day - (EMAIL_STEP_DAYS[i - 1] ?? 0)));
  return {
    id,
    name,
    status: 1,
    daily_limit: 50,
    stop_on_reply: true,
    steps: delays.map((delay, i) => ({
      type: 'email',
      delay,
      variants: [{ subject: `{{caio_subject_${i + 1}}}`, body: `<div>{{caio_body_${i + 1}}}</div>` }],
    })),
  };
}
