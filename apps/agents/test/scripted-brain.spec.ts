// Locks in the scripted brain: persona voice, reactions to what the player wrote, determinism,
// no repeated canned line, referral of pardons, and the simulated thinking time.
import type { BrainInput, ThreadEntry } from '../src/lib/brain';
import { classify, echoOf } from '../src/lib/classify';
import { parseLatency } from '../src/lib/latency';
import { getPersona, ROSTER, type LineKind, type Persona } from '../src/lib/personas';
import { ScriptedBrain } from '../src/lib/scripted-brain';
import { containsTemplate } from '../src/lib/template';

const WALLET = '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU';

function input(persona: Persona, content: string, extra: Partial<BrainInput> = {}): BrainInput {
  return {
    persona,
    threadId: 'thread-1',
    mode: 'player',
    message: { senderId: WALLET, content },
    playerId: WALLET,
    history: [],
    turn: 0,
    ...extra,
  };
}

function brain(seed = 'seed-1', sleep?: (ms: number) => Promise<void>) {
  return new ScriptedBrain({ seed, latency: parseLatency('0'), ...(sleep ? { sleep } : {}) });
}

/** Which line kinds of the persona appear in `text`. */
function kindsIn(persona: Persona, text: string): LineKind[] {
  return (Object.keys(persona.lines) as LineKind[]).filter((kind) =>
    persona.lines[kind].some((line) => containsTemplate(text, line)),
  );
}

describe('classify', () => {
  it.each([
    ['Can I get a pardon?', ['pardon', 'question']],
    ['I will pay 100 USDC right now', ['money']],
    ['you are a corrupt clown', ['insult']],
    ['hello there', ['greeting']],
    ['What does Melania think?', ['agents', 'question']],
    ['I sent $50 for clemency, idiot', ['insult', 'pardon', 'money']],
  ])('reads %p as %p', (text, topics) => {
    expect(classify(text, 'trump-donald').topics).toEqual(topics);
  });

  it('names the other agents in order of appearance, never the agent itself', () => {
    expect(classify('Barron told me CZ and Donald agree', 'trump-donald').agents).toEqual([
      'trump-barron',
      'cz',
    ]);
  });

  it('quotes the first sentence, shortened', () => {
    expect(echoOf('Is it for sale? I have cash.')).toBe('Is it for sale?');
    expect(echoOf('x'.repeat(200))).toHaveLength(80);
  });
});

