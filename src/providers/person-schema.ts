import { z } from 'zod';
import type { Person } from '../core/types.ts';

const text = z
  .string()
  .nullish()
  .transform((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null));

const count = z
  .union([z.number(), z.string()])
  .nullish()
  .transform((v) => {
    const n = typeof v === 'string' ? Number(v.replace(/[^0-9.]/g, '')) : v;
    return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.round(n) : null;
  });

/** Provider ids become part of job ids: keep only characters BullMQ and Redis keys accept. */
const id = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).replace(/[^A-Za-z0-9_-]/g, '_'))
  .pipe(z.string().min(1).max(120));

/** A person from any provider, null-safe: missing fields become null, never undefined. */
export const personSchema = z.object({
  id,
  first_name: text,
  last_name: text,
  title: text,
  seniority: text,
  email: text,
  email_status: text,
  linkedin_url: text,
  company_name: text,
  company_domain: text,
  industry: text,
  employee_count: count,
  signals: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? []),
});

export function parsePerson(raw: unknown): Person {
  return personSchema.parse(raw);
}
