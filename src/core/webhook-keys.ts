/**
 * Redis keys of the webhook receiver, under the same prefix as every other CAIO key so a test's
 * prefix cleanup removes them too. Identifiers in keys are hashed or normalised by the callers.
 */
export function createWebhookKeys(prefix: string) {
  const k = (...parts: string[]) => [prefix, 'wh', ...parts].join(':');
  return {
    /** Idempotency marker of one accepted event (route + event id). */
    seen: (route: string, eventId: string) => k('seen', route, eventId),
    visitor: (id: string) => k('visitor', id),
    visitorPages: (id: string) => k('visitor', id, 'pages'),
    visitorDays: (id: string) => k('visitor', id, 'days'),
    visitorDay: (id: string, day: string) => k('visitor', id, 'day', day),
    visitorEntered: (id: string) => k('visitor', id, 'entered'),
    visitorByEmail: (email: string) => k('visitor', 'by-email', email),
    visitorByLinkedIn: (url: string) => k('visitor', 'by-linkedin', url),
    timeline: (email: string) => k('instantly', 'timeline', email),
    kpiDay: (day: string) => k('kpi', 'day', day),
    kpiCampaign: (campaignId: string) => k('kpi', 'campaign', campaignId),
    kpiCampaigns: k('kpi', 'campaigns'),
    recentSends: k('instantly', 'recent-sends'),
    bouncedAddresses: k('instantly', 'bounced'),
    /** Addresses whose cadence was stopped (reply, bounce, unsubscribe), with the reason. */
    cadenceStopped: k('cadence', 'stopped'),
  };
}

export type WebhookKeys = ReturnType<typeof createWebhookKeys>;
