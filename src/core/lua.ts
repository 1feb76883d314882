import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

/**
 * The Lua scripts CAIO runs: atomic read-check-write steps (the send cap, approvals, run counters)
 * that several workers may race on. Each lives in src/core/lua/<name>.lua with a header naming its
 * KEYS and ARGV; here they get names for those positions, so a call site reads
 * `scripts.stageIn({ run, inSet }, { member, stage, nowMs, count })`, never a positional array.
 *
 * The files are read from beside this module: from src when run through tsx (as `caio` does); a
 * compiled build needs them copied to dist/core/lua (`npm run build` does that).
 */
const LUA_DIR = join(import.meta.dirname, 'lua');

type Arg = string | number;

interface ScriptSpec<K extends string, A extends string> {
  file: string;
  /** Names of KEYS[1..n], in order. */
  keys: readonly K[];
  /** Names of ARGV[1..n], in order. */
  args: readonly A[];
  /** More keys than the named ones (a batch): `KEYS[n+1..]` in the header, passed as `more.keys`. */
  moreKeys?: boolean;
  /** More arguments than the named ones (field, value pairs): `ARGV[n+1..]`, passed as `more.args`. */
  moreArgs?: boolean;
}

/** A spec whose reply has the type R (what the script returns, as ioredis gives it back). */
type Typed<K extends string, A extends string, R> = ScriptSpec<K, A> & { readonly result?: R };

const script =
  <R>() =>
  <const K extends string, const A extends string>(spec: ScriptSpec<K, A>): Typed<K, A, R> =>
    spec;

