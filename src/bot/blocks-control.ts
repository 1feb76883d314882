import type { types } from '@slack/bolt';
import type { PolicyRead } from '../core/policy.ts';
import type { StopState } from '../core/emergency.ts';
import type { Run } from '../core/store.ts';
import { columnWidths, stageRows } from '../core/stage-table.ts';
import type { Health } from '../health.ts';
import type { Kpis } from '../core/kpis.ts';
import { campaignStatusLines, type CampaignStatus } from '../jobs/campaign-status.ts';
import type { SenderUsage } from '../core/linkedin-senders.ts';
import { crafterLine, type CrafterFigures } from '../core/crafter-usage.ts';
import { confirmDialog, context, esc, mrkdwn, when, who, type Block } from './format.ts';

export const ACTION_STOP = 'emergency_stop';
export const ACTION_RESUME = 'emergency_resume';

/** EMERGENCY STOP (danger, confirmed) when running; Resume (confirmed, approvers only) when stopped. */
/** `value` names the run when the button sits on a run message, so that message is refreshed. */
export function stopOrResume(stopped: boolean, value = 'control'): types.ActionsBlock {
  const button: types.Button = stopped
    ? {
        type: 'button',
        action_id: ACTION_RESUME,
        text: { type: 'plain_text', text: 'Resume' },
        style: 'primary',
        value,
        confirm: confirmDialog('Resume the pipeline?', 'Queues resume and held sends go out at the configured send rate.', 'Resume'),
      }
    : {
        type: 'button',
        action_id: ACTION_STOP,
        text: { type: 'plain_text', text: 'EMERGENCY STOP' },
        style: 'danger',
        value,
        confirm: confirmDialog('Stop everything?', 'Every queue pauses and no outbound call is made anywhere until someone resumes.', 'STOP', true),
      };
  return { type: 'actions', block_id: 'emergency', elements: [button] };
}

function seconds(ms: number): string {
  return ms > 0 ? `${(ms / 1000).toFixed(1)}s` : '-';
}

/** The stage table as a fixed-width code block (Slack has no table block). */
export function stageTable(run: Run): string {
  const rows = [['stage', 'in', 'out', 'dropped', 'errors', 'time']];
  for (const s of stageRows(run)) rows.push([s.stage, String(s.in), String(s.out), String(s.dropped), String(s.errors), seconds(s.duration_ms)]);
  const widths = columnWidths(rows);
  return '```\n' + rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n') + '\n```';
}

const STATUS_ICON: Record<Run['status'], string> = {
  running: ':arrows_counterclockwise:',
  awaiting_approval: ':hourglass:',
  completed: ':white_check_mark:',
  stopped: ':octagonal_sign:',
  failed: ':x:',
};

function runSummary(run: Run): string | null {
  if (run.status !== 'completed' && run.status !== 'failed' && run.status !== 'stopped') return null;
  const sent = run.stages.send.out;
  const parts = [
    `*Summary:* ${run.total ?? 0} leads found, ${run.stages.enrich.out} enriched, ${run.stages.craft.out} emails crafted,`,
    `${run.stages.approve.out} approved, ${sent} sent or shadowed, ${run.stages.approve.dropped} rejected.`,
  ];
  if (run.error) parts.push(`Error: ${esc(run.error)}`);
  return parts.join(' ');
}

/** The run message, updated in place as stages advance, ending with the summary. */
export function runMessage(run: Run, stopped: boolean): { text: string; blocks: Block[] } {
  const head = `${STATUS_ICON[run.status]} *Run \`${run.id}\`* — ${run.status.replace('_', ' ')}`;
  const meta = `source \`${run.source}\` · up to ${run.limit} leads · started by ${who(run.started_by)} at ${when(run.created_at)}`;
  const blocks: Block[] = [mrkdwn(`${head}\n${meta}`), mrkdwn(stageTable(run))];
  const summary = runSummary(run);
  if (summary) blocks.push(mrkdwn(summary));
  if (run.awaiting > 0) blocks.push(context(`${run.awaiting} email(s) waiting for approval`));
  blocks.push(stopOrResume(stopped, run.id));
  return { text: `Run ${run.id}: ${run.status}`, blocks };
}

