/**
 * Contracts between the floors: defined here, on the bottom floor, so that providers and core can
 * depend on them without importing the jobs that implement them. (The Notifier port lives in
 * ./notifier.ts.)
 */

/** The payload a Clay table row posts back (DESIGN §4), already validated. */
export interface ClayCallback {
  source?: string | undefined;
  lead_id?: string | undefined;
  email?: string | null | undefined;
  email_status?: string | null | undefined;
  first_name?: string | null | undefined;
  last_name?: string | null | undefined;
  title?: string | null | undefined;
  company_name?: string | null | undefined;
  company_domain?: string | null | undefined;
  linkedin_url?: string | null | undefined;
  industry?: string | null | undefined;
  employee_count?: number | string | null | undefined;
  phone?: string | number | null | undefined;
}

/** applied: the waiting lead resumes; late: stored after the timeout, not applied; duplicate: seen before. */
export type ClayResumeResult = 'applied' | 'late' | 'duplicate' | 'unknown_lead';

/** Where a Clay pipeline callback goes: records it once and wakes the lead's parked enrichment (src/jobs/clay-resume.ts). */
export type ClayResultSink = (payload: ClayCallback & { lead_id: string }) => Promise<ClayResumeResult>;
