import type { types } from '@slack/bolt';
import type { Approval } from '../core/approvals.ts';
import { topReasons } from '../core/icp-score.ts';
import type { Lead } from '../core/types.ts';
import { context, esc, mrkdwn, sections, when, who, type Block } from './format.ts';

export const ACTION_APPROVE = 'approval_approve';
export const ACTION_REJECT = 'approval_reject';
export const ACTION_EDIT = 'approval_edit';
export const VIEW_EDIT = 'approval_edit_submit';

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

/** Bolds each personalised fragment in the body so the reviewer sees what was filled in. */
export function highlightBody(body: string, fragments: { text: string }[]): string {
  const texts = [...new Set(fragments.map((f) => esc(f.text.trim())).filter((t) => t !== '' && !t.includes('*')))];
  if (texts.length === 0) return esc(body);
  // One pass, longest first, so a fragment inside another ("Acme" in "Acme Corp") is not bolded twice.
  const pattern = new RegExp(texts.sort((a, b) => b.length - a.length).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return esc(body).replace(pattern, (match) => `*${match}*`);
}

function fragmentList(lead: Lead | null): string {
  const fragments = lead?.email_draft?.fragments ?? [];
  if (fragments.length === 0) return '_No personalised fragments._';
  const lines = fragments.map((f) =>
    f.field === null ? `• :warning: "${esc(f.text)}" ← *no source field* (check it)` : `• "${esc(f.text)}" ← \`${f.field}\``,
  );
  return `*Personalised fragments*\n${lines.join('\n')}`;
}

function summaryBlocks(approval: Approval, lead: Lead | null): Block[] {
  return [
    mrkdwn(personLine(lead)),
    mrkdwn(icpText(lead)),
    { type: 'divider' },
    mrkdwn(`*Subject:* ${esc(approval.subject)}`),
    ...sections(highlightBody(approval.body, lead?.email_draft?.fragments ?? [])),
    mrkdwn(fragmentList(lead)),
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
    text: `Approval needed: ${esc(approval.subject)}`,
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
  const outcome = `${OUTCOME[approval.status]} by ${who(approval.decided_by)} at ${when(approval.decided_at)}`;
  const edited =
    approval.status === 'edited' ? `\n*Edited subject:* ${esc(approval.subject)}${previousSubject ? ` (was: ${esc(previousSubject)})` : ''}` : '';
  return {
    text: `${approval.status} by ${esc(approval.decided_by ?? 'someone')}: ${esc(approval.subject)}`,
    blocks: [mrkdwn(outcome + edited), ...summaryBlocks(approval, lead), context(`Run \`${approval.runId}\` · approval \`${approval.id}\``)],
  };
}

/** The Edit modal, prefilled; private_metadata ties the submission to what was shown. */
export function editModal(approval: Approval): types.ModalView {
  return {
    type: 'modal',
    callback_id: VIEW_EDIT,
    private_metadata: buttonValue(approval),
    title: { type: 'plain_text', text: 'Edit email' },
    submit: { type: 'plain_text', text: 'Save and approve' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: 'subject',
        label: { type: 'plain_text', text: 'Subject' },
        element: { type: 'plain_text_input', action_id: 'value', initial_value: approval.subject },
      },
      {
        type: 'input',
        block_id: 'body',
        label: { type: 'plain_text', text: 'Body (keep the unsubscribe footer)' },
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, initial_value: approval.body },
      },
    ],
  };
}
