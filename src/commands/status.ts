import { statusBlocks, type Snapshot } from '../bot/blocks-control.ts';
import type { Subcommand } from './types.ts';

const message = (snapshot: Snapshot) => ({
  response_type: 'ephemeral' as const,
  text: snapshot.stop.stopped ? 'CAIO is stopped' : 'CAIO is running',
  blocks: statusBlocks(snapshot),
});

/**
 * `/caio status`: anyone may look. A snapshot under a second old is answered in the ack itself
 * (no I/O, one round trip less); otherwise the ack goes first and the answer follows.
 */
export const status: Subcommand<'status'> = async ({ command, ack }, deps) => {
  const cached = deps.status.fresh();
  if (cached) {
    await ack(message(cached));
    return;
  }
  await ack();
  await deps.reply(command.response_url, message(await deps.status.get()));
};
