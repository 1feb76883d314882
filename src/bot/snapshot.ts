import type { AppContext } from '../context.ts';
import { checkHealth } from '../health.ts';
import type { Snapshot } from './blocks-control.ts';

/** Everything /caio status and App Home show, read fresh from Redis. */
export async function loadSnapshot(ctx: AppContext): Promise<Snapshot> {
  const [health, stop, runs] = await Promise.all([checkHealth(ctx), ctx.emergency.state(), ctx.store.listRuns(5)]);
  return { health, stop, runs, safety: ctx.config.safety };
}
