import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { fileConfigSchema, type IcpConfig, type SafetyConfig } from './config.ts';
import type { Keys } from './keys.ts';
import type { Logger } from './logger.ts';
import { loadScripts } from './lua.ts';

/**
 * The cluster's one safety policy (DESIGN §9): the safety settings of §6 and the ICP weights,
 * stored in Redis, versioned, and read by every process. A config file only seeds it.
 */
export const policySchema = z.strictObject({
  safety: fileConfigSchema.shape.safety,
  icp: fileConfigSchema.shape.icp,
});

export type Policy = { safety: SafetyConfig; icp: IcpConfig };

export interface StoredPolicy {
  version: number;
  policy: Policy;
  updated_by: string;
  updated_at: string;
}

/** A read of the stored policy: valid, or why not (every gate then refuses). */
export type PolicyRead = { ok: true; stored: StoredPolicy } | { ok: false; version: number | null; problem: string };

export type PolicyChangeResult =
  | { ok: true; before: StoredPolicy | null; after: StoredPolicy; changed: FieldChange[] }
  | { ok: false; reason: 'invalid'; errors: Record<string, string> }
  | { ok: false; reason: 'conflict'; current: number | null }
  | { ok: false; reason: 'unchanged' };

/** One field that differs between two policies, by dotted path. */
export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** Every process sees a change within this long (DESIGN §9: cache <= 1 s). */
export const POLICY_CACHE_MS = 1_000;

/** How long the "stored policy is invalid" alert is remembered cluster-wide, so it is posted once. */
const INVALID_ALERT_TTL_S = 24 * 3600;

/** Field errors keyed by dotted path (without the `safety.`/`icp.` root when `within` is given). */
export function policyErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors[[...issue.path.map(String), key].join('.')] ??= 'unknown field';
      continue;
    }
    errors[issue.path.map(String).join('.') || '(root)'] ??= issue.message;
  }
  return errors;
}

/** Validates a whole policy; defaults fill what it leaves out, unknown fields are errors. */
export function parsePolicy(raw: unknown): { ok: true; policy: Policy } | { ok: false; errors: Record<string, string> } {
  const parsed = policySchema.safeParse(raw);
  return parsed.success ? { ok: true, policy: parsed.data } : { ok: false, errors: policyErrors(parsed.error) };
}

function flatten(value: unknown, path: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, path ? `${path}.${key}` : key, out);
    return;
  }
  out.set(path, value);
}

/** The fields that differ between two policies (arrays and windows compared whole). */
export function diffPolicies(before: Policy, after: Policy): FieldChange[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flatten(before, '', a);
  flatten(after, '', b);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((path) => JSON.stringify(a.get(path) ?? null) !== JSON.stringify(b.get(path) ?? null))
    .map((path) => ({ path, before: a.get(path) ?? null, after: b.get(path) ?? null }));
}

/**
 * The changes that loosen safety and so need a second, explicit confirmation: shadow mode off,
 * actually_send on, a higher daily cap or send rate, auto-approve on, a warm-up removed or raised,
 * a send window removed or changed.
 */
export function looseningChanges(before: SafetyConfig, after: SafetyConfig): string[] {
  const out: string[] = [];
  if (before.shadow_mode && !after.shadow_mode) out.push('shadow mode off');
  if (!before.actually_send && after.actually_send) out.push('actually_send on');
  if (after.max_daily_sends > before.max_daily_sends) out.push(`daily cap raised from ${before.max_daily_sends} to ${after.max_daily_sends}`);
  if (!before.auto_approve && after.auto_approve) out.push('auto-approve on');
  if (after.send_rate_per_minute > before.send_rate_per_minute) out.push(`send rate raised from ${before.send_rate_per_minute} to ${after.send_rate_per_minute}/min`);
  if (before.warmup && !after.warmup) out.push('warm-up removed');
  else if (before.warmup && after.warmup && after.warmup.ramp.some((cap, i) => cap > (before.warmup?.ramp[i] ?? before.warmup?.ramp.at(-1) ?? 0))) out.push('warm-up ramp raised');
  if (before.send_window && !after.send_window) out.push('send window removed');
  else if (before.send_window && after.send_window && JSON.stringify(before.send_window) !== JSON.stringify(after.send_window)) out.push('send window changed');
  return out;
}

