import type { Audit } from '../core/audit.ts';
import { fileConfigSchema } from '../core/config.ts';
import { looseningChanges, parsePolicy, setPath, type FieldChange, type Policy, type PolicyStore, type StoredPolicy } from '../core/policy.ts';
import type { Notifier } from '../core/notifier.ts';

type PolicyChangeDeps = { policy: PolicyStore; audit: Audit; notifier: Notifier };

export type PolicyChangeOutcome =
  | { kind: 'changed'; before: StoredPolicy | null; after: StoredPolicy; changed: FieldChange[]; loosening: string[] }
  | { kind: 'invalid'; errors: Record<string, string> }
  | { kind: 'needs_confirmation'; loosening: string[]; version: number | null }
  | { kind: 'conflict'; current: number | null }
  | { kind: 'unchanged' };

/** The safest settings there are (the defaults), to compare a fix of a broken stored policy with. */
const SAFE_DEFAULTS = { safety: fileConfigSchema.shape.safety.parse({}), icp: fileConfigSchema.shape.icp.parse({}) } satisfies Policy;

/** Applies `path=value` assignments (paths under `safety.` or `icp.`) to a copy of a policy. */
export function applyAssignments(base: Policy, assignments: Record<string, unknown>): Record<string, unknown> {
  let next = structuredClone(base) as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(assignments)) next = setPath(next, path, value);
  return next;
}

function describeValue(value: unknown): string {
  return value === null || value === undefined ? 'none' : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** One line per changed field, for the announcement and the confirm step. */
export function describeChanges(changes: FieldChange[]): string[] {
  return changes.map((c) => `${c.path}: ${describeValue(c.before)} → ${describeValue(c.after)}`);
}

/**
 * The one way the policy changes (Slack modal and CLI alike): validated, a loosening change only
 * with `confirmed`, compare-and-set on the version the person saw, audited before/after and
 * announced in the alert channel.
 */
export async function changePolicy(
  deps: PolicyChangeDeps,
  input: { next: unknown; by: string; expectedVersion: number | null; confirmed: boolean },
): Promise<PolicyChangeOutcome> {
  const parsed = parsePolicy(input.next);
  if (!parsed.ok) return { kind: 'invalid', errors: parsed.errors };
  deps.policy.invalidate();
  const current = await deps.policy.read();
  const base = current.ok ? current.stored.policy : SAFE_DEFAULTS;
  const loosening = looseningChanges(base.safety, parsed.policy.safety);
  if (loosening.length > 0 && !input.confirmed) return { kind: 'needs_confirmation', loosening, version: current.ok ? current.stored.version : current.version };
  const result = await deps.policy.replace(parsed.policy, input.by, input.expectedVersion);
  if (!result.ok) {
    if (result.reason === 'invalid') return { kind: 'invalid', errors: result.errors };
    if (result.reason === 'conflict') return { kind: 'conflict', current: result.current };
    return { kind: 'unchanged' };
  }
  const before = Object.fromEntries(result.changed.map((c) => [c.path, c.before]));
  const after = Object.fromEntries(result.changed.map((c) => [c.path, c.after]));
  await deps.audit.append({
    actor: input.by,
    action: 'policy.change',
    subject: 'policy',
    details: { from_version: result.before?.version ?? null, to_version: result.after.version, before, after, loosening },
  });
  const lines = describeChanges(result.changed);
  await deps.notifier.alert(
    'WARNING',
    `Safety policy changed to version ${result.after.version} by ${input.by}${loosening.length > 0 ? ` (loosens safety: ${loosening.join(', ')})` : ''}: ${lines.join('; ')}`,
    { by: input.by, version: result.after.version },
  );
  return { kind: 'changed', before: result.before, after: result.after, changed: result.changed, loosening };
}
