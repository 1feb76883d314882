import type { types } from '@slack/bolt';
import { z } from 'zod';
import type { Policy, PolicyRead, StoredPolicy } from '../core/policy.ts';
import { context, esc, mrkdwn, when, who, type Block } from './format.ts';

export const ACTION_POLICY_EDIT = 'policy_edit';
export const VIEW_POLICY = 'policy_edit_submit';
export const VIEW_POLICY_CONFIRM = 'policy_confirm_submit';

type FieldKind = 'bool' | 'number' | 'window' | 'ramp' | 'text';

/** The policy fields an approver can change in the modal; each is one input block named by its path. */
export const POLICY_FIELDS: readonly { path: string; label: string; kind: FieldKind; hint?: string }[] = [
  { path: 'safety.shadow_mode', label: 'Shadow mode', kind: 'bool', hint: 'on: emails are recorded, never sent' },
  { path: 'safety.actually_send', label: 'Actually send', kind: 'bool', hint: 'must be on (and shadow mode off) for anything to leave' },
  { path: 'safety.auto_approve', label: 'Auto-approve', kind: 'bool', hint: 'on: no human approval before a send' },
  { path: 'safety.max_daily_sends', label: 'Daily send cap', kind: 'number' },
  { path: 'safety.send_rate_per_minute', label: 'Sends per minute (cluster-wide)', kind: 'number' },
  { path: 'safety.send_window', label: 'Send window', kind: 'window', hint: 'e.g. "mon,tue,wed,thu,fri 09:00-17:00 Europe/Berlin"; 22:00-06:00 is overnight; "none" for any time' },
  { path: 'safety.warmup', label: 'Warm-up ramp', kind: 'ramp', hint: 'daily caps on day 1, 2, 3… since the first send, e.g. "10,20,40"; "none" for no ramp' },
  { path: 'safety.timezone', label: 'Time zone of the daily counter', kind: 'text', hint: 'IANA name, e.g. Europe/Berlin (used when there is no send window)' },
  { path: 'icp.weights.title', label: 'ICP weight: title', kind: 'number' },
  { path: 'icp.weights.seniority', label: 'ICP weight: seniority', kind: 'number' },
  { path: 'icp.weights.industry', label: 'ICP weight: industry', kind: 'number' },
  { path: 'icp.weights.company_size', label: 'ICP weight: company size', kind: 'number' },
  { path: 'icp.weights.signals', label: 'ICP weight: signals', kind: 'number' },
  { path: 'icp.tiers.A', label: 'ICP tier A from score', kind: 'number' },
  { path: 'icp.tiers.B', label: 'ICP tier B from score', kind: 'number' },
  { path: 'icp.tiers.C', label: 'ICP tier C from score', kind: 'number' },
];

function valueAt(policy: Policy, path: string): unknown {
  let node: unknown = policy;
  for (const part of path.split('.')) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  return node;
}

/** A field's current value as the text the modal shows (and readPolicyForm reads back). */
export function fieldText(kind: FieldKind, value: unknown): string {
  if (kind === 'window') {
    const w = value as Policy['safety']['send_window'];
    return w ? `${w.days.join(',')} ${w.from}-${w.to} ${w.timezone}` : 'none';
  }
  if (kind === 'ramp') {
    const r = value as Policy['safety']['warmup'];
    return r ? r.ramp.join(',') : 'none';
  }
  return value === null || value === undefined ? '' : String(value);
}

/** The edit modal, prefilled with the stored policy and carrying the version it was opened at. */
export function policyModal(stored: StoredPolicy | null, fallback: Policy): types.ModalView {
  const policy = stored?.policy ?? fallback;
  const onOff = [
    { text: { type: 'plain_text' as const, text: 'on' }, value: 'on' },
    { text: { type: 'plain_text' as const, text: 'off' }, value: 'off' },
  ];
  const blocks: Block[] = [
    context(stored ? `Policy version ${stored.version}, last changed by ${who(stored.updated_by)} at ${when(stored.updated_at)}. Changes that loosen safety ask for a confirmation.` : 'The stored policy is invalid; saving this form replaces it.'),
    ...POLICY_FIELDS.map((field): Block => {
      const value = valueAt(policy, field.path);
      const element =
        field.kind === 'bool'
          ? { type: 'static_select' as const, action_id: 'value', options: onOff, initial_option: value === true ? onOff[0] : onOff[1] }
          : { type: 'plain_text_input' as const, action_id: 'value', initial_value: fieldText(field.kind, value) };
      return { type: 'input', block_id: field.path, label: { type: 'plain_text', text: field.label }, element, ...(field.hint ? { hint: { type: 'plain_text', text: field.hint } } : {}) };
    }),
  ];
  return {
    type: 'modal',
    callback_id: VIEW_POLICY,
    title: { type: 'plain_text', text: 'CAIO safety policy' },
    submit: { type: 'plain_text', text: 'Review' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify({ version: stored?.version ?? null }),
    blocks,
  };
}

const WINDOW = /^([a-z]{3}(?:,[a-z]{3})*)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})(?:\s+(\S+))?$/i;

