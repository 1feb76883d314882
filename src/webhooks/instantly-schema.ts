import { z } from 'zod';

/** The Instantly events CAIO acts on; other subscribed events are accepted and only logged. */
export const INSTANTLY_EVENTS = ['email_sent', 'email_opened', 'reply_received', 'email_bounced', 'lead_unsubscribed'] as const;
export type InstantlyEventType = (typeof INSTANTLY_EVENTS)[number];

const text = z.string().max(2_000).nullish();
const email = z.email();

/** Instantly's webhook payload (provider reference §5); lead fields and unknown keys are ignored. */
export const instantlySchema = z
  .looseObject({
    event_type: z.string().trim().min(1).max(100),
    timestamp: z.union([z.string().max(100), z.number()]).nullish(),
    lead_email: z.string().trim().max(320).nullish(),
    campaign_id: z.string().trim().max(200).nullish(),
    campaign_name: text,
    workspace: text,
    email_account: text,
    step: z.union([z.number().int().min(0).max(1000), z.string().regex(/^\d{1,4}$/)]).nullish(),
    variant: z.union([z.number(), z.string().max(50)]).nullish(),
    email_id: z.string().trim().max(300).nullish(),
    reply_text: z.string().max(200_000).nullish(),
    unibox_url: text,
  })
  .superRefine((body, ctx) => {
    if (!(INSTANTLY_EVENTS as readonly string[]).includes(body.event_type)) return;
    if (!body.lead_email || !email.safeParse(body.lead_email).success) {
      ctx.addIssue({ code: 'custom', path: ['lead_email'], message: `a valid lead_email is required for ${body.event_type}` });
    }
  });

export type InstantlyBody = z.infer<typeof instantlySchema>;

/** What the worker stores: the fields that count, nothing from the reply text. */
export interface InstantlyEvent {
  type: string;
  email: string | null;
  campaign_id: string | null;
  step: number | null;
  email_id: string | null;
  at: string;
}

export function isKnownEvent(type: string): type is InstantlyEventType {
  return (INSTANTLY_EVENTS as readonly string[]).includes(type);
}

export function parseTimestamp(value: string | number | null | undefined, receivedAt: Date): Date {
  if (value === null || value === undefined) return receivedAt;
  const d = typeof value === 'number' ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value);
  return Number.isFinite(d.getTime()) ? d : receivedAt;
}

export function toEvent(body: InstantlyBody, receivedAt: Date): InstantlyEvent {
  return {
    type: body.event_type,
    email: body.lead_email ? body.lead_email.trim().toLowerCase() : null,
    campaign_id: body.campaign_id?.trim() || null,
    step: body.step === null || body.step === undefined ? null : Number(body.step),
    email_id: body.email_id?.trim() || null,
    at: parseTimestamp(body.timestamp, receivedAt).toISOString(),
  };
}
