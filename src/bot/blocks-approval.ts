import type { types } from '@slack/bolt';
import type { Approval } from '../core/approvals.ts';
import { EMAIL_STEP_DAYS } from '../core/cadence.ts';
import { FALLBACK_REASONS } from '../core/craft-info.ts';
import { SUBJECT_MAX } from '../core/email-template.ts';
import { topReasons } from '../core/icp-score.ts';
import type { Fragment, Lead } from '../core/types.ts';
import { context, esc, mrkdwn, sections, when, who, type Block } from './format.ts';

export const ACTION_APPROVE = 'approval_approve';
export const ACTION_REJECT = 'approval_reject';
export const ACTION_EDIT = 'approval_edit';
export const ACTION_SHOW_SEQUENCE = 'approval_show_sequence';
export const VIEW_EDIT = 'approval_edit_submit';

/** Slack's plain_text_input holds at most 3,000 characters; an email body may have up to 5,000. */
export const SLACK_INPUT_MAX = 3_000;

/** What a button carries: the approval and the hash of the exact content it was shown with. */
export function buttonValue(approval: Pick<Approval, 'id' | 'hash'>): string {
  return JSON.stringify({ id: approval.id, hash: approval.hash });
}

function personLine(lead: Lead | null): string {
  if (!lead) return '*Unknown lead*';
  const name = [lead.first_name, lead.last_name].filter(Boolean).join(' ') || '(no name)';
  const parts = [`*${esc(name)}*`];
  if (lead.title) parts.push(esc(lead.title));
  if (lead.company_name) parts.push(`at *${esc(lead.company_name)}*`);
  return parts.join(' · ');
}

function icpText(lead: Lead | null): string {
  if (!lead?.icp) return 'ICP score: not scored';
  const reasons = topReasons(lead.icp, 3);
  const why = reasons.length > 0 ? reasons.map((r) => `• ${esc(r)}`).join('\n') : '• no component earned points';
  return `*ICP score ${lead.icp.score}/100 (tier ${lead.icp.tier})*\n${why}`;
}

/**
 * Bolds each personalised fragment in the body so the reviewer sees what was filled in; `flagged`
 * texts (claims the lead's fields do not support) are set as inline code, which Slack shows in red.
 */
