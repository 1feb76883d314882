import type { types } from '@slack/bolt';
import type { AppContext } from '../context.ts';
import type { FeatureEvidence } from '../core/anneal.ts';
import { gateTable, pct, segmentTable } from '../core/autonomy.ts';
import type { Proposal } from '../core/autonomy-proposals.ts';
import { parseSegment, metricOf, type Metric } from '../core/segment-kpis.ts';
import { createAutonomy, type AutonomyView } from '../jobs/autonomy-service.ts';
import { confirmDialog, context, esc, mrkdwn, when, who, type Block } from './format.ts';

export const ACTION_AUTONOMY_ENABLE = 'autonomy_enable';
export const ACTION_AUTONOMY_DISMISS = 'autonomy_dismiss';
export const ACTION_ANNEAL_APPLY = 'anneal_apply';
export const ACTION_ANNEAL_DISMISS = 'anneal_dismiss';

const code = (text: string) => '```\n' + text + '\n```';

const BARS = '▁▂▃▄▅▆▇█';

/** A row of bar characters, one per value, scaled to the largest (all zero: the lowest bar). */
export function sparkline(values: number[]): string {
  const max = Math.max(0, ...values);
  return values.map((v) => (max > 0 ? BARS[Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1)))] : BARS[0])).join('');
}

const TREND_METRICS: Array<[Metric, string]> = [
  ['sent', 'sends'],
  ['opened', 'opens'],
  ['replied', 'replies'],
  ['bounced', 'bounces'],
];

/** 14-day trends of sends, opens, replies and bounces, one sparkline each (oldest day first). */
export function trendText(trend: AutonomyView['trend']): string {
  if (trend.length === 0) return '';
  const rows = TREND_METRICS.map(([metric, label]) => {
    const values = trend.map((d) => metricOf(d.counters, 'all', metric));
    const total = values.reduce((a, b) => a + b, 0);
    return `${label.padEnd(8)} ${sparkline(values)}  ${String(total).padStart(6)} in ${trend.length} days · today ${values.at(-1) ?? 0}`;
  });
  return `${trend[0]!.day} → ${trend.at(-1)!.day} (UTC)\n${rows.join('\n')}`;
}

/** `/caio autonomy`: the score, every gate, the segments. */
export function autonomyBlocks(view: AutonomyView): Block[] {
  return [
    mrkdwn(`*Autonomy graduation* — score *${view.report.score}/100*, ${view.report.passed} of ${view.report.gates.length} gates pass`),
    mrkdwn(code(gateTable(view.report, view))),
    mrkdwn(`*Segments* (source/tier; decisions since auto-approval was last lost)\n${code(segmentTable(view.segments))}`),
    context(`As of ${when(view.at)} · thresholds in the config's \`autonomy\` section · a gate with too little data never passes`),
  ];
}

/** The autonomy part of App Home: the same table, and 14-day trends. */
export function autonomyHomeBlocks(view: AutonomyView): Block[] {
  return [
    { type: 'divider' },
    mrkdwn(`*Autonomy graduation* — score *${view.report.score}/100*, ${view.report.passed} of ${view.report.gates.length} gates pass`),
    mrkdwn(code(gateTable(view.report, view))),
    mrkdwn(`*Segments*\n${code(segmentTable(view.segments))}`),
    mrkdwn(`*Trends*\n${code(trendText(view.trend))}`),
  ];
}

/** App Home's autonomy blocks, or one line saying they could not be read (App Home still publishes). */
export async function loadAutonomyHome(ctx: AppContext): Promise<Block[]> {
  try {
    return autonomyHomeBlocks(await createAutonomy(ctx).view());
  } catch (err) {
    ctx.logger.warn({ err }, 'could not read the autonomy gates for App Home');
    return [{ type: 'divider' }, mrkdwn('*Autonomy graduation*: unknown (Redis did not answer)')];
  }
}

/** "tier A leads from `competitor_gong`" */
export function segmentWords(segment: string): string {
  const parts = parseSegment(segment);
  return parts ? `tier ${parts.tier} leads from \`${esc(parts.source)}\`` : `\`${esc(segment)}\``;
}

function button(actionId: string, text: string, value: string, style?: 'primary' | 'danger', confirm?: types.ConfirmationDialog): types.Button {
  return { type: 'button', action_id: actionId, text: { type: 'plain_text', text }, value, ...(style ? { style } : {}), ...(confirm ? { confirm } : {}) };
}

