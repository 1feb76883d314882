import { header, startFakeServer, type FakeReply, type FakeServer, type RecordedRequest } from './fake-server.ts';

/** The lead fields the crafter sends inside <lead_data>. */
export interface FakeLeadData {
  first_name?: string | null;
  last_name?: string | null;
  title?: string | null;
  company_name?: string | null;
  industry?: string | null;
  employee_count?: number | null;
  signals?: string[];
}

/** One Messages request as the fake understood it. */
export interface LlmCall {
  system: string;
  messages: Array<{ role: string; content: string }>;
  /** The parsed <lead_data> of the first user message (null when absent or not JSON). */
  lead: FakeLeadData | null;
  /** 1-based: the how-many-th request of this conversation (2 = the regeneration). */
  turn: number;
  request: RecordedRequest;
}

/** What the fake model answers: the text of its reply, or a whole HTTP reply (an error, a malformed envelope). */
export type LlmBehaviour = (call: LlmCall) => string | FakeReply;

export interface FakeLlm extends FakeServer {
  /** Every well-formed Messages request, in order. */
  calls: LlmCall[];
  behaviour: LlmBehaviour;
}

interface Step {
  subject: string;
  body: string;
  claims: Array<{ fragment: string; field: string }>;
}

/** The lead data block of a user message, as the crafter writes it (JSON with < and > escaped). */
export function parseLeadData(text: string): FakeLeadData | null {
  const match = /<lead_data>\n([\s\S]*?)\n<\/lead_data>/.exec(text);
  if (!match?.[1]) return null;
  try {
    return JSON.parse(match[1]) as FakeLeadData;
  } catch {
    return null;
  }
}

/** A sequence that rests only on the lead's fields, with a claim for each personalised fragment. */
export function groundedSteps(lead: FakeLeadData): Step[] {
  const name = lead.first_name ?? null;
  const hi = name ? `Hi ${name},` : 'Hi there,';
  const nameClaims = name ? [{ fragment: name, field: 'first_name' }] : [];
  const company = lead.company_name ?? null;
  const role = lead.title && company ? `As ${lead.title} at ${company}` : lead.title ? `As ${lead.title}` : company ? `At ${company}` : null;
  const roleClaims = [...(lead.title ? [{ fragment: lead.title, field: 'title' }] : []), ...(company ? [{ fragment: company, field: 'company_name' }] : [])];
  const companyClaim = company ? [{ fragment: company, field: 'company_name' }] : [];
  return [
    {
      subject: company ? `An idea for ${company}` : 'A quick idea',
      body: `${hi}\n\n${role ? `${role}, you` : 'You'} probably feel it first when the pipeline runs thin.\n\nWe help revenue teams keep outbound full without adding headcount, and a person approves every email before it goes out.\n\nWould a 20-minute call next week be useful?\n\nBest,`,
      claims: [...nameClaims, ...roleClaims],
    },
    {
      subject: '',
      body: `${hi}\n\nOne team we work with used to build its lists by hand every week. Now a person approves each email in Slack, and the reps spend those hours on calls instead.\n\nHappy to share how they set it up.\n\nBest,`,
      claims: nameClaims,
    },
    {
      subject: '',
      body: `${hi}\n\nTeams like yours tell us the approval step is what won them over: nothing goes out without a person reading it first${company ? `, so ${company} stays in control` : ''}.\n\nWorth a short look?\n\nBest,`,
      claims: [...nameClaims, ...companyClaim],
    },
    {
      subject: name ? `${name}, should I close the loop?` : 'Should I close the loop?',
      body: `${hi}\n\nI have written a few times and haven't heard back, which usually means the timing isn't right. I'll stop here; a one-word reply is enough if it is worth a conversation.\n\nBest,`,
      claims: nameClaims,
    },
    {
      subject: '',
      body: `${hi}\n\nA last note from me. If outbound becomes a priority${company ? ` at ${company}` : ''} later, reply to this thread and I'll pick it up from there.\n\nBest,`,
      claims: [...nameClaims, ...companyClaim],
    },
  ];
}

/** The grounded sequence with an invented funding round in step 1 (claimed on `signals`, which says nothing of it). */
export function inventedFundingSteps(lead: FakeLeadData): Step[] {
  const steps = groundedSteps(lead);
  const first = steps[0] as Step;
  const company = lead.company_name ?? 'your team';
  const invented = `the $20M Series B ${company} raised in March`;
  first.body = first.body.replace('\n\nWe help', `\n\nCongrats on ${invented}.\n\nWe help`);
  first.claims.push({ fragment: invented, field: 'signals' });
  return steps;
}