describe('ScriptedBrain', () => {
  it('answers each topic with a line of the persona’s own voice for it', async () => {
    const cases: Array<[string, LineKind]> = [
      ['hello!', 'greeting'],
      ['how much is it, what is the price of a favour', 'money'],
      ['you are a pathetic loser', 'insult'],
      ['what did {other} say about me', 'agents'],
      ['Why is the sky blue?', 'question'],
      ['the weather is nice today', 'fallback'],
    ];
    for (const persona of ROSTER) {
      const other = persona.id === 'cz' ? 'Barron' : 'CZ';
      for (const [text, kind] of cases) {
        const reply = await brain().reply(input(persona, text.replace('{other}', other)));
        expect(kindsIn(persona, reply.content)).toContain(kind);
        expect(reply.content).not.toMatch(/\{\w+\}/);
      }
    }
  });

  it('mentions prices of the persona’s own favours when money comes up', async () => {
    const persona = getPersona('trump-eric');
    const reply = await brain().reply(input(persona, 'I can pay, what does it cost?'));
    expect(persona.favours.some((f) => reply.content.includes(`${f.priceUsdc} USDC`))).toBe(true);
  });

  it('names the other agent the player talked about', async () => {
    const reply = await brain().reply(input(getPersona('cz'), 'Barron sent me here'));
    expect(reply.content).toContain('Barron Trump');
  });

  it('lets the president answer pardons himself, without consulting anyone', async () => {
    const reply = await brain().reply(input(getPersona('trump-donald'), 'Please pardon me'));
    expect(kindsIn(getPersona('trump-donald'), reply.content)).toContain('pardon');
    expect(reply.consult).toBeUndefined();
  });

  it('has family members and CZ refer pardon requests to trump-donald with a consultation', async () => {
    for (const persona of ROSTER.filter((p) => p.id !== 'trump-donald')) {
      const reply = await brain().reply(input(persona, 'I need a pardon, badly'));
      expect(reply.content).toContain('Donald Trump');
      expect(reply.consult?.agentId).toBe('trump-donald');
      expect(kindsIn(persona, reply.consult?.content ?? '')).toEqual(['consult']);
    }
  });

  it('answers a consulting agent and relays an answer with the dedicated lines', async () => {
    const donald = getPersona('trump-donald');
    const consulted = await brain().reply(
      input(donald, 'is this person ok?', {
        mode: 'consulted',
        message: { senderId: 'trump-melania', content: 'Donald, a pardon?' },
      }),
    );
    expect(kindsIn(donald, consulted.content)).toEqual(['consulted']);
    expect(consulted.content).toContain('Melania Trump');
    const melania = getPersona('trump-melania');
    const relay = await brain().reply(
      input(melania, 'pardons are my call', {
        mode: 'relay',
        message: { senderId: 'trump-donald', content: 'pardons are my call' },
      }),
    );
    expect(kindsIn(melania, relay.content)).toEqual(['relay']);
    expect(relay.consult).toBeUndefined();
  });

  it('gives the same replies for the same seed and conversation, different ones for another seed', async () => {
    const persona = getPersona('trump-donjr');
    const run = async (seed: string) => {
      const out: string[] = [];
      for (let turn = 0; turn < 8; turn++) {
        out.push((await brain(seed).reply(input(persona, `message ${turn}?`, { turn }))).content);
      }
      return out;
    };
    expect(await run('a')).toEqual(await run('a'));
    expect(await run('a')).not.toEqual(await run('b'));
  });

  it('never uses the same canned line twice in a row in a thread', async () => {
    for (const persona of ROSTER) {
      const history: ThreadEntry[] = [];
      let previousLines: string[] = [];
      for (let turn = 0; turn < 30; turn++) {
        const text = ['hi', 'pardon me', 'how much?', 'you idiot', 'ok'][turn % 5] as string;
        const reply = await brain('repeat').reply(
          input(persona, text, { history: [...history], turn }),
        );
        const lines = Object.values(persona.lines)
          .flat()
          .filter((line) => containsTemplate(reply.content, line));
        for (const line of lines) expect(previousLines).not.toContain(line);
        previousLines = lines;
        history.push(
          { senderId: WALLET, content: text },
          { senderId: persona.id, content: reply.content },
        );
      }
    }
  });

  it('even for the same message sent again and again', async () => {
    const persona = getPersona('trump-barron');
    const history: ThreadEntry[] = [];
    let previous = '';
    for (let turn = 0; turn < 10; turn++) {
      const reply = await brain().reply(input(persona, 'ok', { history: [...history], turn }));
      expect(reply.content).not.toBe(previous);
      previous = reply.content;
      history.push(
        { senderId: WALLET, content: 'ok' },
        { senderId: persona.id, content: reply.content },
      );
    }
  });

  it('thinks for the sampled latency before answering', async () => {
    const sleeps: number[] = [];
    const b = new ScriptedBrain({
      seed: 's',
      latency: parseLatency('uniform:100:200'),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    await b.reply(input(getPersona('cz'), 'hi'));
    await b.reply(input(getPersona('cz'), 'hi again', { turn: 1 }));
    expect(sleeps).toHaveLength(2);
    for (const ms of sleeps) {
      expect(ms).toBeGreaterThanOrEqual(100);
      expect(ms).toBeLessThanOrEqual(200);
    }
  });

  it('really waits with a fixed latency, and stops waiting when aborted', async () => {
    const b = new ScriptedBrain({ seed: 's', latency: parseLatency('60') });
    const started = Date.now();
    await b.reply(input(getPersona('cz'), 'hi'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    const slow = new ScriptedBrain({ seed: 's', latency: parseLatency('60000') });
    const controller = new AbortController();
    const pending = slow.reply(input(getPersona('cz'), 'hi', { signal: controller.signal }));
    controller.abort(new Error('shutdown'));
    await expect(pending).rejects.toThrow('shutdown');
  });
});
