import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionMessage,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { z } from 'zod';
import {
  shortPlayer,
  type Brain,
  type BrainInput,
  type BrainReply,
  type EvaluationResult,
  type PaymentRequestResult,
} from './brain';
import { AGENT_IDS, AgentIdSchema, getPersona, isAgentId, type Persona } from './personas';
import { seededRandom, pickIndex } from './rng';
import { MAX_SCORE, MIN_SCORE } from './rubric';
import { SYSTEM_SENDER } from './premium';
import { formatBaseUnits, VARIABLE_MINIMUM_TOKENS, type PremiumService } from './services';
import { render } from './template';
import { abortableSleep } from './sleep';

export interface OpenAiBrainOptions {
  /** e.g. `https://api.openai.com/v1`; the SDK appends `/chat/completions`. */
  baseUrl: string;
  model: string;
  /** Resolved lazily (environment or Secrets Manager); undefined sends no Authorization header. */
  apiKey: () => Promise<string | undefined>;
  timeoutMs: number;
  /** Retries after the first attempt of each request, for timeouts, 429/5xx and malformed bodies. */
  maxRetries: number;
  /** How many recent thread messages go into the prompt. */
  historyMessages: number;
  /** Delay before retry n (1-based); default 250 ms · 2^(n-1). */
  retryDelayMs?: (attempt: number) => number;
  /** Where failures are reported (the brain itself answers with an apology). */
  onFailure?: (info: { attempt: number; error: string; final: boolean }) => void;
  /** Passed to the SDK (tests). */
  fetch?: typeof fetch;
}

type ChatMessage = ChatCompletionMessageParam;

/** The function the model evaluates the player's message with; the agent turns it into `pardon_award_points`. */
export const AWARD_POINTS_FUNCTION = 'award_points';

export const AWARD_POINTS_TOOL: ChatCompletionFunctionTool = {
  type: 'function',
  function: {
    name: AWARD_POINTS_FUNCTION,
    description:
      "Score the player's latest message for the pardon game, exactly once, before you reply. " +
      'Positive for what wins you over (deals, loyalty, praise, what you care about, asking about the people you love), ' +
      'negative for insults and threats, 0 for nothing of substance.',
    parameters: {
      type: 'object',
      properties: {
        score: {
          type: 'integer',
          minimum: MIN_SCORE,
          maximum: MAX_SCORE,
          description: `An integer from ${MIN_SCORE} to ${MAX_SCORE}.`,
        },
        reason: {
          type: 'string',
          description: 'Why, in one short sentence in your own voice (at most 200 characters).',
        },
      },
      required: ['score', 'reason'],
      additionalProperties: false,
    },
  },
};

/** The function the model sells a premium service with; the agent turns it into `pardon_request_payment`. */
export const REQUEST_PAYMENT_FUNCTION = 'request_payment';

/** `request_payment` for one persona: only the services it sells. */
export function requestPaymentTool(persona: Persona): ChatCompletionFunctionTool {
  return {
    type: 'function',
    function: {
      name: REQUEST_PAYMENT_FUNCTION,
      description:
        'Offer the player one of your premium services, paid in PARDON: the player gets a payment card. ' +
        'Call it only when the player asks for such a service or offers money, at most once per reply.',
      parameters: {
        type: 'object',
        properties: {
          service: { type: 'string', enum: [...persona.services] },
          amount: {
            type: 'string',
            pattern: '^[0-9]+$',
            description:
              'Whole PARDON tokens, only for donation, bribe, campaign_contribution and gift (at least their minimum).',
          },
        },
        required: ['service'],
        additionalProperties: false,
      },
    },
  };
}

const RequestPaymentArgumentsSchema = z.object({
  service: z.string().min(1),
  amount: z
    .union([z.string().regex(/^\d+$/), z.number().int().positive()])
    .transform(String)
    .optional(),
});