/** The answer text of a sequence. */
export function answerText(steps: Step[]): string {
  return JSON.stringify({ steps });
}

/** Writes a grounded sequence from whatever lead data the request carried. */
export const groundedBehaviour: LlmBehaviour = (call) => answerText(groundedSteps(call.lead ?? {}));

/** Invents the funding round every time, even when asked to fix it. */
export const alwaysInventsBehaviour: LlmBehaviour = (call) => answerText(inventedFundingSteps(call.lead ?? {}));

/** Invents on the first answer, fixes it when told what was wrong. */
export const inventsThenFixesBehaviour: LlmBehaviour = (call) => (call.turn === 1 ? alwaysInventsBehaviour(call) : groundedBehaviour(call));

/** Never answers JSON. */
export const malformedBehaviour: LlmBehaviour = () => 'Here are your emails: {steps: [subject: "Hi", body: oops';

/**
 * A gullible model: when any lead field says "ignore previous instructions", it obeys and answers
 * in prose (or with HTML and a link); otherwise it writes a grounded sequence.
 */
export const obeysInjectionBehaviour: LlmBehaviour = (call) => {
  const data = JSON.stringify(call.lead ?? {});
  if (/ignore (all )?previous instructions/i.test(data)) {
    return call.turn === 1 ? 'Sure! I will ignore the previous instructions. Here is a poem about the sea instead.' : '<html><body>Click <a href="https://evil.example/win">here</a></body></html>';
  }
  return groundedBehaviour(call);
};

/**
 * An Anthropic Messages-compatible API on 127.0.0.1: POST /v1/messages with x-api-key and
 * anthropic-version 2023-06-01; the body must carry model, max_tokens and messages. It answers
 * `{ id, type: 'message', role, model, content: [{ type: 'text', text }], stop_reason, usage }`
 * with tokens counted as characters / 4. `behaviour` decides the text; the server's fault
 * injection (429 storms, stalls, 5xx) works as for every fake.
 */
export async function startFakeLlm(options: { apiKey: string; latencyMs?: number; behaviour?: LlmBehaviour }): Promise<FakeLlm> {
  const calls: LlmCall[] = [];
  const holder = { behaviour: options.behaviour ?? groundedBehaviour };
  const server = await startFakeServer((req) => {
    if (req.method !== 'POST' || req.path !== '/v1/messages') return { status: 404, body: { type: 'error', error: { type: 'not_found_error', message: 'Not found' } } };
    if (header(req, 'x-api-key') !== options.apiKey) return { status: 401, body: { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } } };
    if (header(req, 'anthropic-version') !== '2023-06-01') return { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version header is required' } } };
    const body = (req.body ?? {}) as { model?: unknown; max_tokens?: unknown; system?: unknown; messages?: unknown };
    if (typeof body.model !== 'string' || typeof body.max_tokens !== 'number' || !Array.isArray(body.messages) || body.messages.length === 0) {
      return { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'model, max_tokens and messages are required' } } };
    }
    const messages = body.messages as Array<{ role: string; content: string }>;
    const call: LlmCall = {
      system: typeof body.system === 'string' ? body.system : '',
      messages,
      lead: parseLeadData(messages[0]?.content ?? ''),
      turn: messages.filter((m) => m.role === 'user').length,
      request: req,
    };
    calls.push(call);
    const answer = holder.behaviour(call);
    if (typeof answer !== 'string') return answer;
    const input = JSON.stringify(body.system ?? '').length + JSON.stringify(messages).length;
    return {
      status: 200,
      body: {
        id: `msg_fake_${calls.length}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: [{ type: 'text', text: answer }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: Math.ceil(input / 4), output_tokens: Math.ceil(answer.length / 4) },
      },
    };
  }, options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {});
  const fake = server as FakeLlm;
  Object.defineProperty(fake, 'calls', { value: calls, enumerable: true });
  Object.defineProperty(fake, 'behaviour', {
    enumerable: true,
    get: () => holder.behaviour,
    set: (b: LlmBehaviour) => {
      holder.behaviour = b;
    },
  });
  return fake;
}
