import { Agent, request } from 'undici';
import type { Logger } from '../core/logger.ts';

/** What a response_url accepts (Slack: at most 5 uses within 30 minutes). */
export interface ResponseMessage {
  text: string;
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  delete_original?: boolean;
  blocks?: unknown[];
}

export interface Responder {
  (responseUrl: string, message: ResponseMessage): Promise<void>;
  close(): Promise<void>;
}

export class ResponseUrlError extends Error {
  readonly code = 'SLACK_RESPONSE_URL_FAILED';
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`response_url answered HTTP ${status}: ${body.slice(0, 200)}`);
    this.name = 'ResponseUrlError';
  }
}

/**
 * Posts to a response_url over a pooled keep-alive agent: lighter than a fetch per reply, which
 * matters because replies share the event loop with the acks of other requests.
 */
export function createResponder(logger: Logger, options: { timeoutMs?: number } = {}): Responder {
  const timeout = options.timeoutMs ?? 10_000;
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 32, headersTimeout: timeout, bodyTimeout: timeout });
  const respond = async (responseUrl: string, message: ResponseMessage) => {
    const res = await request(responseUrl, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(message),
    });
    const body = await res.body.text();
    if (res.statusCode >= 300) {
      logger.warn({ status: res.statusCode }, 'response_url refused a reply');
      throw new ResponseUrlError(res.statusCode, body);
    }
  };
  return Object.assign(respond, { close: () => agent.close() });
}
