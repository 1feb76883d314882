import type { App } from '@slack/bolt';
import type { SlackDeps } from '../bot/deps.ts';
import { config } from './config.ts';
import { anneal } from './anneal.ts';
import { autonomy } from './autonomy.ts';
import { help } from './help.ts';
import { parseCaio } from './parse.ts';
import { resume } from './resume.ts';
import { run } from './run.ts';
import { status } from './status.ts';
import { stop } from './stop.ts';

/** Wires `/caio` and dispatches its subcommands, one file each. */
export function register(app: App, deps: SlackDeps): void {
  app.command('/caio', async (args) => {
    const parsed = parseCaio(args.command.text ?? '');
    switch (parsed.kind) {
      case 'run':
        return run(args, deps, parsed);
      case 'stop':
        return stop(args, deps, parsed);
      case 'resume':
        return resume(args, deps, parsed);
      case 'status':
        return status(args, deps, parsed);
      case 'config':
        return config(args, deps, parsed);
      case 'autonomy':
        return autonomy(args, deps, parsed);
      case 'anneal':
        return anneal(args, deps, parsed);
      case 'help':
      case 'invalid':
        return help(args, deps, parsed);
    }
  });
}
