import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Keys that must never reach a log line (API keys, tokens, secrets). */
const REDACT = [
  '*.apiKey',
  '*.api_key',
  '*.token',
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.secret',
];

/** Creates the structured logger; pass a destination in tests to capture lines. */
export function createLogger(level: string = 'info', destination?: DestinationStream): Logger {
  const options = { level, base: { app: 'caio' }, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
