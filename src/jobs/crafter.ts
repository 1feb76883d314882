import { resolve } from 'node:path';
import { utcDay } from '../core/days.ts';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Audit } from '../core/audit.ts';
import { EMAIL_STEP_DAYS } from '../core/cadence.ts';
import type { Config } from '../core/config.ts';
import { estimateTokens, zoneOf } from '../core/context-zones.ts';
import { parseAnswer } from '../core/crafter-answer.ts';
import { loadPrompts, planRequest, retryMessage, type PromptInput, type PromptSet } from '../core/crafter-prompt.ts';
import { createCraftResults } from '../core/craft-results.ts';
import { createCrafterUsage, type CrafterUsage, type TokenUsage } from '../core/crafter-usage.ts';
import { craftSequence, SUBJECT_MAX, UNSUBSCRIBE_FOOTER } from '../core/email-template.ts';
import type { Emergency } from '../core/emergency.ts';
import { checkGrounding, type DraftStep } from '../core/grounding.ts';
import { createHttpClient, ProviderDeferredError, RETRY_POLICIES } from '../core/http-client.ts';
import type { Keys } from '../core/keys.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import type { Notifier } from '../core/notifier.ts';
import type { ContextZone, CraftFallback, CraftInfo, GroundingProblem, IcpScore, Lead, SequenceEmail } from '../core/types.ts';
import { createLlmClient, type LlmClient, type LlmMessage } from '../providers/llm.ts';
import { createProviderChannel } from '../providers/provider-call.ts';
import type { PipelineDeps } from './deps.ts';
import { parkOnDeferred } from './park-on-deferred.ts';

/** A crafted sequence and who wrote it. */
export interface CraftResult {
  sequence: SequenceEmail[];
  craft: CraftInfo;
}

/** The LLM crafter behind the craft stage; built only when LLM_API_KEY is set. */
export interface Crafter {
  readonly model: string;
  readonly prompts: PromptSet;
  /**
   * Writes the lead's sequence with the model, or with the templates when the model cannot (over
   * budget, breaker open, an answer that fails validation twice, a CRITICAL context zone). Throws
   * only ProviderDeferredError (emergency stop, or a rate limit the lead may still wait for: the
   * job parks) or an infrastructure error (Redis) that the job's retries handle.
   */
  craft(lead: Lead, icp: IcpScore, waitedMs: number): Promise<CraftResult>;
  close(): Promise<void>;
}

export interface CrafterDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  keys: Keys;
  notifier: Notifier;
  audit: Audit;
  emergency?: Pick<Emergency, 'recentState' | 'state'> | undefined;
  metrics?: Pick<Metrics, 'breakerState'> | undefined;
}

/** Steps that reply in step 1's thread (0-based): 2, 3 and 5. */
const THREAD_REPLIES = new Set([1, 2, 4]);

type Attempt = { kind: 'answer'; text: string } | { kind: 'fallback'; reason: CraftFallback };

/** The crafter, when LLM_API_KEY is set and `crafter.enabled`; null otherwise (the templates write every email). */
export function createCrafterIfConfigured(deps: CrafterDeps): Crafter | null {
  const { env, crafter: settings, providers } = deps.config;
  if (!env.LLM_API_KEY || !settings.enabled) return null;
  const prompts = loadPrompts(resolve(settings.prompts_dir));
  // Its own pool: model answers take seconds and must not hold the sockets of the pipeline's providers.
  const http = createHttpClient({
    logger: deps.logger,
    timeoutMs: settings.timeout_ms,
    policy: { ...RETRY_POLICIES.standard, attempts: settings.attempts, baseMs: providers.retry.base_ms, maxMs: providers.retry.max_ms, maxRetryAfterMs: providers.retry.max_retry_after_ms },
  });
  const channel = createProviderChannel({ ...deps, http }, 'llm');
  const llm = createLlmClient(channel, {
    apiKey: env.LLM_API_KEY,
    baseUrl: env.LLM_BASE_URL,
    model: settings.model,
    maxTokens: settings.max_tokens,
    temperature: settings.temperature,
    timeoutMs: settings.timeout_ms,
  });
  deps.logger.info({ model: settings.model, prompt_version: prompts.version, prompt_hash: prompts.hash }, 'LLM crafter on');
  return createCrafter({ ...deps, llm, prompts, usage: createCrafterUsage({ redis: deps.redis, keys: deps.keys, config: settings }) }, () => http.close());
}

