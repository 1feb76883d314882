import { z } from 'zod';
import { CLAIM_FIELDS, type DraftStep } from './grounding.ts';

/** A model-written subject: shorter than the approval's limit, one line. */
export const MODEL_SUBJECT_MAX = 120;
/** Claims per step; more is not personalisation, it is a list of facts. */
const CLAIMS_MAX = 20;

const HTML = /<\/?[a-z!][^>]*>|&(?:[a-z]+|#\d+);/i;
// A URL, www., markdown link or mailto: the emails carry no links (deliverability, and a link is a claim no field backs).
const LINK = /\b(?:https?:\/\/|www\.|mailto:)|\]\(|\b[a-z0-9-]+\.[a-z]{2,}\/\S/i;

const text = (max: number, what: string) =>
  z
    .string()
    .transform((s) => s.replace(/\r\n?/g, '\n').trim())
    .pipe(
      z
        .string()
        .max(max, `${what} is longer than ${max} characters`)
        .refine((s) => !HTML.test(s), `${what} contains HTML`)
        .refine((s) => !LINK.test(s), `${what} contains a link`)
        // Instantly reads {{...}} as its own variables; a stray brace would become one.
        .refine((s) => !/[{}]/.test(s), `${what} contains { or }`),
    );

const stepSchema = (maxBody: number) =>
  z.object({
    subject: text(MODEL_SUBJECT_MAX, 'subject').refine((s) => !s.includes('\n'), 'subject has more than one line'),
    body: text(maxBody, 'body').refine((s) => s !== '', 'body is empty'),
    claims: z
      .array(z.object({ fragment: z.string().trim().min(1).max(300), field: z.enum(CLAIM_FIELDS) }))
      .max(CLAIMS_MAX)
      .prefault([]),
  });

/** The JSON the model must answer with: five steps, each with its claims. */
export function answerSchema(maxBody: number) {
  return z
    .object({ steps: z.array(stepSchema(maxBody)).length(5, 'expected exactly 5 steps') })
    .superRefine((answer, ctx) => {
      // Steps 2, 3 and 5 reply in step 1's thread; step 1 and the break-up (4) need their own subject.
      for (const i of [0, 3]) {
        if (answer.steps[i]?.subject === '') ctx.addIssue({ code: 'custom', path: ['steps', i, 'subject'], message: `step ${i + 1} needs a subject` });
      }
    });
}

export type ParsedAnswer = { ok: true; steps: DraftStep[] } | { ok: false; problems: string[] };

/** The JSON object in a model's answer: fences and any prose around the outermost braces are ignored. */
function extractJson(answer: string): unknown {
  const start = answer.indexOf('{');
  const end = answer.lastIndexOf('}');
  if (start < 0 || end <= start) throw new Error('no JSON object in the answer');
  return JSON.parse(answer.slice(start, end + 1)) as unknown;
}

/** Parses and validates a model's answer; the problems say what was wrong, for the one retry. */
export function parseAnswer(answer: string, maxBody: number): ParsedAnswer {
  let raw: unknown;
  try {
    raw = extractJson(answer);
  } catch (err) {
    return { ok: false, problems: [`the answer was not a JSON object (${(err as Error).message})`] };
  }
  const result = answerSchema(maxBody).safeParse(raw);
  if (result.success) return { ok: true, steps: result.data.steps };
  const problems = result.error.issues.slice(0, 8).map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`);
  return { ok: false, problems };
}
