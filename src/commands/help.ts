import { esc } from '../bot/format.ts';
import { helpText } from './help-text.ts';
import type { Subcommand } from './types.ts';

/** `/caio help`, and the answer to an unknown subcommand or bad flag (naming the problem). */
export const help: Subcommand<'help' | 'invalid'> = async ({ ack }, _deps, parsed) => {
  await ack({ response_type: 'ephemeral', text: helpText(parsed.kind === 'invalid' ? esc(parsed.problem) : undefined) });
};
