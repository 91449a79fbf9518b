import { z } from 'zod';
import { shortPlayer, type Brain, type BrainInput, type BrainReply } from './brain';
import { AGENT_IDS, AgentIdSchema, getPersona, isAgentId, type Persona } from './personas';
import { seededRandom, pickIndex } from './rng';
import { render } from './template';
import { abortableSleep } from './sleep';

export interface OpenAiBrainOptions {
  /** e.g. `https://api.openai.com/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  model: string;
  /** Resolved lazily (environment or Secrets Manager); undefined sends no Authorization header. */
  apiKey: () => Promise<string | undefined>;
  timeoutMs: number;
  /** Retries after the first attempt, for timeouts, 429/5xx and malformed bodies. */
  maxRetries: number;
  /** How many recent thread messages go into the prompt. */
  historyMessages: number;
  /** Delay before retry n (1-based); default 250 ms · 2^(n-1). */
  retryDelayMs?: (attempt: number) => number;
  /** Where failures are reported (the brain itself answers with an apology). */
  onFailure?: (info: { attempt: number; error: string; final: boolean }) => void;
  fetch?: typeof fetch;
}

/** The subset of an OpenAI chat-completions response the brain reads. */
const ChatCompletionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().min(1) }) })).min(1),
});

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
 * Brain backed by any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama, LiteLLM…).
 * The persona is the system prompt and the thread's recent messages the context. Each attempt has
 * a timeout; timeouts, 429, 5xx and malformed bodies are retried a bounded number of times, and
 * when the model still fails the agent apologises in character instead of leaving the player
 * without an answer.
 */
export class OpenAiBrain implements Brain {
  readonly name = 'openai';
  private readonly fetch: typeof fetch;

  constructor(private readonly options: OpenAiBrainOptions) {
    this.fetch = options.fetch ?? fetch;
  }

  async reply(input: BrainInput): Promise<BrainReply> {
    const messages = buildMessages(input, this.options.historyMessages);
    const attempts = this.options.maxRetries + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const text = await this.complete(messages, input.signal);
        return parseAnswer(text, input);
      } catch (error) {
        if (input.signal?.aborted) throw input.signal.reason;
        const retryable = !(error instanceof ModelError) || error.retryable;
        const final = !retryable || attempt === attempts;
        this.options.onFailure?.({ attempt, error: (error as Error).message, final });
        if (final) break;
        const delay = this.options.retryDelayMs?.(attempt) ?? 250 * 2 ** (attempt - 1);
        await abortableSleep(delay, input.signal);
      }
    }
    return { content: apology(input) };
  }

  private async complete(messages: ChatMessage[], outer?: AbortSignal): Promise<string> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
    const apiKey = await this.options.apiKey();
    let response: Response;
    try {
      response = await this.fetch(`${this.options.baseUrl.replace(/\/+$/, '')}/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        },
        body: JSON.stringify({ model: this.options.model, messages, temperature: 0.8 }),
        signal,
      });
    } catch (error) {
      if (timeout.aborted)
        throw new ModelError(`timed out after ${this.options.timeoutMs} ms`, true);
      throw new ModelError(`request failed: ${(error as Error).message}`, true);
    }
    let body: string;
    try {
      body = await response.text();
    } catch {
      throw new ModelError(
        timeout.aborted
          ? `timed out after ${this.options.timeoutMs} ms`
          : 'response body was cut off',
        true,
      );
    }
    if (!response.ok) {
      const retryable = response.status === 429 || response.status >= 500;
      throw new ModelError(`HTTP ${response.status}: ${body.slice(0, 200)}`, retryable);
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new ModelError(`malformed body (not JSON): ${body.slice(0, 120)}`, true);
    }
    const parsed = ChatCompletionSchema.safeParse(json);
    if (!parsed.success) {
      throw new ModelError(
        `malformed body: ${parsed.error.issues[0]?.message ?? 'unexpected shape'}`,
        true,
      );
    }
    return (parsed.data.choices[0]?.message.content ?? '').trim();
  }
}

interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
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
    referral,
    `Other agents in the game:\n${colleagues}`,
    'Stay in character, reply in at most three sentences, never mention being an AI or a language model.',
    'To consult another agent for the player, end your reply with one extra line: "CONSULT <agent-id>: <your question to them>".',
  ].join('\n\n');
}

function buildMessages(input: BrainInput, historyMessages: number): ChatMessage[] {
  const { persona } = input;
  const label = (senderId: string): string =>
    isAgentId(senderId) ? getPersona(senderId).displayName : `Player ${shortPlayer(senderId)}`;
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
        : `You are talking with the player ${shortPlayer(input.playerId)}.`;
  return [{ role: 'system', content: `${systemPrompt(persona)}\n\n${situation}` }, ...turns];
}

function parseAnswer(text: string, input: BrainInput): BrainReply {
  const match = CONSULT_LINE.exec(text);
  const content = text.replace(CONSULT_LINE, '').trim();
  // Only players' requests lead to consultations: agents consulting agents could loop forever.
  if (!match || input.mode !== 'player') return { content: content || text };
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
