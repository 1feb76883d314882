import type { PolicyChangeOutcome } from '../jobs/policy-change.ts';
import { describeChanges } from '../jobs/policy-change.ts';

/** What the modal says after a change was attempted. */
export function outcomeText(outcome: PolicyChangeOutcome): string {
  switch (outcome.kind) {
    case 'changed':
      return `Policy version ${outcome.after.version} is live on every CAIO process:\n${describeChanges(outcome.changed).map((l) => `• ${l}`).join('\n')}`;
    case 'conflict':
      return `Someone changed the policy meanwhile (now version ${outcome.current ?? 'unknown'}); nothing was changed. Open /caio config again.`;
    case 'unchanged':
      return 'Nothing changed: the policy already has these values.';
    case 'invalid':
      return `Nothing changed, the policy would be invalid: ${Object.entries(outcome.errors).map(([f, m]) => `${f}: ${m}`).join('; ')}`;
    case 'needs_confirmation':
      return `Nothing changed: this loosens safety (${outcome.loosening.join(', ')}) and needs a confirmation.`;
  }
}
