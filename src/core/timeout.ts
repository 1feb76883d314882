/** Thrown when a promise did not settle in time (Redis queueing commands while disconnected, usually). */
export class TimeoutError extends Error {
  readonly code = 'TIMEOUT';
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/**
 * Races a promise against a timer and always clears the timer. Our Redis client queues commands
 * while disconnected (maxRetriesPerRequest null), so every call on a request path that must answer
 * (health, webhook intake, the Slack replay check, metrics) goes through this instead of hanging.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, message = `no answer within ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
