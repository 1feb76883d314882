/**
 * What an Instantly or HeyReach event says about one pipeline lead, as the lead-signal job carries
 * it (src/webhooks/processors/lead-signal.ts): a reply, an out-of-office, a bounce, an unsubscribe,
 * or an accepted LinkedIn connection.
 */
export interface LeadSignal {
  source: 'instantly' | 'heyreach';
  kind: 'reply' | 'auto_reply' | 'bounce' | 'unsubscribe' | 'connection_accepted';
  /** The provider's id of the event (or the body hash): a redelivery has the same one. */
  event_id: string;
  email: string | null;
  linkedin_url: string | null;
  campaign_id: string | null;
  /** The sequence step the event is about, when the provider says. */
  step: number | null;
  /** The reply text, whole (the Slack card truncates it). */
  text: string | null;
  unibox_url: string | null;
  /** HeyReach: the LinkedIn account that received the reply. */
  sender_id: string | null;
  at: string;
}