export const SCRIPTS = {
  // Runs and leads (store.ts)
  stageIn: script<number>()({ file: 'stage-in.lua', keys: ['run', 'inSet'], args: ['member', 'stage', 'nowMs', 'count'] }),
  stageOut: script<number>()({ file: 'stage-out.lua', keys: ['run', 'doneSet'], args: ['member', 'stage', 'outcome', 'nowMs', 'count'] }),
  refreshRunStatus: script<string | null>()({ file: 'refresh-run-status.lua', keys: ['run', 'terminal', 'awaiting'], args: ['nowIso'] }),
  leadOut: script<number | string | null>()({
    file: 'lead-out.lua',
    keys: ['run', 'terminal', 'awaiting', 'held', 'inSet', 'doneSet', 'sending'],
    args: ['nowIso', 'ref', 'stage', 'outcome', 'nowMs', 'terminal'],
  }),
  enterStage: script<string[]>()({ file: 'enter-stage.lua', keys: ['run', 'inSet', 'lead'], args: ['ref', 'stage', 'nowMs', 'countIn'], moreArgs: true }),
  leadStep: script<number | string | null>()({
    file: 'lead-step.lua',
    keys: ['run', 'terminal', 'awaiting', 'held', 'inSet', 'doneSet', 'sending', 'lead'],
    args: ['nowIso', 'ref', 'stage', 'outcome', 'nowMs', 'terminal'],
    moreArgs: true,
  }),
  growRun: script<number>()({ file: 'grow-run.lua', keys: ['run'], args: ['count'] }),
  createLead: script<number>()({ file: 'create-lead.lua', keys: ['lead', 'runLeads'], args: ['ref'], moreArgs: true }),
  createLeads: script<number>()({ file: 'create-leads.lua', keys: ['runLeads'], args: [], moreKeys: true, moreArgs: true }),
  // Approvals and replies (approvals.ts, replies.ts)
  createApproval: script<[number, ...string[]]>()({ file: 'create-approval.lua', keys: ['approval', 'pending'], args: ['id', 'createdMs'], moreArgs: true }),
  recordKpiLeads: script<number>()({ file: 'record-kpi-leads.lua', keys: ['index'], args: ['ttlS', 'dropBeforeMs'], moreKeys: true, moreArgs: true }),
  createApproved: script<[number, ...string[]]>()({ file: 'create-approved.lua', keys: ['approval', 'audit'], args: ['auditMaxLen', 'auditPairs'], moreArgs: true }),
  decideApproval: script<[string, string?, ...string[]]>()({
    file: 'decide-approval.lua',
    keys: ['approval', 'pending'],
    args: ['status', 'by', 'at', 'newHash', 'shownHash', 'subject', 'body', 'id', 'steps', 'stepCount'],
  }),
  createReply: script<number>()({ file: 'create-reply.lua', keys: ['reply'], args: ['retentionS'], moreArgs: true }),
  decideReply: script<[string, ...string[]]>()({ file: 'decide-reply.lua', keys: ['reply'], args: ['outcome', 'by', 'at'] }),
  // Sends (safety-gate.ts) and LinkedIn connection caps (linkedin-senders.ts)
  reserveSend: script<[string, string]>()({ file: 'reserve-send.lua', keys: ['idempotency', 'dayCount', 'firstDay', 'stopFlag'], args: ['cap', 'day', 'dayCountTtlS'] }),
  recordShadow: script<number>()({ file: 'record-shadow.lua', keys: ['marker', 'list'], args: ['email'], moreKeys: true, moreArgs: true }),
  reserveLinkedInConnection: script<[string, string]>()({
    file: 'reserve-linkedin-connection.lua',
    keys: ['day', 'week', 'first'],
    args: ['nowMs', 'dayMs', 'dailyCap', 'weeklyCap', 'ref', 'weekTtlMs', 'dayTtlMs'],
    moreArgs: true,
  }),
  // The cluster's policy (policy.ts)
  seedPolicy: script<number>()({ file: 'seed-policy.lua', keys: ['policy'], args: ['policy', 'by', 'at'] }),
  replacePolicy: script<[number, string]>()({ file: 'replace-policy.lua', keys: ['policy'], args: ['expected', 'version', 'policy', 'by', 'at'] }),
  // The emergency stop (emergency.ts)
  setStop: script<number>()({ file: 'set-stop.lua', keys: ['stopFlag'], args: ['at', 'by', 'reason'] }),
  // Provider protection (rate-limiter.ts, circuit-breaker.ts, providers/credits.ts)
  reserveRateSlot: script<number>()({ file: 'reserve-rate-slot.lua', keys: ['grants'], args: ['max', 'perMs', 'maxWaitMs', 'graceMs'] }),
  breakerAcquire: script<[string, string, string, number]>()({ file: 'breaker-acquire.lua', keys: ['state', 'probe'], args: ['probeTtlMs', 'recheckMs'] }),
  breakerSuccess: script<string>()({ file: 'breaker-success.lua', keys: ['state', 'probe'], args: [] }),
  breakerFailure: script<[string, number]>()({ file: 'breaker-failure.lua', keys: ['state', 'probe'], args: ['threshold', 'windowMs', 'cooldownMs', 'reason'] }),
  reserveCredits: script<'ok' | 'day' | 'month'>()({ file: 'reserve-credits.lua', keys: ['day', 'month'], args: ['cost', 'dayLimit', 'monthLimit', 'dayTtlS', 'monthTtlS'] }),
  // Webhooks and callbacks (webhooks/accept.ts, webhooks/processors/instantly-event.ts, jobs/clay-resume.ts)
  markSeen: script<number[]>()({ file: 'mark-seen.lua', keys: [], args: ['ttlS'], moreKeys: true }),
  countRequests: script<number[]>()({ file: 'count-requests.lua', keys: [], args: ['windowMs'], moreKeys: true, moreArgs: true }),
  recordInstantlyEvent: script<number>()({
    file: 'record-instantly-event.lua',
    keys: ['marker', 'timeline', 'kpiDay', 'kpiCampaign', 'kpiCampaigns', 'recentSends'],
    args: ['entry', 'kpiField', 'timelineMax', 'retentionS', 'campaignId', 'email', 'isSend', 'window', 'atMs'],
  }),
  bounceRate: script<[number, number]>()({ file: 'bounce-rate.lua', keys: ['recentSends', 'bounced'], args: ['email'] }),
  recordClayResult: script<string>()({
    file: 'record-clay-result.lua',
    keys: ['lead', 'result', 'wait', 'late'],
    args: ['payload', 'ref', 'lateKeep', 'lateTtlS', 'resultTtlS'],
  }),
  // Slack (bot/lock.ts) and the sandbox providers
  releaseLock: script<number>()({ file: 'release-lock.lua', keys: ['lock'], args: ['token'] }),
  sandboxRecordSend: script<number>()({ file: 'sandbox-record-send.lua', keys: ['sentKeys', 'sent', 'campaign'], args: ['idempotencyKey', 'email', 'address', 'providerRef'] }),
};

