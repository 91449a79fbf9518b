import {
  shortPlayer,
  type Brain,
  type BrainInput,
  type BrainReply,
  type EvaluationResult,
} from './brain';
import { classify, echoOf, type Topic } from './classify';
import { sampleLatency, type LatencySpec } from './latency';
import { getPersona, type LineKind, type Persona } from './personas';
import { pickIndex, seededRandom, type Random } from './rng';
import { rubricEvaluation } from './rubric';
import { containsTemplate, render, type TemplateVars } from './template';
import { abortableSleep } from './sleep';

export interface ScriptedBrainOptions {
  /** `AGENT_SEED`: same seed and same conversation → same replies. */
  seed: string;
  /** `AGENT_LATENCY_MS`: simulated thinking time before each reply. */
  latency: LatencySpec;
  /** Injected for tests; defaults to an abortable timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Topic → persona line kind; the order is the priority of what the agent reacts to first. */
const TOPIC_LINES: Array<[Topic, LineKind]> = [
  ['insult', 'insult'],
  ['pardon', 'pardon'],
  ['money', 'money'],
  ['agents', 'agents'],
  ['question', 'question'],
  ['greeting', 'greeting'],
];

/** At most this many lines per reply: one reaction plus one follow-up reads naturally. */
const MAX_LINES = 2;

/**
 * The default, offline brain: answers in the persona's voice from its lines, reacting to what the
 * player wrote (pardon, money, other agents, insults, questions, greetings). Deterministic: every
 * choice draws from a generator seeded by (seed, agent, thread, turn, message), so concurrent
 * threads do not disturb each other's sequence. It never repeats the canned line it used in its
 * previous reply in the same thread.
 */
export class ScriptedBrain implements Brain {
  readonly name = 'scripted';
  private readonly sleep: NonNullable<ScriptedBrainOptions['sleep']>;

  constructor(private readonly options: ScriptedBrainOptions) {
    this.sleep = options.sleep ?? abortableSleep;
  }

  async reply(input: BrainInput): Promise<BrainReply> {
    const random = seededRandom(
      this.options.seed,
      input.persona.id,
      input.threadId,
      input.turn,
      input.message.content,
    );
    // Evaluation first (the rubric), so that the reply can announce a pardon it granted.
    const evaluated =
      input.mode === 'player' && input.evaluate
        ? await input.evaluate(rubricFor(input))
        : undefined;
    const reply = compose(input, random, evaluated);
    await this.sleep(sampleLatency(this.options.latency, random), input.signal);
    return reply;
  }
}

/** The rubric's evaluation of the message being answered (see rubric.ts). */
export function rubricFor(input: BrainInput) {
  const player = input.message.senderId;
  const earlier = input.history.filter((m) => m.senderId === player).map((m) => m.content);
  return rubricEvaluation(input.persona, input.message.content, earlier);
}

/** The reply without the thinking time; exported for tests. */
export function compose(
  input: BrainInput,
  random: Random,
  evaluated?: EvaluationResult,
): BrainReply {
  const { persona, message } = input;
  const previous = lastReplyOf(persona.id, input.history);
  const favour = persona.favours[pickIndex(random, persona.favours.length)] ?? persona.favours[0];
  const vars: TemplateVars = {
    player: shortPlayer(input.playerId),
    echo: echoOf(message.content),
    favour: favour?.favour,
    price: favour ? String(favour.priceUsdc) : undefined,
    boss: persona.refersPardonTo ? getPersona(persona.refersPardonTo).displayName : undefined,
  };
  const line = (kind: LineKind, extra: TemplateVars = {}): string =>
    render(pickLine(persona, kind, previous, random), { ...vars, ...extra });

  if (input.mode === 'consulted' || input.mode === 'relay') {
    return { content: line(input.mode, { agent: displayNameOf(message.senderId) }) };
  }

  const { topics, agents } = classify(message.content, persona.id);
  const kinds = TOPIC_LINES.filter(([topic]) => topics.includes(topic)).map(([, kind]) => kind);
  // A greeting alone is answered as a greeting; with anything else it is not worth a line.
  const chosen = (kinds.length > 1 ? kinds.filter((k) => k !== 'greeting') : kinds).slice(
    0,
    MAX_LINES,
  );
  if (chosen.length === 0) chosen.push('fallback');
  const agentName = agents[0] ? getPersona(agents[0]).displayName : undefined;
  const content = chosen.map((kind) => line(kind, { agent: agentName })).join(' ');

  // This message's evaluation granted the pardon: say so first; no need to ask anyone now.
  if (evaluated?.pardonGranted) {
    const first = chosen[0] ?? 'fallback';
    return { content: `${line('pardoned')} ${line(first, { agent: agentName })}` };
  }

  if (chosen.includes('pardon') && persona.refersPardonTo) {
    return {
      content,
      consult: { agentId: persona.refersPardonTo, content: line('consult', { agent: vars.boss }) },
    };
  }
  return { content };
}

function pickLine(persona: Persona, kind: LineKind, previous: string | undefined, random: Random) {
  const lines = persona.lines[kind];
  const start = pickIndex(random, lines.length);
  for (let i = 0; i < lines.length; i++) {
    const candidate = lines[(start + i) % lines.length] as string;
    if (previous === undefined || !containsTemplate(previous, candidate)) return candidate;
  }
  return lines[start] as string;
}

function lastReplyOf(agentId: string, history: BrainInput['history']): string | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    if (history[i]?.senderId === agentId) return history[i]?.content;
  }
  return undefined;
}

function displayNameOf(id: string): string {
  try {
    return getPersona(id).displayName;
  } catch {
    return shortPlayer(id);
  }
}
