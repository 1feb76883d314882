import { describe, expect, it } from 'vitest';
import { approvalCard, decidedCard, editModal, highlightBody, SLACK_INPUT_MAX, sequenceModal } from '../../src/bot/blocks-approval.ts';
import { runMessage, stageTable } from '../../src/bot/blocks-control.ts';
import { parentText } from '../../src/bot/breaker-thread.ts';
import { alertText } from '../../src/bot/outbox-worker.ts';
import { checkEnvelope } from '../../src/bot/payload-schema.ts';
import type { Approval } from '../../src/core/approvals.ts';
import type { Run } from '../../src/core/store.ts';
import { STAGES, type Lead } from '../../src/core/types.ts';

const approval: Approval = {
  id: 'run_20260101_000000_abcdef-p1',
  runId: 'run_20260101_000000_abcdef',
  leadRef: 'run_20260101_000000_abcdef-p1',
  status: 'pending',
  subject: 'Scaling <outbound> at Acme',
  body: 'Hi Dana, saw Acme is hiring SDRs.\n\n--\nunsubscribe',
  steps: [{ subject: 'Scaling <outbound> at Acme', body: 'Hi Dana, saw Acme is hiring SDRs.\n\n--\nunsubscribe' }],
  hash: 'a'.repeat(64),
  version: 1,
  created_at: '2026-01-01T00:00:00.000Z',
  decided_by: null,
  decided_at: null,
  slack_channel: null,
  slack_ts: null,
};

const lead = {
  ref: approval.leadRef,
  runId: approval.runId,
  id: 'p1',
  first_name: 'Dana',
  last_name: 'Lee',
  title: 'VP Sales',
  company_name: 'Acme',
  icp: {
    score: 82,
    tier: 'A',
    components: [
      { name: 'title', points: 30, max: 30, reason: 'Target title (VP Sales)' },
      { name: 'signals', points: 5, max: 10, reason: 'hiring_sdrs' },
      { name: 'industry', points: 0, max: 20, reason: 'no industry' },
    ],
  },
  email_draft: {
    subject: approval.subject,
    body: approval.body,
    template: 't',
    fragments: [
      { text: 'Dana', field: 'first_name' },
      { text: 'hiring SDRs', field: null },
    ],
  },
} as unknown as Lead;

const json = (x: unknown) => JSON.stringify(x);

