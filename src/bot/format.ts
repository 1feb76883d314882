import type { types } from '@slack/bolt';

export type Block = types.KnownBlock;

/** Slack mrkdwn treats &, < and > as control characters. */
export function esc(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A Slack user id becomes a mention; anything else (auto_approve, cli:alice) stays plain. */
export function who(id: string | null | undefined): string {
  if (!id) return 'someone';
  return /^[UW][A-Z0-9]{2,}$/.test(id) ? `<@${id}>` : esc(id);
}

/** Slack renders <!date^…> in the reader's own time zone, with the ISO time as fallback. */
export function when(iso: string | null | undefined): string {
  if (!iso) return 'unknown time';
  const seconds = Math.floor(Date.parse(iso) / 1000);
  if (!Number.isFinite(seconds)) return esc(iso);
  return `<!date^${seconds}^{date_short_pretty} {time}|${iso}>`;
}

/** Section text is limited to 3,000 characters: long text is split over several sections. */
export function sections(text: string, max = 2_900): Block[] {
  const out: Block[] = [];
  for (let i = 0; i < text.length || out.length === 0; i += max) {
    out.push({ type: 'section', text: { type: 'mrkdwn', text: text.slice(i, i + max) || ' ' } });
  }
  return out;
}

export const mrkdwn = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });
export const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });

/** Slack's "are you sure?" dialog on a button: title, what happens, the confirm word, Cancel. */
export function confirmDialog(title: string, text: string, confirm: string, danger = false): types.ConfirmationDialog {
  return {
    title: { type: 'plain_text', text: title },
    text: { type: 'mrkdwn', text },
    confirm: { type: 'plain_text', text: confirm },
    deny: { type: 'plain_text', text: 'Cancel' },
    ...(danger ? { style: 'danger' as const } : {}),
  };
}