/** Reads one field's text back into a policy value, or says what is wrong with it. */
export function parseFieldText(kind: FieldKind, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const trimmed = text.trim();
  switch (kind) {
    case 'bool':
      return trimmed === 'on' || trimmed === 'off' ? { ok: true, value: trimmed === 'on' } : { ok: false, error: 'choose on or off' };
    case 'number': {
      const n = Number(trimmed);
      return trimmed !== '' && Number.isFinite(n) ? { ok: true, value: n } : { ok: false, error: 'must be a number' };
    }
    case 'window': {
      if (trimmed === '' || trimmed.toLowerCase() === 'none') return { ok: true, value: null };
      const m = WINDOW.exec(trimmed);
      if (!m) return { ok: false, error: 'write it as "mon,tue,wed 09:00-17:00 Europe/Berlin", or "none"' };
      const pad = (t: string) => t.padStart(5, '0');
      return { ok: true, value: { days: m[1]!.toLowerCase().split(','), from: pad(m[2]!), to: pad(m[3]!), timezone: m[4] ?? 'UTC' } };
    }
    case 'ramp': {
      if (trimmed === '' || trimmed.toLowerCase() === 'none') return { ok: true, value: null };
      const caps = trimmed.split(/[\s,]+/).map(Number);
      return caps.every((c) => Number.isFinite(c)) ? { ok: true, value: { ramp: caps } } : { ok: false, error: 'write daily caps separated by commas, e.g. 10,20,40, or "none"' };
    }
    case 'text':
      return { ok: true, value: trimmed };
  }
}

type ViewValues = Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null }>>;

/** The submitted form as `path → value` assignments, or field errors keyed by block id. */
export function readPolicyForm(values: ViewValues): { assignments: Record<string, unknown>; errors: Record<string, string> } {
  const assignments: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of POLICY_FIELDS) {
    const input = values[field.path]?.value;
    if (!input) continue;
    const text = field.kind === 'bool' ? (input.selected_option?.value ?? '') : (input.value ?? '');
    const parsed = parseFieldText(field.kind, text);
    if (parsed.ok) assignments[field.path] = parsed.value;
    else errors[field.path] = parsed.error;
  }
  return { assignments, errors };
}

/** Maps validation errors (`safety.send_window.to`) onto the modal's blocks (`safety.send_window`). */
export function errorsForBlocks(errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(errors)) {
    const field = POLICY_FIELDS.find((f) => path === f.path || path.startsWith(`${f.path}.`));
    const block = field?.path ?? POLICY_FIELDS[0]!.path;
    const detail = field && path !== field.path ? `${path.slice(field.path.length + 1)}: ${message}` : message;
    out[block] = out[block] ? `${out[block]}; ${detail}` : detail;
  }
  return out;
}

/** What the confirm step carries: the version the change was made against and the changed fields. */
export const confirmMetadataSchema = z.object({ version: z.number().int().min(0).nullable(), assignments: z.record(z.string(), z.unknown()) });

/** The second step for a change that loosens safety: what changes, what it loosens, Confirm. */
export function confirmView(lines: string[], loosening: string[], metadata: z.infer<typeof confirmMetadataSchema>): types.ModalView {
  return {
    type: 'modal',
    callback_id: VIEW_POLICY_CONFIRM,
    title: { type: 'plain_text', text: 'Confirm policy change' },
    submit: { type: 'plain_text', text: 'Confirm' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(metadata),
    blocks: [
      mrkdwn(`:warning: *This change loosens safety:* ${esc(loosening.join(', '))}.`),
      mrkdwn(`*Changes*\n${lines.map((l) => `• ${esc(l)}`).join('\n')}`),
      context('Confirm applies it to every CAIO process within a second; it is audited and announced in the alert channel.'),
    ],
  };
}

/** The modal after a submission: what happened. */
export function resultView(text: string): types.ModalView {
  return { type: 'modal', title: { type: 'plain_text', text: 'CAIO safety policy' }, close: { type: 'plain_text', text: 'Close' }, blocks: [mrkdwn(esc(text))] };
}

/** `/caio config`: the stored policy with its version, who and when, and Edit for approvers. */
export function policyBlocks(read: PolicyRead, canEdit: boolean): { text: string; blocks: Block[] } {
  const edit: Block = { type: 'actions', elements: [{ type: 'button', action_id: ACTION_POLICY_EDIT, text: { type: 'plain_text', text: 'Edit policy' }, value: 'edit' }] };
  if (!read.ok) {
    const text = `The stored policy is invalid, so every send is refused: ${read.problem}`;
    return { text: esc(text), blocks: [mrkdwn(`:rotating_light: ${esc(text)}`), ...(canEdit ? [edit] : [])] };
  }
  const { stored } = read;
  const lines = POLICY_FIELDS.map((f) => `• ${f.label}: \`${esc(fieldText(f.kind, valueAt(stored.policy, f.path)) || '—')}\``);
  return {
    text: `Safety policy version ${stored.version}`,
    blocks: [
      mrkdwn(`*Safety policy version ${stored.version}* — last changed by ${who(stored.updated_by)} at ${when(stored.updated_at)}`),
      mrkdwn(lines.join('\n')),
      ...(canEdit ? [edit] : [context('Only approvers (CAIO_APPROVERS) may change it.')]),
    ],
  };
}
