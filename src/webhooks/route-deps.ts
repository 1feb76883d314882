import type { Redis } from 'ioredis';
import type { Keys, WebhookKeys } from '../core/keys.ts';
import type { Store } from '../core/store.ts';
import type { Acceptor } from './accept.ts';
import type { VisitorStore } from './visitor-store.ts';

/** What a webhook route handler needs: validation happens in the handler, work goes to the acceptor. */
export interface RouteDeps {
  redis: Redis;
  keys: Keys;
  webhookKeys: WebhookKeys;
  accept: Acceptor;
  /** Lookups a route makes before accepting: the lead a Clay pipeline row names, the visitor a visitor row names. */
  store: Pick<Store, 'leadExists'>;
  visitors: Pick<VisitorStore, 'exists'>;
}
