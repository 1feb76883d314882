import type { Redis } from 'ioredis';
import type { Keys, WebhookKeys } from '../core/keys.ts';
import type { Acceptor } from './accept.ts';

/** What a webhook route handler needs: validation happens in the handler, work goes to the acceptor. */
export interface RouteDeps {
  redis: Redis;
  keys: Keys;
  webhookKeys: WebhookKeys;
  accept: Acceptor;
}