/** Sets a dotted path in a copy of a plain object (creating objects on the way). */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(target);
  const parts = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const part of parts.slice(0, -1)) {
    if (part === '__proto__' || part === 'constructor' || part === 'prototype') throw new Error(`invalid field "${path}"`);
    const next = node[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  const last = parts.at(-1) ?? '';
  if (last === '__proto__' || last === 'constructor' || last === 'prototype') throw new Error(`invalid field "${path}"`);
  node[last] = value;
  return copy;
}

export interface PolicyStoreDeps {
  redis: Redis;
  keys: Keys;
  /** This process's config file settings: they seed the policy when Redis has none. */
  seed: Policy;
  /** Where the seed came from, for the log line when it disagrees with the stored policy. */
  seedSource: string;
  logger: Logger;
  /** Posts the one CRITICAL alert when the stored policy fails validation. */
  alertInvalid(text: string, details: Record<string, unknown>): Promise<void>;
  now?: () => Date;
}

export interface PolicyStore {
  /** The stored policy as read at most POLICY_CACHE_MS ago (seeded from the file if Redis has none). */
  read(): Promise<PolicyRead>;
  /** The safety settings, or null when the stored policy is invalid (the gate then refuses). */
  safety(): Promise<SafetyConfig | null>;
  /** The ICP settings, or null when the stored policy is invalid. */
  icp(): Promise<IcpConfig | null>;
  /**
   * Replaces the policy if it is still at `expectedVersion` (null: whatever is stored), after
   * validating it. Audit and announcement are the caller's (src/core/policy-change.ts).
   */
  replace(next: unknown, by: string, expectedVersion: number | null): Promise<PolicyChangeResult>;
  /** Forgets the cached read (after a change made by this process). */
  invalidate(): void;
}

export function createPolicyStore(deps: PolicyStoreDeps): PolicyStore {
  const { redis, keys, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const scripts = loadScripts(redis);
  let cached: { at: number; value: Promise<PolicyRead> } | null = null;
  let disagreementLogged = false;
  const alertedLocally = new Set<string>();

  async function load(): Promise<PolicyRead> {
    let hash = await redis.hgetall(keys.policy);
    if (!hash.version) {
      const seeded = await scripts.seedPolicy({ policy: keys.policy }, { policy: JSON.stringify(deps.seed), by: `config:${deps.seedSource}`, at: now().toISOString() });
      if (seeded === 1) logger.info({ source: deps.seedSource }, 'no stored policy: seeded it from the config file');
      hash = await redis.hgetall(keys.policy);
    }
    const version = Number(hash.version);
    let raw: unknown;
    try {
      raw = JSON.parse(hash.policy ?? '');
    } catch {
      return invalid(Number.isInteger(version) ? version : null, 'the stored policy is not valid JSON');
    }
    const parsed = parsePolicy(raw);
    if (!Number.isInteger(version) || version < 1) return invalid(null, 'the stored policy has no valid version');
    if (!parsed.ok) {
      const fields = Object.entries(parsed.errors).map(([field, message]) => `${field}: ${message}`).join('; ');
      return invalid(version, `the stored policy fails validation (${fields})`);
    }
    const stored: StoredPolicy = { version, policy: parsed.policy, updated_by: hash.updated_by ?? 'unknown', updated_at: hash.updated_at ?? '' };
    if (!disagreementLogged) {
      disagreementLogged = true;
      const differs = diffPolicies(deps.seed, stored.policy).map((c) => c.path);
      if (differs.length > 0) logger.warn({ source: deps.seedSource, version, fields: differs }, 'the config file differs from the stored policy; following the stored policy');
    }
    return { ok: true, stored };
  }

  async function invalid(version: number | null, problem: string): Promise<PolicyRead> {
    const id = createHash('sha256').update(`${version}|${problem}`).digest('hex').slice(0, 16);
    if (!alertedLocally.has(id)) {
      alertedLocally.add(id);
      logger.error({ version, problem }, 'stored policy is invalid: every send is refused');
      // One alert for the cluster, however many processes find the same broken policy.
      const first = await redis.set(keys.policyInvalidAlerted(id), '1', 'EX', INVALID_ALERT_TTL_S, 'NX');
      if (first === 'OK') {
        await deps
          .alertInvalid(`The stored safety policy${version === null ? '' : ` (version ${version})`} is invalid, so every send is refused until an approver fixes it with /caio config or caio config set: ${problem}`, { version, problem })
          .catch((err: unknown) => logger.error({ err }, 'policy alert failed'));
      }
    }
    return { ok: false, version, problem };
  }

  const store: PolicyStore = {
    read() {
      const at = Date.now();
      if (!cached || at - cached.at >= POLICY_CACHE_MS) {
        const value = load();
        cached = { at, value };
        // A failed read (Redis away) is not cached: the next caller tries again.
        value.catch(() => {
          if (cached?.value === value) cached = null;
        });
      }
      return cached.value;
    },
    async safety() {
      const read = await store.read();
      return read.ok ? read.stored.policy.safety : null;
    },
    async icp() {
      const read = await store.read();
      return read.ok ? read.stored.policy.icp : null;
    },
    async replace(next, by, expectedVersion) {
      const parsed = parsePolicy(next);
      if (!parsed.ok) return { ok: false, reason: 'invalid', errors: parsed.errors };
      const current = await load();
      const before = current.ok ? current.stored : null;
      // The raw field, so even a stored policy with a broken version can be replaced (compare-and-set on it).
      const rawVersion = (await redis.hget(keys.policy, 'version')) ?? '';
      const version = current.ok ? current.stored.version : current.version;
      if (expectedVersion !== null && expectedVersion !== version) return { ok: false, reason: 'conflict', current: version };
      const changed = diffPolicies(before?.policy ?? deps.seed, parsed.policy);
      if (before && changed.length === 0) return { ok: false, reason: 'unchanged' };
      const nextVersion = (version ?? 0) + 1;
      const at = now().toISOString();
      const [done, seen] = await scripts.replacePolicy({ policy: keys.policy }, { expected: rawVersion, version: String(nextVersion), policy: JSON.stringify(parsed.policy), by, at });
      store.invalidate();
      if (done !== 1) return { ok: false, reason: 'conflict', current: seen === '' || Number.isNaN(Number(seen)) ? null : Number(seen) };
      return { ok: true, before, after: { version: nextVersion, policy: parsed.policy, updated_by: by, updated_at: at }, changed };
    },
    invalidate() {
      cached = null;
    },
  };
  return store;
}
