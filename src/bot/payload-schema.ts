import { z } from 'zod';

/** Slash command form fields we rely on (Slack sends more; extras are ignored). */
export const slashCommandSchema = z.object({
  command: z.string().startsWith('/'),
  text: z.string().prefault(''),
  user_id: z.string().min(1),
  channel_id: z.string().min(1),
  team_id: z.string().min(1),
  trigger_id: z.string().min(1),
  response_url: z.url(),
});

const user = z.object({ id: z.string().min(1) });

/** Interactivity payloads (form field `payload`), by `type`. */
export const interactionSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('block_actions'),
    user,
    actions: z.array(z.object({ action_id: z.string().min(1), value: z.string().optional() })).min(1),
  }),
  z.object({
    type: z.literal('view_submission'),
    user,
    view: z.object({ callback_id: z.string(), private_metadata: z.string().optional(), state: z.object({ values: z.record(z.string(), z.unknown()) }) }),
  }),
  z.object({ type: z.literal('view_closed'), user }),
  z.object({ type: z.literal('block_suggestion'), user }),
  z.object({ type: z.enum(['shortcut', 'message_action']), user }),
]);

/** Events API bodies (JSON). */
export const eventsSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('url_verification'), challenge: z.string() }),
  z.object({ type: z.literal('event_callback'), team_id: z.string().optional(), event: z.object({ type: z.string().min(1) }) }),
  z.object({ type: z.literal('app_rate_limited') }),
]);

export type EnvelopeKind = 'command' | 'block_actions' | 'view_submission' | 'event' | 'other';

/** Checks the shape of a verified Slack request body; returns its kind or the first problem. */
export function checkEnvelope(raw: string, contentType: string): { ok: true; kind: EnvelopeKind } | { ok: false; problem: string } {
  const describe = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  if (contentType.includes('application/json')) {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return { ok: false, problem: 'body is not valid JSON' };
    }
    const parsed = eventsSchema.safeParse(body);
    return parsed.success ? { ok: true, kind: parsed.data.type === 'event_callback' ? 'event' : 'other' } : { ok: false, problem: describe(parsed.error) };
  }
  const form = new URLSearchParams(raw);
  if (form.get('ssl_check') === '1') return { ok: true, kind: 'other' };
  const payload = form.get('payload');
  if (payload !== null) {
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch {
      return { ok: false, problem: 'payload is not valid JSON' };
    }
    const parsed = interactionSchema.safeParse(body);
    if (!parsed.success) return { ok: false, problem: describe(parsed.error) };
    const type = parsed.data.type;
    return { ok: true, kind: type === 'block_actions' || type === 'view_submission' ? type : 'other' };
  }
  const parsed = slashCommandSchema.safeParse(Object.fromEntries(form));
  return parsed.success ? { ok: true, kind: 'command' } : { ok: false, problem: describe(parsed.error) };
}