/** The crafter over a given model client (tests and benchmarks pass their own). */
export function createCrafter(deps: CrafterDeps & { llm: LlmClient; prompts: PromptSet; usage: CrafterUsage }, close: () => Promise<void> = async () => undefined): Crafter {
  const { llm, prompts, usage, config, logger } = deps;
  const settings = config.crafter;
  const results = createCraftResults<CraftResult>(deps.redis, deps.keys);

  async function warnBudget(): Promise<void> {
    const day = utcDay();
    if (!(await usage.claimBudgetWarning(day))) return;
    const budget = [settings.budget.daily_tokens !== null ? `${settings.budget.daily_tokens.toLocaleString('en')} tokens` : null, settings.budget.daily_usd !== null ? `$${settings.budget.daily_usd}` : null].filter(Boolean).join(' / ');
    await deps.notifier
      .alert('WARNING', `LLM crafter: today's budget (${budget}) is reached; the templates write the rest of today's emails`, { day, model: llm.model })
      .catch((err: unknown) => logger.error({ err }, 'alert failed'));
  }

  return {
    model: llm.model,
    prompts,
    close,
    async craft(lead, icp, waitedMs) {
      const cached = await results.get(lead.ref);
      if (cached) return cached;

      const info: CraftInfo = {
        author: 'template',
        fallback: null,
        grounded: true,
        problems: [],
        model: llm.model,
        zones: [],
        prompt: { version: prompts.version, hash: prompts.hash },
        usage: { calls: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 },
      };
      const input: PromptInput = { lead, icp, prompts, maxBody: settings.max_body_chars };
      const vocabulary = `${prompts.sender}\n${prompts.angles[lead.source] ?? prompts.angles.default ?? ''}`;

      const zone = async (z: ContextZone) => {
        info.zones.push(z);
        await usage.countZone(z, lead.runId);
      };

      /** One request: a budget reservation, the call, its usage counted. `canPark` lets a rate limit park the job. */
      const attempt = async (system: string, messages: LlmMessage[], canPark: boolean): Promise<Attempt> => {
        const tokens = estimateTokens(system, ...messages.map((m) => m.content));
        const reservation = await usage.reserve(tokens);
        if (!reservation) {
          await warnBudget();
          return { kind: 'fallback', reason: 'budget' };
        }
        let used: TokenUsage | null = null;
        try {
          const answer = await llm.complete({ system, messages });
          // A malformed envelope says nothing about usage: the prompt is counted as sent.
          used = answer.usage ?? { input_tokens: tokens, output_tokens: 0 };
          info.usage.calls += 1;
          info.usage.input_tokens += used.input_tokens;
          info.usage.output_tokens += used.output_tokens;
          info.usage.cost_usd = (info.usage.input_tokens * settings.prices.input_per_mtok + info.usage.output_tokens * settings.prices.output_per_mtok) / 1_000_000;
          if (answer.stopReason === 'max_tokens') logger.warn({ lead: lead.ref, max_tokens: settings.max_tokens }, 'crafter: the answer was cut at max_tokens');
          return { kind: 'answer', text: answer.text };
        } catch (err) {
          if (!(err instanceof ProviderDeferredError)) {
            logger.warn({ err, lead: lead.ref }, 'crafter: the model call failed; the template writes this email');
            return { kind: 'fallback', reason: 'provider_error' };
          }
          // A stop parks the job like every stage; it is crafted after the resume.
          if (err.code === 'EMERGENCY_STOPPED') throw err;
          if (err.code === 'BREAKER_OPEN') return { kind: 'fallback', reason: 'breaker_open' };
          // Throttled: park while the lead has not waited too long already, else the template.
          if (canPark && waitedMs + Math.max(0, err.retryAt - Date.now()) <= settings.max_wait_ms) throw err;
          return { kind: 'fallback', reason: 'rate_limited' };
        } finally {
          await usage.settle(reservation, used, lead.runId);
        }
      };

      const finish = async (result: CraftResult): Promise<CraftResult> => {
        await usage.countAuthor(result.craft, lead.runId);
        const c = result.craft;
        await deps.audit.append({
          actor: 'crafter',
          action: c.author === 'model' ? 'craft.model' : 'craft.template',
          subject: lead.ref,
          details: {
            run: lead.runId,
            author: c.author,
            fallback: c.fallback,
            grounded: c.grounded,
            problems: c.problems.length,
            zones: c.zones,
            model: c.model,
            prompt_version: c.prompt?.version ?? null,
            prompt_hash: c.prompt?.hash ?? null,
            calls: c.usage.calls,
            input_tokens: c.usage.input_tokens,
            output_tokens: c.usage.output_tokens,
            cost_usd: Number(c.usage.cost_usd.toFixed(6)),
          },
        });
        await results.keep(lead.ref, result);
        logger.info({ lead: lead.ref, author: c.author, fallback: c.fallback, grounded: c.grounded, zones: c.zones, calls: c.usage.calls }, 'crafted');
        return result;
      };
      const template = (reason: CraftFallback) => finish({ sequence: craftSequence(lead, icp), craft: { ...info, author: 'template', fallback: reason, grounded: true, problems: [] } });
      const model = (steps: DraftStep[], problems: GroundingProblem[]) =>
        finish({ sequence: toSequence(steps), craft: { ...info, author: 'model', fallback: null, grounded: problems.length === 0, problems } });

      const plan = planRequest(input, settings.context_window);
      await zone(plan.zone);
      if (plan.variant === null) return template('context_critical');

      const messages: LlmMessage[] = [{ role: 'user', content: plan.user }];
      const first = await attempt(plan.system, messages, true);
      if (first.kind === 'fallback') return template(first.reason);
      const parsed = parseAnswer(first.text, settings.max_body_chars);
      const problems = parsed.ok ? checkGrounding(parsed.steps, lead, vocabulary) : [];
      if (parsed.ok && problems.length === 0) return model(parsed.steps, []);

      // One regeneration, with what was wrong; the conversation so far goes with it.
      const listed = parsed.ok ? problems.map((p) => `step ${p.step}: "${p.text}": ${p.reason}`) : parsed.problems;
      const again: LlmMessage[] = [
        ...messages,
        { role: 'assistant', content: first.text.trim() === '' ? '(no answer)' : first.text.trim() },
        { role: 'user', content: retryMessage(prompts, listed) },
      ];
      const retryZone = zoneOf(estimateTokens(plan.system, ...again.map((m) => m.content)), settings.context_window);
      await zone(retryZone);
      const second = retryZone === 'CRITICAL' ? null : await attempt(plan.system, again, false);
      if (second?.kind === 'answer') {
        const reparsed = parseAnswer(second.text, settings.max_body_chars);
        if (reparsed.ok) return model(reparsed.steps, checkGrounding(reparsed.steps, lead, vocabulary));
      }
      // The first answer was usable but ungrounded: a person sees it with the problems flagged.
      if (parsed.ok) return model(parsed.steps, problems);
      return template(second?.kind === 'fallback' ? second.reason : retryZone === 'CRITICAL' ? 'context_critical' : 'invalid_answer');
    },
  };
}