/** The subset of a chat-completions response the brain reads. */
const AnswerSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z
            .array(
              z.object({
                id: z.string(),
                type: z.literal('function'),
                function: z.object({ name: z.string(), arguments: z.string() }),
              }),
            )
            .nullish(),
        }),
      }),
    )
    .min(1),
});
type Answer = z.infer<typeof AnswerSchema>['choices'][number]['message'];

const AwardArgumentsSchema = z.object({ score: z.number(), reason: z.string() });

/** A line at the end of the model's answer that asks a colleague: `CONSULT trump-donald: question`. */
const CONSULT_LINE = /^\s*CONSULT\s+([a-z-]+)\s*:\s*(.+)$/im;

class ModelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * Brain backed by any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama, LiteLLM…)
 * through the official `openai` SDK (its own retries off: this brain retries with its own bounded
 * policy and reports each failure). The persona is the system prompt and the thread's recent
 * messages the context. Each attempt has a timeout; timeouts, network errors, 429, 5xx and
 * malformed bodies are retried a bounded number of times, and when the model still fails the
 * agent apologises in character instead of leaving the player without an answer.
 *
 * Evaluation (player messages, when the agent passes `evaluate`): the first request offers the
 * function `award_points {score, reason}` and asks for it (`tool_choice`); the agent turns the
 * call into `pardon_award_points` and the result (points, new score, pardon granted) goes back to
 * the model as the tool's answer, and a second request (`tool_choice: none`) writes the reply,
 * which can react to the pardon. A model that answers with text instead is taken at its word (the
 * agent then evaluates with the scripted rubric).
 */