describe('approval blocks', () => {
  it('shows the lead, the ICP reasons, the fragments with their sources and three buttons', () => {
    const card = approvalCard(approval, lead);
    const text = json(card.blocks);
    expect(text).toContain('*Dana Lee*');
    expect(text).toContain('ICP score 82/100 (tier A)');
    expect(text).toContain('Target title (VP Sales)');
    expect(text).not.toContain('no industry');
    expect(text).toContain('\\"Dana\\" ← `first_name`');
    expect(text).toContain('no source field');
    // Slack control characters in the subject are escaped.
    expect(text).toContain('Scaling &lt;outbound&gt; at Acme');
    const actions = card.blocks.find((b) => b.type === 'actions') as { elements: { action_id: string; value: string }[] };
    expect(actions.elements.map((e) => e.action_id)).toEqual(['approval_approve', 'approval_reject', 'approval_edit']);
    expect(JSON.parse(actions.elements[0]!.value)).toEqual({ id: approval.id, hash: approval.hash });
  });

  it('highlights each fragment in the body once per occurrence', () => {
    expect(highlightBody('Hi Dana, Dana again', [{ text: 'Dana' }, { text: 'Dana' }])).toBe('Hi *Dana*, *Dana* again');
    expect(highlightBody('At Acme Corp (Acme)', [{ text: 'Acme' }, { text: 'Acme Corp' }])).toBe('At *Acme Corp* (*Acme*)');
    expect(highlightBody('a+b <c>', [{ text: 'a+b' }, { text: '<c>' }])).toBe('*a+b* *&lt;c&gt;*');
  });

  it('after a decision shows outcome, who and when, the edited subject, and no buttons', () => {
    const decided = decidedCard({ ...approval, status: 'edited', subject: 'New subject', decided_by: 'U123ABC', decided_at: '2026-01-01T10:00:00.000Z' }, lead, 'Old subject');
    const text = json(decided.blocks);
    expect(text).toContain('Edited and approved* by <@U123ABC>');
    expect(text).toContain('<!date^1767261600^');
    expect(text).toContain('*Edited subject:* New subject (was: Old subject)');
    expect(decided.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('prefills the edit modal and carries the approval id and hash', () => {
    const modal = editModal(approval);
    expect(JSON.parse(modal.private_metadata!)).toEqual({ id: approval.id, hash: approval.hash });
    expect(json(modal.blocks)).toContain(json(approval.body).slice(1, -1));
  });
});

describe('approval blocks for a five-email sequence', () => {
  const footer = '\n\n--\nunsubscribe';
  const steps = [
    { subject: approval.subject, body: approval.body },
    { subject: 'Re: Scaling <outbound> at Acme', body: `Hi Dana, a case study from Acme's peers.${footer}` },
    { subject: 'Re: Scaling <outbound> at Acme', body: `Hi Dana, what VP Sales peers say.${footer}` },
    { subject: 'Dana, should I close the loop? <!here>', body: `Hi Dana, closing the loop.${footer}` },
    { subject: 'Re: Scaling <outbound> at Acme', body: `Hi Dana, a last note.${footer}` },
  ];
  const sequence: Approval = { ...approval, steps };
  const sequenceLead = {
    ...lead,
    email_sequence: steps.map((st, i) => ({ ...st, step: i + 1, day: [1, 5, 10, 17, 21][i], template: 't', fragments: i === 2 ? [{ text: 'VP Sales', field: 'title' }] : [{ text: 'Dana', field: 'first_name' }] })),
  } as unknown as Lead;
  type Section = { type: string; block_id?: string; text?: { text: string }; accessory?: { action_id: string; value: string } };

  it('shows step 1 in full, each follow-up by day and subject, and a Show sequence button', () => {
    const card = approvalCard(sequence, sequenceLead);
    const text = json(card.blocks);
    expect(text).toContain('Step 1 · day 1 · subject:* Scaling &lt;outbound&gt; at Acme');
    expect(text).toContain('Hi *Dana*, saw Acme is hiring SDRs.');
    const followUps = (card.blocks as Section[]).find((b) => b.block_id === 'approval_sequence')!;
    expect(followUps.text!.text.split('\n').slice(1)).toEqual([
      '• Step 2 · day 5: Re: Scaling &lt;outbound&gt; at Acme',
      '• Step 3 · day 10: Re: Scaling &lt;outbound&gt; at Acme',
      '• Step 4 · day 17: Dana, should I close the loop? &lt;!here&gt;',
      '• Step 5 · day 21: Re: Scaling &lt;outbound&gt; at Acme',
    ]);
    // Follow-up bodies are behind the button, not on the card.
    expect(text).not.toContain('closing the loop.');
    expect(followUps.accessory!.action_id).toBe('approval_show_sequence');
    expect(JSON.parse(followUps.accessory!.value)).toEqual({ id: approval.id, hash: approval.hash });
    const actions = card.blocks.find((b) => b.type === 'actions') as { elements: { action_id: string }[] };
    expect(actions.elements.map((e) => e.action_id)).toEqual(['approval_approve', 'approval_reject', 'approval_edit']);
    expect(card.text).toBe('Approval needed: Scaling &lt;outbound&gt; at Acme (+4 follow-ups)');
    // The decided card keeps the read-only button, so what was approved stays readable.
    const decided = decidedCard({ ...sequence, status: 'approved', decided_by: 'U1', decided_at: '2026-01-01T10:00:00.000Z' }, sequenceLead);
    expect(json(decided.blocks)).toContain('approval_show_sequence');
    expect(decided.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('a one-step approval (recorded before sequences) has no follow-up list', () => {
    expect(json(approvalCard(approval, lead).blocks)).not.toContain('approval_show_sequence');
  });

  it('the Show sequence modal is read-only and holds every step, each body with its own fragments in bold', () => {
    const modal = sequenceModal(sequence, sequenceLead, sequence.hash);
    expect(modal.submit).toBeUndefined();
    expect(modal.blocks.length).toBeLessThanOrEqual(100);
    const text = json(modal.blocks);
    for (const [i, day] of [1, 5, 10, 17, 21].entries()) expect(text).toContain(`Step ${i + 1} · day ${day}`);
    expect(text).toContain('what *VP Sales* peers say.');
    expect(text).toContain('Hi *Dana*, closing the loop.');
    expect(text).toContain('should I close the loop? &lt;!here&gt;');
    expect(text).not.toContain('edited after the card was shown');
    expect(json(sequenceModal(sequence, sequenceLead, 'b'.repeat(64)).blocks)).toContain('edited after the card was shown');
  });

  it('the Edit modal has a subject and a body input per step, bodies capped at Slack\'s 3,000', () => {
    const modal = editModal(sequence);
    expect(modal.blocks.length).toBeLessThanOrEqual(100);
    type Input = { type: string; block_id: string; element: { initial_value: string; max_length: number; multiline?: boolean } };
    const inputs = (modal.blocks as Input[]).filter((b) => b.type === 'input');
    expect(inputs.map((b) => b.block_id)).toEqual(['subject_1', 'body_1', 'subject_2', 'body_2', 'subject_3', 'body_3', 'subject_4', 'body_4', 'subject_5', 'body_5']);
    for (const [i, st] of steps.entries()) {
      expect(inputs.find((b) => b.block_id === `subject_${i + 1}`)!.element).toMatchObject({ initial_value: st.subject, max_length: 200 });
      expect(inputs.find((b) => b.block_id === `body_${i + 1}`)!.element).toMatchObject({ initial_value: st.body, max_length: SLACK_INPUT_MAX, multiline: true });
    }
    expect(json(modal.blocks)).toContain('3,000 characters');
    // A body Slack's input cannot hold is shown as kept rather than cut.
    const long = editModal({ ...sequence, steps: steps.map((st, i) => (i === 1 ? { ...st, body: `${'x'.repeat(4_000)}${footer}` } : st)) });
    const longInputs = (long.blocks as Input[]).filter((b) => b.type === 'input').map((b) => b.block_id);
    expect(longInputs).not.toContain('body_2');
    expect(longInputs).toContain('subject_2');
    expect(json(long.blocks)).toContain('*Body 2:* 4,016 characters, over Slack');
  });
});

describe('run message', () => {
  const stages = Object.fromEntries(STAGES.map((s, i) => [s, { in: 10 - i, out: 9 - i, dropped: 1, errors: 0, started_at: 0, ended_at: 1500, duration_ms: 1500 }])) as Run['stages'];
  const run: Run = {
    id: 'run_20260101_000000_abcdef', source: 'default', limit: 10, started_by: 'U1', created_at: '2026-01-01T00:00:00.000Z', finished_at: null,
    status: 'completed', total: 10, terminal: 10, awaiting: 0, held: 0, error: null, slack_channel: 'C1', providers: 'sandbox', slack_ts: '1.1', stages,
  };

  it('has a stage table, a summary when finished, and the stop or resume button', () => {
    expect(stageTable(run)).toMatch(/scrape\s+10\s+9\s+1\s+0\s+1\.5s/);
    const running = runMessage({ ...run, status: 'running' }, false);
    expect(json(running.blocks)).not.toContain('Summary');
    expect(json(running.blocks)).toContain('emergency_stop');
    const done = runMessage(run, true);
    expect(json(done.blocks)).toContain('Summary');
    expect(json(done.blocks)).toContain('emergency_resume');
  });
});

describe('checkEnvelope', () => {
  it('accepts the documented shapes and names what is wrong otherwise', () => {
    expect(checkEnvelope(JSON.stringify({ type: 'url_verification', challenge: 'x' }), 'application/json')).toEqual({ ok: true, kind: 'other' });
    expect(checkEnvelope('payload=' + encodeURIComponent(JSON.stringify({ type: 'view_submission', user: { id: 'U1' }, view: { callback_id: 'c', state: { values: {} } } })), 'application/x-www-form-urlencoded')).toEqual({ ok: true, kind: 'view_submission' });
    const bad = checkEnvelope('command=%2Fcaio&text=run', 'application/x-www-form-urlencoded');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problem).toContain('user_id');
    expect(checkEnvelope('{', 'application/json')).toEqual({ ok: false, problem: 'body is not valid JSON' });
  });
});

/** What a hostile subject, lead or provider could put in a message to ping everyone or hide a link. */
const HOSTILE = 'Hi <!channel> <!here> @here see <https://evil.example|your invoice> & <@U0BOSS>';
/** True when the text can mention anyone, render a link or a broadcast, however Slack reads it. */
const hasControl = (text: string) => /<[!@#]|<https?:|<mailto:/.test(text);

describe('fallback text (notifications) is escaped like the blocks', () => {
  it('escapes the subject in the approval card and the decided card fallback', () => {
    const hostile = { ...approval, subject: HOSTILE };
    const card = approvalCard(hostile, lead);
    expect(hasControl(card.text)).toBe(false);
    expect(card.text).toContain('&lt;!channel&gt;');
    expect(card.text).toContain('&lt;https://evil.example|your invoice&gt; &amp; &lt;@U0BOSS&gt;');
    expect(json(card.blocks)).toContain('&lt;!channel&gt;');
    const decided = decidedCard({ ...hostile, status: 'rejected', decided_by: 'cli:<!everyone>', decided_at: '2026-01-01T10:00:00.000Z' }, lead);
    expect(hasControl(decided.text)).toBe(false);
    expect(decided.text).toContain('&lt;!everyone&gt;');
    expect(decided.text).toContain('&lt;!here&gt;');
  });

  it('escapes provider text in alerts and breaker notices, keeping only our own mention of who acted', () => {
    const alert = alertText({ kind: 'alert', level: 'CRITICAL', text: `Instantly said: ${HOSTILE}`, details: { by: 'UAPPROVER1' } });
    expect(alert.replace('(<@UAPPROVER1>)', '')).not.toMatch(/<[!@#]|<https?:/);
    expect(alert).toContain('&lt;!channel&gt;');
    const forged = alertText({ kind: 'alert', level: 'WARNING', text: 'resumed', details: { by: '<!channel>' } });
    expect(hasControl(forged)).toBe(false);
    const parent = parentText('apollo', '2026-01-01T10:00:00.000Z', `HTTP 500: ${HOSTILE}`);
    expect(parent.replace(/<!date\^[^>]*>/g, '')).not.toMatch(/<[!@#]|<https?:/);
    expect(parent).toContain('&lt;https://evil.example|your invoice&gt;');
  });
});