/** What /caio status and App Home show. */
export interface Snapshot {
  /** When it was read (a cached status says how old it is). */
  at: string;
  health: Health;
  stop: StopState;
  runs: Run[];
  /** The cluster's stored safety policy, or why it is unusable. */
  policy: PolicyRead;
  /** Instantly email KPIs of the UTC day (from its webhooks). */
  kpis: Kpis & { day: string };
  /** The provider campaigns: preflight, pause/activate confirmation, sends at the provider (null: unreadable). */
  campaign?: CampaignStatus | null;
  /** Connection requests per LinkedIn sender today and over the rolling week (null: unreadable). */
  linkedin?: SenderUsage[] | null;
  /** The LLM crafter: off, or its figures today and per recent run (null: unreadable). */
  crafter?: CrafterStatus | null;
}

/** What status shows of the LLM crafter. */
export type CrafterStatus =
  | { on: false }
  | {
      on: true;
      model: string;
      /** "v1 3f2a…": the prompt files' version and hash. */
      prompt: string;
      budget: { daily_tokens: number | null; daily_usd: number | null };
      today: CrafterFigures & { day: string };
      runs: Array<{ id: string; figures: CrafterFigures }>;
    };

/** Tokens, money and context zones of the LLM crafter today and per recent run. */
export function crafterText(status: CrafterStatus | null | undefined): string {
  if (status === undefined) return '*LLM crafter*: not loaded';
  if (status === null) return '*LLM crafter*: unknown (Redis did not answer)';
  if (!status.on) return '*LLM crafter*: off (no LLM_API_KEY): the templates write every email';
  const budget = [status.budget.daily_tokens !== null ? `${status.budget.daily_tokens.toLocaleString('en')} tokens` : null, status.budget.daily_usd !== null ? `$${status.budget.daily_usd}` : null].filter(Boolean).join(' / ') || 'none';
  const lines = [`*LLM crafter* \`${esc(status.model)}\` · prompt ${esc(status.prompt)} · daily budget ${esc(budget)}`, `today (${status.today.day}, UTC): ${esc(crafterLine(status.today))}`];
  for (const run of status.runs) lines.push(`\`${run.id}\`: ${esc(crafterLine(run.figures))}`);
  return lines.join('\n');
}

/** One line per LinkedIn sender: today against its (ramped) day cap, the rolling week against its cap. */
export function linkedinText(usage: SenderUsage[] | null | undefined): string {
  if (!usage) return '*LinkedIn connection requests*: unknown';
  const rows = usage.map(
    (u) => `\`${esc(u.sender)}\` today ${u.today}/${u.capToday} · 7 days ${u.week}/${u.weeklyCap}${u.rampWeek !== null ? ` · ramp week ${u.rampWeek}` : ''}`,
  );
  return `*LinkedIn connection requests*\n${rows.join('\n')}`;
}

const pct = (rate: number) => `${(rate * 100).toFixed(1)}%`;

function kpiText(k: Snapshot['kpis']): string {
  return `*Email KPIs* (${k.day}, UTC): ${k.sent} sent · ${k.opened} opened (${pct(k.open_rate)}) · ${k.replied} replied (${pct(k.reply_rate)}) · ${k.bounced} bounced (${pct(k.bounce_rate)}) · ${k.unsubscribed} unsubscribed`;
}

function emergencyText(stop: StopState): string {
  if (!stop.stopped) return ':large_green_circle: *Running* — no emergency stop is set.';
  return `:octagonal_sign: *EMERGENCY STOP* by ${who(stop.by)}${stop.at ? ` at ${when(stop.at)}` : ''}${stop.reason ? ` — ${esc(stop.reason)}` : ''}`;
}