export function highlightBody(body: string, fragments: { text: string }[], flagged: string[] = []): string {
  const red = new Set(flagged.map((t) => esc(t.trim())).filter((t) => t !== '' && !t.includes('`')));
  const texts = [...new Set([...fragments.map((f) => esc(f.text.trim())).filter((t) => t !== '' && !t.includes('*')), ...red])];
  if (texts.length === 0) return esc(body);
  // One pass, longest first, so a fragment inside another ("Acme" in "Acme Corp") is not bolded twice.
  const pattern = new RegExp(texts.sort((a, b) => b.length - a.length).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return esc(body).replace(pattern, (match) => (red.has(match) ? `\`${match}\`` : `*${match}*`));
}

/** The unsupported texts of email step `n`, flagged in red on the card. */
function flaggedOf(lead: Lead | null, n: number): string[] {
  return (lead?.craft?.problems ?? []).filter((p) => p.step === n).map((p) => p.text);
}

/** Problems listed on the card; the rest are counted (the Show sequence modal marks them all). */
const PROBLEMS_SHOWN = 8;

/** Who wrote the sequence (only when the LLM crafter is on), and the warning when the model's claims are unsupported. */
function authorBlocks(lead: Lead | null): Block[] {
  const craft = lead?.craft;
  if (!craft) return [];
  if (craft.author === 'template') {
    const why = craft.fallback ? FALLBACK_REASONS[craft.fallback] : 'the crafter chose the templates';
    return [context(`:page_facing_up: Written from the templates (${esc(lead?.email_draft?.template ?? 'template')}), not the model: ${esc(why)}.`)];
  }
  const tokens = craft.usage.input_tokens + craft.usage.output_tokens;
  const meta = context(
    `:robot_face: Written by the model \`${esc(craft.model ?? '?')}\` · prompt v${esc(craft.prompt?.version ?? '?')} \`${esc(craft.prompt?.hash ?? '?')}\` · context ${craft.zones.join(' → ')} · ${craft.usage.calls} call(s), ${tokens.toLocaleString('en')} tokens, $${craft.usage.cost_usd.toFixed(4)}`,
  );
  if (craft.grounded) return [meta];
  const lines = craft.problems.slice(0, PROBLEMS_SHOWN).map((p) => `• Step ${p.step}: ${p.text.includes('`') ? `"${esc(p.text)}"` : `\`${esc(p.text)}\``} — ${esc(p.reason)}`);
  if (craft.problems.length > PROBLEMS_SHOWN) lines.push(`• …and ${craft.problems.length - PROBLEMS_SHOWN} more (Show sequence marks them all)`);
  return [
    mrkdwn(
      `:warning: *Written by the model; unsupported claims.* The text in red is not supported by the lead's fields. Auto-approval does not apply: check it, then Edit or Reject.\n${lines.join('\n')}`,
    ),
    meta,
  ];
}

/** The crafted fragments of email step `n` (1-based); step 1 of an older lead is its email_draft. */
function fragmentsOf(lead: Lead | null, n: number): Fragment[] {
  return lead?.email_sequence?.[n - 1]?.fragments ?? (n === 1 ? lead?.email_draft?.fragments : undefined) ?? [];
}

/** "Step 2 · day 5": where a step sits in the cadence. */
function stepLabel(n: number): string {
  const day = EMAIL_STEP_DAYS[n - 1];
  return day === undefined ? `Step ${n}` : `Step ${n} · day ${day}`;
}

function fragmentList(lead: Lead | null): string {
  const fragments = fragmentsOf(lead, 1);
  if (fragments.length === 0) return '_No personalised fragments._';
  const flagged = new Set(flaggedOf(lead, 1));
  const lines = fragments.map((f) =>
    f.field === null
      ? `• :warning: "${esc(f.text)}" ← *no source field* (check it)`
      : `• ${flagged.has(f.text) ? ':red_circle: ' : ''}"${esc(f.text)}" ← \`${f.field}\`${flagged.has(f.text) ? ' *does not support it*' : ''}`,
  );
  return `*Personalised fragments*\n${lines.join('\n')}`;
}

/** Each follow-up's day and subject, with the button that shows every step in full. */
function followUpBlock(approval: Approval): Block[] {
  if (approval.steps.length < 2) return [];
  const lines = approval.steps.slice(1).map((step, i) => `• ${stepLabel(i + 2)}: ${esc(step.subject)}`);
  return [
    {
      type: 'section',
      block_id: 'approval_sequence',
      text: { type: 'mrkdwn', text: `*Follow-ups (approved with step 1)*\n${lines.join('\n')}` },
      // Read-only, so it stays on the card after a decision: what went to Instantly stays readable.
      accessory: { type: 'button', action_id: ACTION_SHOW_SEQUENCE, text: { type: 'plain_text', text: 'Show sequence' }, value: buttonValue(approval) },
    },
  ];
}

function summaryBlocks(approval: Approval, lead: Lead | null): Block[] {
  return [
    mrkdwn(personLine(lead)),
    mrkdwn(icpText(lead)),
    { type: 'divider' },
    ...authorBlocks(lead),
    mrkdwn(`*${approval.steps.length > 1 ? `${stepLabel(1)} · subject` : 'Subject'}:* ${esc(approval.subject)}`),
    ...sections(highlightBody(approval.body, fragmentsOf(lead, 1), flaggedOf(lead, 1))),
    mrkdwn(fragmentList(lead)),
    ...followUpBlock(approval),
  ];
}

/** The card posted for each shadow email awaiting approval. */
export function approvalCard(approval: Approval, lead: Lead | null): { text: string; blocks: Block[] } {
  const value = buttonValue(approval);
  const actions: types.ActionsBlock = {
    type: 'actions',
    block_id: 'approval_actions',
    elements: [
      { type: 'button', action_id: ACTION_APPROVE, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value },
      { type: 'button', action_id: ACTION_REJECT, style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value },
      { type: 'button', action_id: ACTION_EDIT, text: { type: 'plain_text', text: 'Edit' }, value },
    ],
  };
  return {
    // The fallback is what notifications show: escaped like the blocks, so a subject cannot ping @channel.
    text: `Approval needed: ${esc(approval.subject)}${approval.steps.length > 1 ? ` (+${approval.steps.length - 1} follow-ups)` : ''}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Shadow email awaiting approval' } },
      ...summaryBlocks(approval, lead),
      actions,
      context(`Run \`${approval.runId}\` · approval \`${approval.id}\``),
    ],
  };
}

