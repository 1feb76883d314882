import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics for /metrics, one registry per app instance (no global registry). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'caio_process_' });
  return {
    registry,
    webhookRequests: new Counter({
      name: 'caio_webhook_requests_total',
      help: 'Webhook requests by route and HTTP status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    jobs: new Gauge({
      name: 'caio_jobs',
      help: 'Pipeline jobs by stage and state (sampled at scrape time)',
      labelNames: ['stage', 'state'] as const,
      registers: [registry],
    }),
    // Sends happen in worker processes, so these are read from Redis at scrape time, not counted here.
    sendsToday: new Gauge({ name: 'caio_sends_today', help: "Emails handed to the sending provider today (the daily counter)", registers: [registry] }),
    sendCap: new Gauge({ name: 'caio_send_cap_today', help: "Today's send cap: min(max_daily_sends, warm-up cap)", registers: [registry] }),
    shadowEmails: new Gauge({ name: 'caio_shadow_emails', help: 'Emails recorded in shadow mode instead of sent', registers: [registry] }),
    // The LLM crafter works in worker processes too: today's figures are read from Redis at scrape time.
    crafterRequests: new Gauge({ name: 'caio_crafter_requests_today', help: 'LLM crafter requests today by context zone (CRITICAL ones were not sent)', labelNames: ['zone'] as const, registers: [registry] }),
    crafterLeads: new Gauge({ name: 'caio_crafter_leads_today', help: "Leads crafted today by who wrote the sequence (model, model_flagged, template)", labelNames: ['author'] as const, registers: [registry] }),
    crafterTokens: new Gauge({ name: 'caio_crafter_tokens_today', help: 'LLM tokens used today', labelNames: ['kind'] as const, registers: [registry] }),
    crafterCost: new Gauge({ name: 'caio_crafter_cost_usd_today', help: 'LLM cost today in USD (at the configured prices)', registers: [registry] }),
    breakerState: new Gauge({
      name: 'caio_breaker_state',
      help: 'Circuit breaker state per provider: 0 closed, 1 half-open, 2 open',
      labelNames: ['provider'] as const,
      registers: [registry],
    }),
    slackAckSeconds: new Histogram({
      name: 'caio_slack_ack_seconds',
      help: 'Time from receiving a Slack request to acknowledging it',
      labelNames: ['kind'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
