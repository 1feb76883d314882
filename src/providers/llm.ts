import { z } from 'zod';
import type { CircuitBreaker } from '../core/circuit-breaker.ts';
import type { TokenUsage } from '../core/crafter-usage.ts';
import { joinUrl, type ProviderChannel } from './provider-call.ts';

/** The Messages API version header every request carries. */
export const ANTHROPIC_VERSION = '2023-06-01';

export interface LlmMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface LlmRequest {
  system: string;
  messages: LlmMessage[];
}

export interface LlmAnswer {
  /** The text blocks of the answer, joined ('' when there were none). */
  text: string;
  /** null when the answer did not say (a malformed envelope). */
  usage: TokenUsage | null;
  /** end_turn, max_tokens, stop_sequence…; null when absent. */
  stopReason: string | null;
}

/** An Anthropic Messages-compatible model behind the shared channel (breaker, rate limit, retries, stop guard). */
export interface LlmClient {
  readonly model: string;
  readonly breaker: CircuitBreaker;
  complete(request: LlmRequest): Promise<LlmAnswer>;
}

export interface LlmSettings {
  apiKey: string;
  /** e.g. https://api.anthropic.com (the path /v1/messages is added). */
  baseUrl: string;
  model: string;
  maxTokens: number;
  temperature: number;
  timeoutMs: number;
}

/** The fields of a Messages answer CAIO reads; anything else in it is ignored. */
const messageSchema = z.object({
  content: z.array(z.object({ type: z.string(), text: z.string().optional() })),
  usage: z.object({ input_tokens: z.number().int().min(0), output_tokens: z.number().int().min(0) }),
  stop_reason: z.string().nullable().optional(),
});

/**
 * POST {base}/v1/messages with x-api-key and anthropic-version. 429 and 5xx (529 "overloaded"
 * included) are retried by the shared client; the call is idempotent in effect (it only costs
 * tokens), so a lost answer is retried too.
 */
export function createLlmClient(channel: ProviderChannel, settings: LlmSettings): LlmClient {
  const url = joinUrl(settings.baseUrl.replace(/\/v1\/?$/, ''), '/v1/messages');
  return {
    model: settings.model,
    breaker: channel.breaker,
    async complete(request) {
      const res = await channel.call({
        route: 'messages',
        method: 'POST',
        url,
        idempotent: true,
        timeoutMs: settings.timeoutMs,
        headers: { 'x-api-key': settings.apiKey, 'anthropic-version': ANTHROPIC_VERSION },
        body: {
          model: settings.model,
          max_tokens: settings.maxTokens,
          temperature: settings.temperature,
          system: request.system,
          messages: request.messages,
        },
      });
      const parsed = await channel.parse(messageSchema, res.body, 'messages');
      if (!parsed) return { text: '', usage: null, stopReason: null };
      const text = parsed.content
        .filter((block) => block.type === 'text' && typeof block.text === 'string')
        .map((block) => block.text)
        .join('');
      return { text, usage: { input_tokens: parsed.usage.input_tokens, output_tokens: parsed.usage.output_tokens }, stopReason: parsed.stop_reason ?? null };
    },
  };
}