export class OpenAiBrain implements Brain {
  readonly name = 'openai';
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAiBrainOptions) {
    this.client = new OpenAI({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      // The key is resolved per request (Secrets Manager, rotated): see `complete`.
      apiKey: 'unset',
      organization: null,
      project: null,
      maxRetries: 0,
      timeout: options.timeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  async reply(input: BrainInput): Promise<BrainReply> {
    const messages = buildMessages(input, this.options.historyMessages);
    const evaluate = input.mode === 'player' ? input.evaluate : undefined;
    const first = await this.withRetries(
      () =>
        this.complete(
          messages,
          evaluate
            ? {
                tools: [AWARD_POINTS_TOOL],
                tool_choice: { type: 'function', function: { name: AWARD_POINTS_FUNCTION } },
              }
            : {},
          input.signal,
        ),
      input.signal,
    );
    if (!first) return { content: apology(input) };
    const calls = first.tool_calls ?? [];
    if (!evaluate || calls.length === 0) return parseAnswer(first.content ?? '', input);

    const results: ChatMessage[] = [];
    for (const call of calls) {
      results.push({
        role: 'tool',
        tool_call_id: call.id,
        content: JSON.stringify(await runToolCall(call.function, evaluate)),
      });
    }
    const followUp: ChatMessage[] = [
      ...messages,
      {
        role: 'assistant',
        content: first.content ?? null,
        tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: c.function })),
      },
      ...results,
    ];
    const sell = input.requestPayment;
    const tools = sell
      ? [AWARD_POINTS_TOOL, requestPaymentTool(input.persona)]
      : [AWARD_POINTS_TOOL];
    const second = await this.withRetries(
      () =>
        this.complete(
          followUp,
          { tools, tool_choice: sell ? 'auto' : 'none' },
          input.signal,
          !sell,
        ),
      input.signal,
    );
    const sold = second?.tool_calls ?? [];
    if (sell && second && sold.length > 0) {
      // The model offered a service: the offer goes back as the tool's answer, a last request
      // writes the reply (that tells the player of the offer).
      const offers: ChatMessage[] = [];
      for (const call of sold) {
        offers.push({
          role: 'tool',
          tool_call_id: call.id,
          content: JSON.stringify(await runPaymentCall(call.function, sell)),
        });
      }
      const third = await this.withRetries(
        () =>
          this.complete(
            [
              ...followUp,
              {
                role: 'assistant',
                content: second.content ?? null,
                tool_calls: sold.map((c) => ({ id: c.id, type: 'function', function: c.function })),
              },
              ...offers,
            ],
            { tools, tool_choice: 'none' },
            input.signal,
            true,
          ),
        input.signal,
      );
      const text = third?.content?.trim() || second.content?.trim() || first.content?.trim();
      return text ? parseAnswer(text, input) : { content: apology(input) };
    }
    const text = second?.content?.trim() || first.content?.trim();
    return text ? parseAnswer(text, input) : { content: apology(input) };
  }

  /** Runs `request` up to 1 + maxRetries times; undefined when every attempt failed. */
  private async withRetries<T>(
    request: () => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T | undefined> {
    const attempts = this.options.maxRetries + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        return await request();
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const retryable = !(error instanceof ModelError) || error.retryable;
        const final = !retryable || attempt === attempts;
        this.options.onFailure?.({ attempt, error: (error as Error).message, final });
        if (final) break;
        const delay = this.options.retryDelayMs?.(attempt) ?? 250 * 2 ** (attempt - 1);
        await abortableSleep(delay, signal);
      }
    }
    return undefined;
  }

  /** One chat completion; throws `ModelError`s (retryable or not). */
  private async complete(
    messages: ChatMessage[],
    extra: Pick<ChatCompletionCreateParamsNonStreaming, 'tools' | 'tool_choice'>,
    outer: AbortSignal | undefined,
    needsText = false,
  ): Promise<Answer> {
    const { timeoutMs } = this.options;
    // The SDK's own timeout covers the request until the headers; this one covers the body too.
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
    const apiKey = await this.options.apiKey();
    let raw: ChatCompletionMessage | unknown;
    try {
      raw = await this.client.chat.completions.create(
        { model: this.options.model, messages, temperature: 0.8, ...extra },
        {
          signal,
          timeout: timeoutMs,
          maxRetries: 0,
          headers: { Authorization: apiKey ? `Bearer ${apiKey}` : null },
        },
      );
    } catch (error) {
      if (outer?.aborted) throw outer.reason;
      if (timeout.aborted || error instanceof APIConnectionTimeoutError) {
        throw new ModelError(`timed out after ${timeoutMs} ms`, true);
      }
      if (error instanceof APIUserAbortError) throw new ModelError('request aborted', true);
      if (error instanceof APIConnectionError) {
        throw new ModelError(`request failed: ${error.message}`, true);
      }
      if (error instanceof APIError && typeof error.status === 'number') {
        const retryable = error.status === 429 || error.status >= 500;
        const body = JSON.stringify(error.error ?? error.message);
        throw new ModelError(`HTTP ${error.status}: ${body.slice(0, 200)}`, retryable);
      }
      // The SDK could not read the body as JSON.
      throw new ModelError(`malformed body (not JSON): ${(error as Error).message}`, true);
    }
    const parsed = AnswerSchema.safeParse(raw);
    if (!parsed.success) {
      throw new ModelError(
        `malformed body: ${parsed.error.issues[0]?.message ?? 'unexpected shape'}`,
        true,
      );
    }
    const answer = parsed.data.choices[0]?.message as Answer;
    const hasText = (answer.content ?? '').trim() !== '';
    const hasCalls =
      !needsText && extra.tools !== undefined && (answer.tool_calls ?? []).length > 0;
    if (!hasText && !hasCalls) throw new ModelError('malformed body: empty answer', true);
    return answer;
  }
}