const OUTCOME = {
  approved: ':white_check_mark: *Approved*',
  rejected: ':no_entry_sign: *Rejected*',
  edited: ':pencil2: *Edited and approved*',
  pending: ':hourglass: *Pending*',
} as const;

/** The card after a decision: the outcome, who, when, the edited subject, and no buttons. */
export function decidedCard(approval: Approval, lead: Lead | null, previousSubject?: string): { text: string; blocks: Block[] } {
  // A segment that earned auto-approval (issue 12): marked so people can watch what CAIO approves.
  const segment = approval.decided_by?.startsWith('autonomy:') ? approval.decided_by.slice('autonomy:'.length) : null;
  const outcome = segment
    ? `:robot_face: *Auto-approved* at ${when(approval.decided_at)}: segment \`${esc(segment)}\` earned auto-approval (the send still passes the whole safety gate)`
    : `${OUTCOME[approval.status]} by ${who(approval.decided_by)} at ${when(approval.decided_at)}`;
  const edited =
    approval.status === 'edited' ? `\n*Edited subject:* ${esc(approval.subject)}${previousSubject ? ` (was: ${esc(previousSubject)})` : ''}` : '';
  return {
    text: `${approval.status} by ${esc(approval.decided_by ?? 'someone')}: ${esc(approval.subject)}`,
    blocks: [mrkdwn(outcome + edited), ...summaryBlocks(approval, lead), context(`Run \`${approval.runId}\` · approval \`${approval.id}\``)],
  };
}

/** Block ids of step `n`'s inputs in the Edit modal (errors are returned on these). */
export const editBlockId = (field: 'subject' | 'body', n: number) => `${field}_${n}`;

/**
 * The Edit modal, prefilled with a subject and a body input per step (three blocks a step, so the
 * five steps stay far below Slack's 100); private_metadata ties the submission to what was shown.
 * A body over Slack's 3,000-character input limit cannot be prefilled: it is shown as kept as is.
 */
export function editModal(approval: Approval): types.ModalView {
  const blocks: Block[] = [
    context(`Each step keeps the unsubscribe footer. Slack inputs hold up to ${SLACK_INPUT_MAX.toLocaleString('en')} characters (an email may have 5,000): a longer body is kept as it is.`),
  ];
  approval.steps.forEach((step, i) => {
    const n = i + 1;
    blocks.push(
      mrkdwn(`*${stepLabel(n)}*`),
      {
        type: 'input',
        block_id: editBlockId('subject', n),
        label: { type: 'plain_text', text: `Subject ${n}` },
        element: { type: 'plain_text_input', action_id: 'value', max_length: SUBJECT_MAX, initial_value: step.subject },
      },
      step.body.length > SLACK_INPUT_MAX
        ? mrkdwn(`*Body ${n}:* ${step.body.length.toLocaleString('en')} characters, over Slack's input limit: kept as it is.`)
        : {
            type: 'input',
            block_id: editBlockId('body', n),
            label: { type: 'plain_text', text: `Body ${n} (keep the unsubscribe footer)` },
            element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: SLACK_INPUT_MAX, initial_value: step.body },
          },
    );
  });
  return {
    type: 'modal',
    callback_id: VIEW_EDIT,
    private_metadata: buttonValue(approval),
    title: { type: 'plain_text', text: approval.steps.length > 1 ? 'Edit email sequence' : 'Edit email' },
    submit: { type: 'plain_text', text: 'Save and approve' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}

/**
 * The read-only "Show sequence" modal: every step's subject and body, each body with its own
 * personalised fragments in bold. `shownHash` is what the card showed; a newer sequence says so.
 */
export function sequenceModal(approval: Approval, lead: Lead | null, shownHash?: string): types.ModalView {
  const blocks: Block[] = [context(`${personLine(lead)} · ${approval.status} · approval \`${approval.id}\``)];
  if (shownHash !== undefined && shownHash !== approval.hash) blocks.push(mrkdwn(':pencil2: This sequence was edited after the card was shown; this is the current version.'));
  approval.steps.forEach((step, i) => {
    const n = i + 1;
    blocks.push(
      { type: 'divider' },
      mrkdwn(`*${stepLabel(n)}*\n*Subject:* ${esc(step.subject)}`),
      ...sections(highlightBody(step.body, fragmentsOf(lead, n), flaggedOf(lead, n))),
    );
  });
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Email sequence' },
    close: { type: 'plain_text', text: 'Close' },
    blocks,
  };
}