function evidenceTable(features: FeatureEvidence[]): string {
  const rows = [['feature', 'with it', 'without', 'z', 'weight', 'change']];
  for (const f of features) {
    const rate = (a: number, n: number) => (n > 0 ? pct(a / n) : '-');
    rows.push([
      f.feature,
      `${f.with.n} · ${rate(f.with.replied, f.with.n)} (${rate(f.with.positive, f.with.n)}+)`,
      `${f.without.n} · ${rate(f.without.replied, f.without.n)} (${rate(f.without.positive, f.without.n)}+)`,
      f.reply_z.toFixed(2),
      f.after === f.before ? String(f.before) : `${f.before} → ${f.after}`,
      f.verdict === 'not_enough_data' ? 'n/a' : `${f.change >= 0 ? '+' : ''}${(f.change * 100).toFixed(0)}%`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function stateLine(p: Proposal): string | null {
  switch (p.status) {
    case 'open':
      return null;
    case 'enabled':
      return `:white_check_mark: *Enabled* by ${who(p.decided_by)} at ${when(p.decided_at)}`;
    case 'applied':
      return `:white_check_mark: *Applied* by ${who(p.decided_by)} at ${when(p.decided_at)}: the new weights hold cluster-wide (\`caio anneal --revert\` restores the previous ones)`;
    case 'dismissed':
      return `:no_entry_sign: *Dismissed* by ${who(p.decided_by)} at ${when(p.decided_at)}`;
    case 'superseded':
      return `:hourglass: *Out of date*: its data changed${p.superseded_by ? ', see the new proposal' : ''}. Nothing was changed from this card.`;
  }
}

/** A proposal card: Enable/Dismiss (a segment) or Apply/Dismiss (weights) while open, the decision after. */
export function proposalCard(p: Proposal): { text: string; blocks: Block[] } {
  const state = stateLine(p);
  const blocks: Block[] = [];
  let text: string;
  if (p.data.kind === 'segment') {
    const { segment, decisions, clean } = p.data;
    text = `Proposal: auto-approve ${segmentWords(segment).replaceAll('`', '')}: ${clean} of ${decisions} approved unedited`;
    blocks.push(
      mrkdwn(`:robot_face: *Proposal:* auto-approve ${segmentWords(segment)}: *${clean} of ${decisions}* approved unedited, and every graduation gate passes.`),
      context(
        'Enabled, its emails skip the click but still pass the whole safety gate, and their cards still post, marked auto-approved. It loses auto-approval by itself when its bounce rate reaches the gate, its reply rate falls below half the gate, or an approver rejects one of its emails.',
      ),
    );
    if (!state) {
      blocks.push({
        type: 'actions',
        block_id: 'autonomy_proposal',
        elements: [
          button(ACTION_AUTONOMY_ENABLE, 'Enable', p.id, 'primary', confirmDialog('Enable auto-approval?', `New emails of ${segmentWords(segment)} are approved without a click (the safety gate still applies).`, 'Enable')),
          button(ACTION_AUTONOMY_DISMISS, 'Dismiss', p.id),
        ],
      });
    }
  } else {
    const a = p.data.analysis;
    const moves = Object.entries(a.tier_changes.moves).map(([move, n]) => `${move} ${n}`).join(', ');
    text = `Proposal: new ICP weights from ${a.mailed} mailed leads`;
    blocks.push(
      mrkdwn(
        `:chart_with_upwards_trend: *Proposal: new ICP weights* from ${a.mailed} leads mailed between ${new Date(a.window.from).toISOString().slice(0, 10)} and ${new Date(a.window.to).toISOString().slice(0, 10)} (${a.replied} replied, ${a.positive} positive). Each weight moves at most the configured bound.`,
      ),
      mrkdwn(`*Evidence per feature* (leads · reply rate (positive-reply rate))\n${code(evidenceTable(a.features))}`),
      mrkdwn(`*Expected effect:* ${a.tier_changes.changed} of ${a.tier_changes.leads} leads of the window would change tier${moves ? ` (${esc(moves)})` : ''}.`),
      context(`Against policy version ${p.data.policy_version ?? '?'}. Apply changes the weights cluster-wide through the policy (versioned, audited before/after, announced); nothing changes without a click.`),
    );
    if (!state) {
      blocks.push({ type: 'actions', block_id: 'anneal_proposal', elements: [button(ACTION_ANNEAL_APPLY, 'Apply', p.id, 'primary'), button(ACTION_ANNEAL_DISMISS, 'Dismiss', p.id)] });
    }
  }
  if (state) blocks.push(mrkdwn(state));
  blocks.push(context(`Proposal \`${p.id}\` · ${when(p.created_at)}`));
  return { text: state ? `${text} (${p.status})` : text, blocks };
}
