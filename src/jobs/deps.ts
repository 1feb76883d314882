import type { Redis } from 'ioredis';
import type { Approvals } from '../core/approvals.ts';
import type { Audit } from '../core/audit.ts';
import type { Config } from '../core/config.ts';
import type { Emergency } from '../core/emergency.ts';
import type { Keys } from '../core/keys.ts';
import type { Logger } from '../core/logger.ts';
import type { PolicyStore } from '../core/policy.ts';
import type { SafetyGate } from '../core/safety-gate.ts';
import type { Store } from '../core/store.ts';
import type { Providers } from '../providers/types.ts';
import type { Notifier } from '../core/notifier.ts';
import type { Queues } from './queues.ts';
import type { CampaignPreflight } from './campaign-preflight.ts';
import type { ProviderControl } from './provider-pause.ts';
import type { Crafter } from './crafter.ts';

/** Everything a stage processor needs, built once in the composition root and passed in. */
export interface PipelineDeps {
  config: Config;
  /** The cluster's safety policy and ICP weights (read these, not config.safety / config.icp). */
  policy: PolicyStore;
  logger: Logger;
  redis: Redis;
  keys: Keys;
  store: Store;
  audit: Audit;
  emergency: Emergency;
  gate: SafetyGate;
  approvals: Approvals;
  queues: Queues;
  providers: Providers;
  notifier: Notifier;
  /** The Instantly campaign's preflight: live sends park while it fails (DESIGN §9). */
  preflight: CampaignPreflight;
  /** Pause/activate of the provider campaigns, retried until confirmed (DESIGN §9). */
  providerControl: ProviderControl;
  /** The LLM crafter (issue 13); null or absent: the templates write every email. */
  crafter?: Crafter | null;
}
