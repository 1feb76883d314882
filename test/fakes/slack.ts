/**
 * A fake Slack on 127.0.0.1: the Web API methods CAIO calls (form or JSON bodies, answers shaped
 * like Slack's), response_url endpoints on the same server, 429 + Retry-After on demand, and
 * builders for signed inbound requests shaped like Slack's documented payloads.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  /** HTTP status the fake answered with (429 when rate limiting). */
  status: number;
  token: string | null;
  at: number;
}

export interface FakeSlack {
  /** Base URL for SLACK_API_URL (ends with `/api/`). */
  apiUrl: string;
  baseUrl: string;
  calls: SlackCall[];
  /** Successful calls of one method. */
  ok(method: string): SlackCall[];
  /** Bodies POSTed to response_url endpoints. */
  responses: { id: string; body: Record<string, unknown> }[];
  responseUrl(id: string): string;
  /** The next `count` calls of `method` get 429 with Retry-After `seconds`. */
  rateLimit(method: string, count: number, seconds: number): void;
  /** The next `count` calls of `method` get HTTP 200 `{ok: false, error}`. */
  fail(method: string, error: string, count: number): void;
  /** The next `count` calls of `method` get an HTTP 5xx (`status`, default 503) without a body Slack would send. */
  serverError(method: string, count: number, status?: number): void;
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs?: number, what?: string): Promise<T>;
  close(): Promise<void>;
}