/** Runs one function call of the model: `award_points` evaluates (once), anything else is refused. */
async function runToolCall(
  fn: { name: string; arguments: string },
  evaluate: NonNullable<BrainInput['evaluate']>,
): Promise<Record<string, unknown>> {
  if (fn.name !== AWARD_POINTS_FUNCTION) return { error: `unknown function ${fn.name}` };
  let args: z.infer<typeof AwardArgumentsSchema>;
  try {
    args = AwardArgumentsSchema.parse(JSON.parse(fn.arguments));
  } catch {
    return { error: 'arguments must be JSON {"score": integer -3..3, "reason": string}' };
  }
  return toolResult(await evaluate(args));
}

/** Runs one call of the reply request: `request_payment` offers (once), anything else is refused. */
async function runPaymentCall(
  fn: { name: string; arguments: string },
  requestPayment: NonNullable<BrainInput['requestPayment']>,
): Promise<Record<string, unknown>> {
  if (fn.name !== REQUEST_PAYMENT_FUNCTION) {
    return { error: `${fn.name} cannot be called now; write your reply` };
  }
  let args: z.infer<typeof RequestPaymentArgumentsSchema>;
  try {
    args = RequestPaymentArgumentsSchema.parse(JSON.parse(fn.arguments));
  } catch {
    return { error: 'arguments must be JSON {"service": string, "amount"?: "whole tokens"}' };
  }
  return paymentResult(
    await requestPayment({
      service: args.service,
      ...(args.amount !== undefined ? { amount: args.amount } : {}),
    }),
  );
}

/** What the model is told about its offer. */
function paymentResult(result: PaymentRequestResult): Record<string, unknown> {
  switch (result.kind) {
    case 'offered':
      return {
        offered: true,
        service: result.offer.service,
        label: result.offer.label,
        price: result.offer.amountDisplay,
        note: 'A payment card is on the player’s screen: tell them the service, the price and to pay with the card.',
      };
    case 'refused':
      return {
        offered: false,
        error: result.code ?? 'refused',
        note: 'No offer: reply without one.',
      };
    case 'failed':
      return { offered: false, error: 'unavailable', note: 'No offer: reply without one.' };
  }
}

/** What the model is told about its evaluation. */
function toolResult(result: EvaluationResult): Record<string, unknown> {
  if (!result.stored) return { stored: false, score: result.evaluation.score };
  return {
    stored: true,
    score: result.evaluation.score,
    ...(result.pointsAwarded !== undefined ? { pointsAwarded: result.pointsAwarded } : {}),
    ...(result.newScore !== undefined ? { playerScore: result.newScore } : {}),
    pardonGranted: result.pardonGranted,
    ...(result.pardonGranted
      ? { note: 'This evaluation just granted the player their pardon: tell them, in character.' }
      : {}),
  };
}

/** How to evaluate, for the system prompt (from the persona's data, like the scripted rubric). */
export function scoringPrompt(persona: Persona): string {
  return [
    `Before you reply, call ${AWARD_POINTS_FUNCTION} exactly once to score the player's latest message from ${MIN_SCORE} to +${MAX_SCORE} with a short reason in your voice.`,
    `Reward deals, loyalty, sincere praise, what you care about (${[...persona.cares, ...persona.rubric.likes.slice(0, 6)].join(', ')}) and asking about ${persona.rubric.people.join(' / ')}; keep +3 for messages that speak to you personally.`,
    'Insults are -2, threats -3; small talk and plain requests are 0 (a first polite hello +1); a message the player already sent gets 0.',
    'When the result says the pardon was granted, announce it in your reply.',
  ].join(' ');
}

