import { esc } from '../bot/format.ts';
import { parseRunRequest, RunRequestError, startRun } from '../jobs/runs.ts';
import { helpText } from './help-text.ts';
import { ackUnlessApprover, type Subcommand } from './types.ts';

/** `/caio run [source] [--leads N]`: starts a run once, however often Slack delivers the command. */
export const run: Subcommand<'run'> = async (args, deps, parsed) => {
  const { command, ack, context } = args;
  const { ctx } = deps;
  if (!(await ackUnlessApprover(args, deps, 'run', 'pipeline'))) return;
  const user = command.user_id;
  let request;
  try {
    request = parseRunRequest({
      source: parsed.source ?? 'default',
      limit: parsed.leads ?? ctx.config.pipeline.default_leads,
      startedBy: user,
      slackChannel: command.channel_id,
    });
  } catch (err) {
    if (!(err instanceof RunRequestError)) throw err;
    // The message quotes what the user typed: escaped so it cannot mention @channel or hide a link.
    await ack({ response_type: 'ephemeral', text: helpText(esc(err.message)) });
    return;
  }
  // A retry means Slack did not see our first ack in time: that delivery is already being handled.
  if (context.retryNum) {
    await ack();
    deps.logger.info({ retryNum: context.retryNum, trigger: command.trigger_id }, 'slack retry of /caio run ignored');
    return;
  }
  await ack({ response_type: 'ephemeral', text: `Starting a run of up to ${request.limit} leads from \`${request.source}\`…` });
  const fresh = await ctx.redis.set(ctx.keys.slack.trigger(command.trigger_id), '1', 'EX', ctx.config.slack.trigger_dedupe_s, 'NX');
  if (fresh !== 'OK') {
    deps.logger.info({ trigger: command.trigger_id }, 'duplicate /caio run delivery ignored');
    return;
  }
  const { runId, stopped } = await startRun(ctx, request);
  await ctx.notifier.runUpdated(runId);
  const text = stopped
    ? `Run \`${runId}\` is queued, but the pipeline is under EMERGENCY STOP: it starts when an approver resumes.`
    : `Run \`${runId}\` started. Its progress is posted in this channel.`;
  await deps.reply(command.response_url, { response_type: 'ephemeral', text });
};
