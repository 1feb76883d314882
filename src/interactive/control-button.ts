import { statusBlocks } from '../bot/blocks-control.ts';
import type { SlackDeps } from '../bot/deps.ts';
import { loadSnapshot } from '../bot/snapshot.ts';
import { resumeEverything, stopEverything } from '../jobs/control.ts';
import type { ButtonArgs } from './types.ts';

/**
 * EMERGENCY STOP and Resume buttons (run message, /caio status, App Home): approvers only; the
 * surface the click came from is refreshed so the other button appears in its place.
 */
export async function controlFromButton(args: ButtonArgs, deps: SlackDeps, action: 'stop' | 'resume'): Promise<void> {
  const { ack, body, action: button, client } = args;
  await ack();
  const user = body.user.id;
  const inHome = body.container?.type === 'view';
  const tell = async (text: string) => {
    // App Home has no response_url: the answer goes to the user's DM with the app instead.
    if (inHome || !body.response_url) await client.chat.postMessage({ channel: user, text });
    else await deps.reply(body.response_url, { response_type: 'ephemeral', replace_original: false, text });
  };
  if (!deps.approvers.allows(user)) {
    await tell(await deps.approvers.refuse(user, action, 'pipeline'));
    return;
  }
  const { ctx } = deps;
  const { changed } =
    action === 'stop' ? await stopEverything(ctx, user, 'EMERGENCY STOP button in Slack') : await resumeEverything(ctx, user);
  deps.status.invalidate();
  if (button.value?.startsWith('run_')) await ctx.notifier.runUpdated(button.value);
  if (inHome) {
    await deps.publishHome(client, user);
    return;
  }
  if (body.container?.is_ephemeral && body.response_url) {
    const snapshot = await loadSnapshot(ctx);
    await deps.reply(body.response_url, { response_type: 'ephemeral', replace_original: true, text: snapshot.stop.stopped ? 'CAIO is stopped' : 'CAIO is running', blocks: statusBlocks(snapshot) });
    return;
  }
  const done = action === 'stop' ? ':octagonal_sign: EMERGENCY STOP is on: queues paused, no outbound call will be made.' : ':arrow_forward: Resumed.';
  await tell(changed ? done : action === 'stop' ? 'The emergency stop was already on.' : 'Nothing to resume.');
}