type ScriptName = keyof typeof SCRIPTS;

/** A script as a function: its KEYS and ARGV by name, plus any batch beyond the named ones. */
export type ScriptCall<S> =
  S extends Typed<infer K, infer A, infer R> ? (keys: Record<K, string>, args: Record<A, Arg>, more?: { keys?: string[]; args?: Arg[] }) => Promise<R> : never;

export type Scripts = { [N in ScriptName]: ScriptCall<(typeof SCRIPTS)[N]> };

const INCLUDE = /^--#include (\S+\.lua)\s*$/gm;

/** The header's `-- KEYS[i]` / `-- ARGV[i]` lines must name exactly the spec's positions. */
function checkHeader(name: string, spec: ScriptSpec<string, string>, source: string): void {
  const header = source.split('\n').filter((line) => line.startsWith('--'));
  for (const [what, named, more] of [
    ['KEYS', spec.keys, spec.moreKeys],
    ['ARGV', spec.args, spec.moreArgs],
  ] as const) {
    const documented = header.flatMap((line) => [...line.matchAll(new RegExp(`^-- ${what}\\[(\\d+)(\\.\\.)?\\]`, 'g'))].map((m) => (m[2] ? `${m[1]}..` : m[1])));
    const expected = [...named.map((_, i) => String(i + 1)), ...(more ? [`${named.length + 1}..`] : [])];
    if (documented.join(',') !== expected.join(',')) {
      throw new Error(`${spec.file}: the header documents ${what} ${documented.join(',') || 'none'} but ${name} names ${expected.join(',') || 'none'}`);
    }
    const code = source.split('\n').filter((line) => !line.trimStart().startsWith('--')).join('\n');
    const used = Math.max(0, ...[...code.matchAll(new RegExp(`${what}\\[(\\d+)\\]`, 'g'))].map((m) => Number(m[1])));
    if (!more && used > named.length) throw new Error(`${spec.file}: uses ${what}[${used}] but ${name} names ${named.length}`);
  }
}

function readScript(file: string): string {
  return readFileSync(join(LUA_DIR, file), 'utf8');
}

/** A script with its `--#include` lines replaced by those files, theirs included too. */
function withIncludes(source: string): string {
  return source.replace(INCLUDE, (_, file: string) => withIncludes(readScript(file)));
}

/** Every script's source, read once at start (a missing file or a header out of step fails the start). */
const SOURCES = Object.fromEntries(
  Object.entries(SCRIPTS).map(([name, spec]) => {
    const source = readScript(spec.file);
    checkHeader(name, spec, source);
    return [name, withIncludes(source)];
  }),
) as Record<ScriptName, string>;

type Invoke = (this: Redis, numberOfKeys: number, ...keysAndArgs: Arg[]) => Promise<unknown>;

const loaded = new WeakMap<Redis, Scripts>();

/**
 * The scripts on one connection (defined once per connection with ioredis `defineCommand`, which
 * runs them by SHA and sends the source on the first call of a socket or after a NOSCRIPT).
 */
export function loadScripts(redis: Redis): Scripts {
  const known = loaded.get(redis);
  if (known) return known;
  const scripts = {} as Record<ScriptName, ScriptCall<Typed<string, string, unknown>>>;
  for (const [name, spec] of Object.entries(SCRIPTS) as Array<[ScriptName, ScriptSpec<string, string>]>) {
    const command = `caio_${name}`;
    // No fixed numberOfKeys: a batch script takes any number, so every call passes the count.
    redis.defineCommand(command, { lua: SOURCES[name] });
    const invoke = (redis as unknown as Record<string, Invoke>)[command] as Invoke;
    scripts[name] = (keys, args, more) => {
      const allKeys = [...spec.keys.map((k) => keys[k] as string), ...(more?.keys ?? [])];
      return invoke.call(redis, allKeys.length, ...allKeys, ...spec.args.map((a) => args[a] as Arg), ...(more?.args ?? []));
    };
  }
  const typed = scripts as unknown as Scripts;
  loaded.set(redis, typed);
  return typed;
}