/** The model's five steps as the sequence the approval holds: footer added, follow-ups in step 1's thread. */
function toSequence(steps: DraftStep[]): SequenceEmail[] {
  const firstSubject = steps[0]?.subject ?? '';
  return steps.map((draft, i) => ({
    subject: limit(THREAD_REPLIES.has(i) ? `Re: ${firstSubject}` : draft.subject, SUBJECT_MAX),
    body: `${draft.body}${UNSUBSCRIBE_FOOTER}`,
    fragments: draft.claims.map((c) => ({ text: c.fragment, field: c.field })),
    template: 'model',
    step: i + 1,
    day: EMAIL_STEP_DAYS[i] ?? 0,
  }));
}

function limit(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/**
 * The craft stage's sequence: the crafter's when it is on (who wrote it saved with the lead, for
 * the card and the approve stage), else the templates'. A deferral (stop, rate limit) parks the job.
 */
export async function craftLeadSequence(deps: Pick<PipelineDeps, 'crafter' | 'store'>, job: Job, token: string | undefined, lead: Lead, icp: IcpScore): Promise<SequenceEmail[]> {
  const crafter = deps.crafter;
  if (!crafter) return craftSequence(lead, icp);
  const { sequence, craft } = await parkOnDeferred(job, token, () => crafter.craft(lead, icp, Date.now() - job.timestamp));
  await deps.store.updateLead(lead.ref, { craft }, lead);
  return sequence;
}