function queueText(health: Health): string {
  const rows = Object.entries(health.queues).map(
    ([stage, c]) => `${stage.padEnd(8)} waiting ${String(c.waiting ?? 0).padStart(4)}  active ${String(c.active ?? 0).padStart(3)}  delayed ${String(c.delayed ?? 0).padStart(4)}  failed ${String(c.failed ?? 0).padStart(3)}`,
  );
  return rows.length > 0 ? '```\n' + rows.join('\n') + '\n```' : '_Redis is down: no queue depths._';
}

function runsText(runs: Run[]): string {
  if (runs.length === 0) return '_No runs yet._';
  return runs
    .map((r) => `${STATUS_ICON[r.status]} \`${r.id}\` ${r.source} · ${r.terminal}/${r.total ?? '?'} done · ${r.awaiting} awaiting · by ${who(r.started_by)}`)
    .join('\n');
}

/** One line of the safety settings; a broken stored policy says so (every send is refused). */
export function safetyText(read: PolicyRead): string {
  if (!read.ok) return `:rotating_light: *The stored policy is invalid: every send is refused.* ${esc(read.problem)}`;
  const safety = read.stored.policy.safety;
  const window = safety.send_window ? `${safety.send_window.days.join(',')} ${safety.send_window.from}-${safety.send_window.to} ${safety.send_window.timezone}` : 'any time';
  return [
    `shadow mode *${safety.shadow_mode ? 'on' : 'off'}*`,
    `actually send *${safety.actually_send ? 'on' : 'off'}*`,
    `auto-approve *${safety.auto_approve ? 'on' : 'off'}*`,
    `daily cap *${safety.max_daily_sends}*`,
    `window *${esc(window)}*`,
    `warm-up *${safety.warmup ? safety.warmup.ramp.join('→') : 'none'}*`,
    `policy v${read.stored.version} by ${who(read.stored.updated_by)}`,
  ].join(' · ');
}

function sendsText(health: Health): string {
  const s = health.sends_today;
  return s ? `*Sends today* (${s.day}): ${s.count} of ${s.cap}` : '*Sends today*: unknown';
}

/** The campaign preflight and, per provider, whether its pause (or activate) is confirmed. */
export function campaignText(status: CampaignStatus | null | undefined): string {
  if (status === undefined) return '*Provider campaigns*: not loaded';
  if (status === null) return '*Provider campaigns*: unknown (Redis did not answer)';
  const failing = status.live_sends && status.preflight !== null && !status.preflight.ok;
  return `${failing ? ':rotating_light: ' : ''}*Provider campaigns*\n${campaignStatusLines(status).map(esc).join('\n')}`;
}

/** /caio status: state, sends, queues, recent runs, and the stop or resume button. */
export function statusBlocks(snap: Snapshot): Block[] {
  return [
    mrkdwn(emergencyText(snap.stop)),
    mrkdwn(campaignText(snap.campaign)),
    mrkdwn(sendsText(snap.health)),
    mrkdwn(linkedinText(snap.linkedin)),
    mrkdwn(crafterText(snap.crafter)),
    mrkdwn(`*Queues*\n${queueText(snap.health)}`),
    mrkdwn(`*Last runs*\n${runsText(snap.runs)}`),
    stopOrResume(snap.stop.stopped),
    context(`As of ${when(snap.at)}`),
  ];
}

/** App Home: everything of /caio status plus the safety settings. */
export function homeView(snap: Snapshot, autonomy: Block[] = []): types.HomeView {
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'CAIO control' } },
      mrkdwn(emergencyText(snap.stop)),
      stopOrResume(snap.stop.stopped),
      { type: 'divider' },
      mrkdwn(`*Safety settings*\n${safetyText(snap.policy)}`),
      mrkdwn(sendsText(snap.health)),
      mrkdwn(campaignText(snap.campaign)),
      mrkdwn(kpiText(snap.kpis)),
      mrkdwn(linkedinText(snap.linkedin)),
      mrkdwn(crafterText(snap.crafter)),
      mrkdwn(`*Queue depths*\n${queueText(snap.health)}`),
      mrkdwn(`*Last five runs*\n${runsText(snap.runs)}`),
      ...autonomy,
      context(`Updated ${when(snap.at)}`),
    ],
  };
}