const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata']);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseArgs(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = JSON_FIELDS.has(key) ? JSON.parse(value) : value;
  }
  return args;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const responses: FakeSlack['responses'] = [];
  const limits = new Map<string, { count: number; seconds: number }>();
  const failures = new Map<string, { count: number; error: string }>();
  const serverErrors = new Map<string, { count: number; status: number }>();
  let seq = 0;
  const nextTs = () => `${1_700_000_000 + ++seq}.${String(seq).padStart(6, '0')}`;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(body));
      };
      if (url.pathname.startsWith('/response/')) {
        responses.push({ id: url.pathname.slice('/response/'.length), body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} });
        return send(200, { ok: true });
      }
      const match = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname);
      if (!match) return send(404, { ok: false, error: 'unknown_method' });
      const method = match[1]!;
      const args = parseArgs(raw, req.headers['content-type'] ?? '');
      const auth = req.headers.authorization ?? null;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : ((args.token as string | undefined) ?? null);
      const limit = limits.get(method);
      if (limit && limit.count > 0) {
        limit.count--;
        calls.push({ method, args, status: 429, token, at: Date.now() });
        return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limit.seconds) });
      }
      const outage = serverErrors.get(method);
      if (outage && outage.count > 0) {
        outage.count--;
        calls.push({ method, args, status: outage.status, token, at: Date.now() });
        return send(outage.status, { ok: false, error: 'fake_outage' });
      }
      const failure = failures.get(method);
      if (failure && failure.count > 0) {
        failure.count--;
        calls.push({ method, args, status: 400, token, at: Date.now() });
        return send(200, { ok: false, error: failure.error });
      }
      calls.push({ method, args, status: 200, token, at: Date.now() });
      if (!token?.startsWith('xoxb-')) return send(200, { ok: false, error: 'not_authed' });
      switch (method) {
        case 'auth.test':
          return send(200, { ok: true, url: 'https://caio-test.slack.com/', team: 'CAIO test', user: 'caio', team_id: 'T0TEST', user_id: 'UBOT', bot_id: 'BBOT' });
        case 'chat.postMessage': {
          const ts = nextTs();
          return send(200, { ok: true, channel: args.channel, ts, message: { type: 'message', text: args.text, ts, thread_ts: args.thread_ts, blocks: args.blocks } });
        }
        case 'chat.update':
          return send(200, { ok: true, channel: args.channel, ts: args.ts, text: args.text });
        case 'chat.postEphemeral':
          return send(200, { ok: true, message_ts: nextTs() });
        case 'views.open':
        case 'views.publish':
          return send(200, { ok: true, view: { id: `V${++seq}`, ...(args.view as object) } });
        default:
          return send(200, { ok: true });
      }
    })().catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    apiUrl: `${baseUrl}/api/`,
    baseUrl,
    calls,
    ok: (method) => calls.filter((c) => c.method === method && c.status === 200),
    responses,
    responseUrl: (id) => `${baseUrl}/response/${id}`,
    serverError(method, count, status = 503) {
      serverErrors.set(method, { count, status });
    },
    rateLimit(method, count, seconds) {
      limits.set(method, { count, seconds });
    },
    fail(method, error, count) {
      failures.set(method, { count, error });
    },
    async waitFor(check, timeoutMs = 20_000, what = 'condition') {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = check();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`fake Slack: timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Signs like Slack: `v0=` + hex HMAC-SHA256(secret, `v0:{ts}:{raw body}`). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedOptions {
  secret: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Sets X-Slack-Retry-Num (and a retry reason), as Slack does on a redelivery. */
  retryNum?: number;
  /** Replaces the computed signature (forgery tests). */
  signature?: string;
}

/** POSTs a body to /slack/events the way Slack does. */
export async function postToSlackEndpoint(url: string, body: string, contentType: string, options: SignedOptions): Promise<{ status: number; text: string; json: unknown }> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': contentType,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': options.signature ?? slackSignature(options.secret, timestamp, body),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, text, json };
}

let triggerSeq = 0;
const trigger = () => `${Date.now()}.${++triggerSeq}.abcdef0123456789`;

/** A slash command as Slack sends it (x-www-form-urlencoded). */
export function slashCommandBody(input: { text: string; userId: string; channelId?: string; responseUrl: string; triggerId?: string }): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0TEST',
    team_domain: 'caio-test',
    channel_id: input.channelId ?? 'CRUNS',
    channel_name: 'sales-runs',
    user_id: input.userId,
    user_name: input.userId.toLowerCase(),
    command: '/caio',
    text: input.text,
    api_app_id: 'A0TEST',
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: input.triggerId ?? trigger(),
  }).toString();
}

/** A block_actions payload for a button click on a message (or on App Home with `view`). */
export function blockActionBody(input: {
  userId: string;
  actionId: string;
  value: string;
  responseUrl?: string;
  channelId?: string;
  messageTs?: string;
  ephemeral?: boolean;
  home?: boolean;
}): string {
  const actionTs = `${Date.now() / 1000}`;
  const container = input.home
    ? { type: 'view', view_id: 'VHOME' }
    : { type: 'message', message_ts: input.messageTs ?? '1700000000.000100', channel_id: input.channelId ?? 'CAPPROVE', is_ephemeral: input.ephemeral ?? false };
  const payload = {
    type: 'block_actions',
    user: { id: input.userId, username: input.userId.toLowerCase(), name: input.userId.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0TEST',
    token: 'deprecated-verification-token',
    container,
    trigger_id: trigger(),
    team: { id: 'T0TEST', domain: 'caio-test' },
    enterprise: null,
    is_enterprise_install: false,
    ...(input.home
      ? { view: { id: 'VHOME', type: 'home', blocks: [] } }
      : {
          channel: { id: input.channelId ?? 'CAPPROVE', name: 'approvals' },
          message: { type: 'message', ts: input.messageTs ?? '1700000000.000100', text: 'card', blocks: [] },
          response_url: input.responseUrl,
        }),
    state: { values: {} },
    actions: [{ action_id: input.actionId, block_id: 'approval_actions', text: { type: 'plain_text', text: 'button' }, value: input.value, type: 'button', action_ts: actionTs }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A view_submission payload for a modal with plain_text_input blocks `block_id` → `value`. */
export function viewSubmissionBody(input: { userId: string; callbackId: string; privateMetadata: string; values: Record<string, string> }): string {
  const values = Object.fromEntries(Object.entries(input.values).map(([block, value]) => [block, { value: { type: 'plain_text_input', value } }]));
  const payload = {
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'caio-test' },
    user: { id: input.userId, username: input.userId.toLowerCase(), name: input.userId.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0TEST',
    token: 'deprecated-verification-token',
    trigger_id: trigger(),
    view: {
      id: 'VEDIT',
      team_id: 'T0TEST',
      type: 'modal',
      callback_id: input.callbackId,
      private_metadata: input.privateMetadata,
      hash: '1700000000.abcdef',
      state: { values },
      blocks: [],
    },
    response_urls: [],
    is_enterprise_install: false,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** An Events API callback (JSON), e.g. app_home_opened. */
export function eventBody(event: Record<string, unknown>): string {
  return JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: 'T0TEST',
    api_app_id: 'A0TEST',
    event,
    type: 'event_callback',
    event_id: `Ev${Date.now()}${++triggerSeq}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: 'T0TEST', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  });
}
