import type { Response } from 'express';
import type { z } from 'zod';

/** One failing field of a body, as the 422 answer lists it. */
export interface FieldIssue {
  path: string;
  message: string;
}

export function describeIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.slice(0, 20).map((issue) => ({ path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)', message: issue.message }));
}

/** Parses the body or answers 422 with the failing field paths (and returns null). */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, res: Response): z.infer<S> | null {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  res.status(422).json({ error: 'invalid body', issues: describeIssues(result.error) });
  return null;
}

/** A 422 for a rule that spans fields (e.g. which Clay branch a body belongs to). */
export function rejectField(res: Response, path: string, message: string): void {
  res.status(422).json({ error: 'invalid body', issues: [{ path, message }] satisfies FieldIssue[] });
}
