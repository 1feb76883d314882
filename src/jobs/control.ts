import type { Audit } from '../core/audit.ts';
import type { Emergency } from '../core/emergency.ts';
import type { Store } from '../core/store.ts';
import type { Notifier } from '../core/notifier.ts';
import type { Queues } from './queues.ts';
import type { ProviderControl } from './provider-pause.ts';

type ControlDeps = { emergency: Emergency; queues: Queues; store: Store; audit: Audit; notifier: Notifier; providerControl: Pick<ProviderControl, 'request' | 'requestPreflight'> };

/**
 * EMERGENCY STOP: sets the cluster-wide flag (every gate and provider call reads it), pauses
 * every queue (no worker anywhere takes a new job), marks active runs stopped, and queues the
 * pause of the Instantly and HeyReach campaigns (what was handed to them stops too; DESIGN §9).
 */
export async function stopEverything(deps: ControlDeps, by: string, reason: string): Promise<{ changed: boolean }> {
  const changed = await deps.emergency.stop(by, reason);
  // Only queued here (no provider call holds the caller): a worker retries it until each provider
  // confirms. Also when already stopped, so a second stop re-drives a pause that has not landed.
  await deps.providerControl.request('pause', by, reason);
  await Promise.all(deps.queues.all().map((q) => q.pause()));
  // Every run, however old: a stop must not leave an old run marked running.
  const runs = await deps.store.runsWithStatus(['running', 'awaiting_approval']);
  for (const run of runs) {
    await deps.store.setRunStatus(run.id, 'stopped');
    await deps.notifier.runUpdated(run.id);
  }
  if (changed) {
    await deps.audit.append({ actor: by, action: 'stop', subject: 'pipeline', details: { reason } });
    await deps.notifier.alert('CRITICAL', `EMERGENCY STOP by ${by}: every outbound call is halted. ${reason}`, { by, reason });
  }
  return { changed };
}

/**
 * Resume: clears the flag, activates the provider campaigns (replacing a pending pause), runs
 * the campaign preflight at once, resumes the queues and puts stopped runs back to work.
 */
export async function resumeEverything(deps: ControlDeps, by: string): Promise<{ changed: boolean }> {
  const changed = await deps.emergency.clear();
  await deps.providerControl.request('activate', by, 'resume');
  await deps.providerControl.requestPreflight();
  const runs = await deps.store.runsWithStatus(['stopped']);
  for (const run of runs) {
    await deps.store.setRunStatus(run.id, 'running');
    await deps.store.refreshRunStatus(run.id);
    await deps.notifier.runUpdated(run.id);
  }
  await Promise.all(deps.queues.all().map((q) => q.resume()));
  if (changed) {
    await deps.audit.append({ actor: by, action: 'resume', subject: 'pipeline' });
    await deps.notifier.alert('WARNING', `Pipeline resumed by ${by}. Held sends go out no faster than the configured send rate.`, { by });
  }
  return { changed };
}
