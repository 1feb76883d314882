import { statusBlocks } from '../bot/blocks-control.ts';
import { loadSnapshot } from '../bot/snapshot.ts';
import type { Subcommand } from './types.ts';

/** `/caio status`: anyone may look; the stop or resume button is on the message. */
export const status: Subcommand<'status'> = async ({ ack, respond }, deps) => {
  await ack();
  const snapshot = await loadSnapshot(deps.ctx);
  await respond({ response_type: 'ephemeral', text: snapshot.stop.stopped ? 'CAIO is stopped' : 'CAIO is running', blocks: statusBlocks(snapshot) });
};
