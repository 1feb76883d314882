import { z } from 'zod';

const text = z.string().max(2_000).nullish();

/** Pipeline lead refs and visitor ids become part of Redis keys and BullMQ job ids. */
const ref = z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, 'letters, digits, _ and - only (1-200)');

export const VISITOR_ID = /^v_[a-f0-9]{20}$/;

/**
 * The Clay callback of DESIGN §4: every enrichment field may be null or missing and extra
 * fields are ignored (Clay tables grow columns).
 */
export const clayCallbackSchema = z.looseObject({
  source: z.string().max(100).nullish(),
  lead_id: ref.nullish(),
  visitor_id: z.string().regex(VISITOR_ID, 'expected a CAIO visitor id (v_ + 20 hex digits)').nullish(),
  email: text,
  email_status: text,
  first_name: text,
  last_name: text,
  title: text,
  company_name: text,
  company_domain: text,
  linkedin_url: text,
  industry: text,
  employee_count: z.union([z.number(), z.string().max(100)]).nullish(),
  /** Optional phone column (the day-3 call task shows it). */
  phone: z.union([z.string().max(100), z.number()]).nullish(),
});

export type ClayCallbackBody = z.infer<typeof clayCallbackSchema>;

/** The fields a job carries (extra columns are dropped, so job data stays small). */
const ENRICHMENT_FIELDS = ['email', 'email_status', 'first_name', 'last_name', 'title', 'company_name', 'company_domain', 'linkedin_url', 'industry', 'employee_count', 'phone'] as const;

export type ClayEnrichment = Pick<ClayCallbackBody, (typeof ENRICHMENT_FIELDS)[number]>;

export interface ClayPipelinePayload extends ClayEnrichment {
  source: 'caio_pipeline';
  lead_id: string;
}

export interface ClayVisitorPayload extends ClayEnrichment {
  /** Absent when the row came from a Clay table CAIO did not fill (RB2B → Clay directly). */
  visitor_id: string | null;
  /** Set on the stand-in CAIO queues when Clay is asked: it completes the visitor only if Clay never did. */
  fallback?: boolean;
}

export function pickEnrichment(body: ClayCallbackBody): ClayEnrichment {
  const out: Record<string, unknown> = {};
  for (const field of ENRICHMENT_FIELDS) if (body[field] !== undefined) out[field] = body[field];
  return out as ClayEnrichment;
}

export const PIPELINE_SOURCE = 'caio_pipeline';
