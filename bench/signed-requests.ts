/**
 * Slack-signed requests for the load generators: every request gets its own trigger id and a fresh
 * timestamp and signature, as real clicks and commands do. The same signed request sent twice is a
 * replay, which CAIO answers with an empty 200 before any listener runs: a load of one repeated
 * request would measure that shortcut, not an ack.
 */
import { createHmac } from 'node:crypto';

/** Stands in for the trigger id in a body template; replaced per request. */
export const TRIGGER_PLACEHOLDER = 'BENCHTRIGGER';

/** Puts the placeholder in the trigger id of a form body (slash command, or an interactive `payload`). */
export function withTriggerPlaceholder(body: string): string {
  const form = new URLSearchParams(body);
  const payload = form.get('payload');
  if (payload) form.set('payload', JSON.stringify({ ...(JSON.parse(payload) as object), trigger_id: TRIGGER_PLACEHOLDER }));
  else form.set('trigger_id', TRIGGER_PLACEHOLDER);
  return form.toString();
}

/** Makes the next unique signed request from a template holding the placeholder. */
export function signedRequests(secret: string, template: string): () => { body: string; headers: Record<string, string> } {
  const parts = template.split(TRIGGER_PLACEHOLDER);
  let seq = 0;
  const tag = `${process.pid}.${Date.now()}`;
  return () => {
    const body = parts.join(`${tag}.${++seq}`);
    const ts = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
    return { body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature } };
  };
}