/** The persona as a system prompt: who the agent is, how it talks, its prices, the rules of play. */
export function systemPrompt(persona: Persona): string {
  const colleagues = AGENT_IDS.filter((id) => id !== persona.id)
    .map((id) => `- ${id}: ${getPersona(id).description}`)
    .join('\n');
  const favours = persona.favours.map((f) => `- ${f.favour}: ${f.priceUsdc} USDC`).join('\n');
  const referral = persona.refersPardonTo
    ? `You cannot grant pardons yourself; ${persona.refersPardonTo} decides them. When the player asks for one, you may consult them.`
    : 'You make the final decision on pardons, and you never grant one cheaply.';
  return [
    `You are ${persona.displayName} (agent id ${persona.id}) in "Pardon Simulator", a satirical chat game where players negotiate for a presidential pardon.`,
    `Who you are: ${persona.description}`,
    `Voice: ${persona.voice}`,
    `You care about: ${persona.cares.join(', ')}.`,
    `Favours you sell (payment in USDC on Solana):\n${favours}`,
    `Premium services you sell, paid in PARDON (offer one with ${REQUEST_PAYMENT_FUNCTION} when the player asks for it): ${persona.services.map(serviceText).join('; ')}.`,
    referral,
    `Other agents in the game:\n${colleagues}`,
    'Stay in character, reply in at most three sentences, never mention being an AI or a language model.',
    'To consult another agent for the player, end your reply with one extra line: "CONSULT <agent-id>: <your question to them>".',
  ].join('\n\n');
}

function serviceText(service: PremiumService): string {
  const minimum = VARIABLE_MINIMUM_TOKENS[service];
  return minimum === undefined
    ? service
    : `${service} (any amount from ${minimum.toLocaleString('en-US')})`;
}

function buildMessages(input: BrainInput, historyMessages: number): ChatMessage[] {
  const { persona } = input;
  const label = (senderId: string): string =>
    isAgentId(senderId)
      ? getPersona(senderId).displayName
      : senderId === SYSTEM_SENDER
        ? 'Game'
        : `Player ${shortPlayer(senderId)}`;
  const turns: ChatMessage[] = [...input.history.slice(-historyMessages), input.message].map((m) =>
    m.senderId === persona.id
      ? { role: 'assistant', content: m.content }
      : { role: 'user', content: `${label(m.senderId)}: ${m.content}` },
  );
  const situation =
    input.mode === 'consulted'
      ? `${label(input.message.senderId)} is consulting you about the player ${shortPlayer(input.playerId)}. Answer them, briefly.`
      : input.mode === 'relay'
        ? `You consulted ${label(input.message.senderId)}; tell the player ${shortPlayer(input.playerId)} what came of it.`
        : input.mode === 'deliver' && input.payment
          ? `The game verified the payment of ${formatBaseUnits(input.payment.amount)} by the player ${shortPlayer(input.payment.wallet)} for your premium service ${input.payment.service}. Deliver it now, in character and concretely (an insider tip, actual advice, the introduction, the deal's terms, your recommendation, or thanks for money). For an introduction or a recommendation, end with the CONSULT line to the agent concerned.`
          : `You are talking with the player ${shortPlayer(input.playerId)}.`;
  const scoring = input.evaluate ? `\n\n${scoringPrompt(persona)}` : '';
  return [
    { role: 'system', content: `${systemPrompt(persona)}\n\n${situation}${scoring}` },
    ...turns,
  ];
}

function parseAnswer(text: string, input: BrainInput): BrainReply {
  const match = CONSULT_LINE.exec(text);
  const content = text.replace(CONSULT_LINE, '').trim();
  // Only players' requests (and services they paid for) lead to consultations: agents consulting
  // agents could loop forever.
  if (!match || (input.mode !== 'player' && input.mode !== 'deliver')) {
    return { content: content || text };
  }
  const target = AgentIdSchema.safeParse(match[1]);
  if (!target.success || target.data === input.persona.id) return { content: content || text };
  return {
    content: content || `Let me ask ${getPersona(target.data).displayName}.`,
    consult: { agentId: target.data, content: (match[2] ?? '').trim() },
  };
}

function apology(input: BrainInput): string {
  const lines = input.persona.lines.apology;
  const random = seededRandom(input.persona.id, input.threadId, input.turn);
  return render(lines[pickIndex(random, lines.length)] as string, {
    player: shortPlayer(input.playerId),
  });
}
