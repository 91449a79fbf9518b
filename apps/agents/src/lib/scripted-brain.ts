import {
  shortPlayer,
  type Brain,
  type BrainInput,
  type BrainReply,
  type EvaluationResult,
} from './brain';
import { classify, echoOf, type Topic } from './classify';
import type { PaymentOffer } from './coral';
import { sampleLatency, type LatencySpec } from './latency';
import { getPersona, isAgentId, type AgentId, type LineKind, type Persona } from './personas';
import { chooseService, SYSTEM_SENDER, type PaymentVerified } from './premium';
import { formatBaseUnits, isVariableService } from './services';
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
    if (input.mode === 'deliver') {
      const reply = composeDelivery(input, random);
      await this.sleep(sampleLatency(this.options.latency, random), input.signal);
      return reply;
    }
    // Evaluation first (the rubric), so that the reply can announce a pardon it granted.
    const evaluated =
      input.mode === 'player' && input.evaluate
        ? await input.evaluate(rubricFor(input))
        : undefined;
    const offer = evaluated?.pardonGranted ? undefined : await sell(input);
    const reply = compose(input, random, evaluated, offer);
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

/**
 * Offers the premium service the player's message asks for, when the persona sells it (see
 * `chooseService`): the offer the gateway made, or undefined (nothing asked for, refused, or
 * the gateway unreachable: the reply then goes out without an offer).
 */
async function sell(input: BrainInput): Promise<PaymentOffer | undefined> {
  if (input.mode !== 'player' || !input.requestPayment) return undefined;
  const choice = chooseService(input.persona, input.message.content);
  if (!choice) return undefined;
  const result = await input.requestPayment({
    service: choice.service,
    ...(choice.amount !== undefined ? { amount: choice.amount } : {}),
  });
  return result.kind === 'offered' ? result.offer : undefined;
}

/** The reply without the thinking time; exported for tests. */
export function compose(
  input: BrainInput,
  random: Random,
  evaluated?: EvaluationResult,
  offer?: PaymentOffer,
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

  if (offer) {
    // The offer replaces the favour prices of the money lines, and a paid recommendation the
    // free referral: one reaction, then the offer.
    const paidReferral = offer.service === 'pardon_recommendation';
    const reaction = chosen.find(
      (kind) => kind !== 'money' && kind !== 'fallback' && !(kind === 'pardon' && paidReferral),
    );
    const offerLine = line('offer', { label: offer.label, amount: offer.amountDisplay });
    const text = reaction ? `${line(reaction, { agent: agentName })} ${offerLine}` : offerLine;
    if (reaction === 'pardon' && persona.refersPardonTo) {
      return {
        content: text,
        consult: {
          agentId: persona.refersPardonTo,
          content: line('consult', { agent: vars.boss }),
        },
      };
    }
    return { content: text };
  }
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

/**
 * Delivers a paid service (`deliver` mode): the persona's line for it, naming what was paid; a
 * paid introduction also consults the agent the player asked to meet (named in the thread, else
 * the persona's `introducesTo`), and a paid pardon recommendation consults the one who decides.
 */
export function composeDelivery(input: BrainInput, random: Random): BrainReply {
  const { persona, payment } = input;
  const player = shortPlayer(payment?.wallet ?? input.playerId);
  if (!payment) return { content: render(pick(persona.lines.fallback, random), { player }) };
  const kind = isVariableService(payment.service) ? 'contribution' : payment.service;
  const lines =
    persona.deliveries[kind as keyof Persona['deliveries']] ??
    persona.deliveries.contribution ??
    persona.lines.fallback;
  const target = payment.service === 'connection_intro' ? introTarget(input, payment) : undefined;
  const vars: TemplateVars = {
    player,
    label: serviceLabel(payment.service),
    amount: formatBaseUnits(payment.amount),
    target: target ? getPersona(target).displayName : undefined,
    boss: persona.refersPardonTo ? getPersona(persona.refersPardonTo).displayName : undefined,
  };
  const content = render(pick(lines, random), vars);
  if (target && persona.deliveries.introduce) {
    return {
      content,
      consult: {
        agentId: target,
        content: render(pick(persona.deliveries.introduce, random), vars),
      },
    };
  }
  if (
    payment.service === 'pardon_recommendation' &&
    persona.refersPardonTo &&
    persona.deliveries.recommend
  ) {
    return {
      content,
      consult: {
        agentId: persona.refersPardonTo,
        content: render(pick(persona.deliveries.recommend, random), vars),
      },
    };
  }
  return { content };
}

/** The agent a paid introduction is for: the last one the player asked to meet, else the default. */
function introTarget(input: BrainInput, payment: PaymentVerified): AgentId {
  for (let i = input.history.length - 1; i >= 0; i--) {
    const entry = input.history[i];
    if (!entry || isAgentId(entry.senderId) || entry.senderId === SYSTEM_SENDER) continue;
    if (entry.senderId !== payment.wallet && input.playerId !== entry.senderId) continue;
    const target = chooseService(input.persona, entry.content)?.target;
    if (target) return target;
  }
  return input.persona.introducesTo;
}

/** `campaign_contribution` → `campaign contribution`. */
function serviceLabel(service: string): string {
  return service.replace(/_/g, ' ');
}

function pick(lines: readonly string[], random: Random): string {
  return lines[pickIndex(random, lines.length)] as string;
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
