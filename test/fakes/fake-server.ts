import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** The fault the fake answered with instead of (or after) its normal reply, if any. */
  fault: FaultKind | null;
  at: number;
}

export type FaultKind = 'status' | 'timeout' | 'malformed';

/**
 * A fault to inject: an HTTP status (429 with Retry-After, a 5xx…), a request that never gets an
 * answer, or a 200 whose body is not the documented shape. `afterHandling` runs the normal handler
 * first (the provider did the work) and then answers with the fault, like a lost response.
 */
export type Fault = (
  | { kind: 'status'; status: number; retryAfter?: string; afterHandling?: boolean }
  | { kind: 'timeout'; afterHandling?: boolean }
  | { kind: 'malformed' }
) & {
  /** Only requests to this path get the fault (default: every path). */
  path?: string;
};

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type FakeHandler = (req: RecordedRequest) => FakeReply | Promise<FakeReply>;

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  /** Milliseconds added before every answer. */
  latencyMs: number;
  /** Applies to every request until cleared with null. */
  setFault(fault: Fault | null): void;
  /** Applies to the next `count` requests only. */
  failNext(count: number, fault: Fault): void;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function send(res: ServerResponse, reply: FakeReply): void {
  const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  res.end(body);
}

/** An HTTP server on 127.0.0.1, port 0, that records every request and can misbehave on demand. */
export async function startFakeServer(handler: FakeHandler, options: { latencyMs?: number } = {}): Promise<FakeServer> {
  let standing: Fault | null = null;
  const queued: Fault[] = [];
  const hanging = new Set<ServerResponse>();
  const fake: FakeServer = {
    url: '',
    requests: [],
    latencyMs: options.latencyMs ?? 0,
    setFault(fault) {
      standing = fault;
    },
    failNext(count, fault) {
      for (let i = 0; i < count; i++) queued.push(fault);
    },
    async close() {
      for (const res of hanging) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
  const server: Server = createServer((req, res) => {
    const arrived = Date.now();
    void (async () => {
      const body = await readJson(req);
      const path = req.url ?? '/';
      const applies = (f: Fault | null) => f !== null && (f.path === undefined || f.path === path);
      const index = queued.findIndex(applies);
      const fault = index >= 0 ? (queued.splice(index, 1)[0] ?? null) : applies(standing) ? standing : null;
      const recorded: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, fault: fault?.kind ?? null, at: arrived };
      fake.requests.push(recorded);
      if (fake.latencyMs > 0) await new Promise((r) => setTimeout(r, fake.latencyMs));
      if (fault && 'afterHandling' in fault && fault.afterHandling) await handler(recorded);
      if (fault?.kind === 'timeout') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      if (fault?.kind === 'status') return send(res, { status: fault.status, body: { error: 'fake fault' }, headers: fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {} });
      if (fault?.kind === 'malformed') return send(res, { status: 200, body: { unexpected: [1, 2, 3] } });
      send(res, await handler(recorded));
    })().catch((err: unknown) => send(res, { status: 500, body: { error: String(err) } }));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** The header value as one string. */
export function header(req: RecordedRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
