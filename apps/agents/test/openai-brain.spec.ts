// Locks in the openai brain against a real local OpenAI-compatible HTTP server: the request it
// sends (persona as system prompt, history as context, bearer key), and what it does on success,
// timeout, HTTP 500 and a malformed body (bounded retries, then an in-character apology), and the
// evaluation as the `award_points` function call: offered and asked for on player messages, its
// result sent back as the tool's answer, the reply written by a second request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrainInput, Evaluation, EvaluationResult } from '../src/lib/brain';
import { OpenAiBrain, type OpenAiBrainOptions } from '../src/lib/openai-brain';
import { getPersona } from '../src/lib/personas';
import { containsTemplate } from '../src/lib/template';

type Handler = (body: ChatRequest, req: IncomingMessage, res: ServerResponse) => void;
interface ChatRequest {
  model: string;
  messages: Array<{
    role: string;
    content: string | null;
    tool_call_id?: string;
    tool_calls?: unknown[];
  }>;
  tools?: Array<{ type: string; function: { name: string; parameters: unknown } }>;
  tool_choice?: unknown;
}

let server: Server;
let baseUrl: string;
let handler: Handler;
let requests: Array<{ body: ChatRequest; authorization: string | undefined; path: string }>;
const open = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as ChatRequest;
      requests.push({ body, authorization: req.headers.authorization, path: req.url ?? '' });
      open.add(res);
      res.on('close', () => open.delete(res));
      handler(body, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests = [];
});

afterEach(() => {
  for (const res of open) res.destroy();
});

const completion = (content: string) =>
  JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  });

const ok =
  (content: string): Handler =>
  (_body, _req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(completion(content));
  };

function brain(overrides: Partial<OpenAiBrainOptions> = {}) {
  const failures: Array<{ attempt: number; error: string; final: boolean }> = [];
  const b = new OpenAiBrain({
    baseUrl,
    model: 'test-model',
    apiKey: async () => 'sk-test',
    timeoutMs: 2_000,
    maxRetries: 2,
    historyMessages: 4,
    retryDelayMs: () => 10,
    onFailure: (f) => failures.push(f),
    ...overrides,
  });
  return { brain: b, failures };
}

const WALLET = '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU';
function input(agentId: string, content: string, extra: Partial<BrainInput> = {}): BrainInput {
  return {
    persona: getPersona(agentId),
    threadId: 't1',
    mode: 'player',
    message: { senderId: WALLET, content },
    playerId: WALLET,
    history: [],
    turn: 0,
    ...extra,
  };
}

function isApology(agentId: string, content: string): boolean {
  return getPersona(agentId).lines.apology.some((line) => containsTemplate(content, line));
}

describe('OpenAiBrain', () => {
  it('sends the persona as system prompt and recent history as context, and returns the answer', async () => {
    handler = ok('Tremendous question. The answer is yes.');
    const history = Array.from({ length: 10 }, (_, i) => ({
      senderId: i % 2 === 0 ? WALLET : 'trump-donald',
      content: `turn ${i}`,
    }));
    const { brain: b, failures } = brain();
    const reply = await b.reply(input('trump-donald', 'Will you pardon me?', { history }));
    expect(reply).toEqual({ content: 'Tremendous question. The answer is yes.' });
    expect(failures).toEqual([]);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.authorization).toBe('Bearer sk-test');
    expect(request?.body.model).toBe('test-model');
    const [system, ...turns] = request?.body.messages ?? [];
    expect(system?.role).toBe('system');
    expect(system?.content).toContain('Donald Trump');
    expect(system?.content).toContain(getPersona('trump-donald').voice);
    expect(system?.content).toContain('500 USDC');
    // The last 4 history messages plus the new one, alternating user/assistant.
    expect(turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(turns[0]?.content).toContain('turn 6');
    expect(turns[4]?.content).toContain('Will you pardon me?');
  });

  it('turns a CONSULT line into a consultation of another agent', async () => {
    handler = ok('I will ask my husband.\nCONSULT trump-donald: Should we pardon this player?');
    const reply = await brain().brain.reply(input('trump-melania', 'pardon please'));
    expect(reply).toEqual({
      content: 'I will ask my husband.',
      consult: { agentId: 'trump-donald', content: 'Should we pardon this player?' },
    });
  });

  it('ignores a CONSULT line when answering another agent, so agents cannot loop', async () => {
    handler = ok('Ask CZ.\nCONSULT cz: thoughts?');
    const reply = await brain().brain.reply(
      input('trump-donald', 'a pardon?', {
        mode: 'consulted',
        message: { senderId: 'trump-melania', content: 'a pardon?' },
      }),
    );
    expect(reply).toEqual({ content: 'Ask CZ.' });
  });

  it('sends no Authorization header when no key is configured', async () => {
    handler = ok('hi');
    await brain({ apiKey: async () => undefined }).brain.reply(input('cz', 'hi'));
    expect(requests[0]?.authorization).toBeUndefined();
  });

  it('retries after a timeout and apologises in character when every attempt times out', async () => {
    handler = () => undefined; // never answers
    const { brain: b, failures } = brain({ timeoutMs: 150, maxRetries: 1 });
    const started = Date.now();
    const reply = await b.reply(input('trump-eric', 'hello?'));
    expect(isApology('trump-eric', reply.content)).toBe(true);
    expect(requests).toHaveLength(2);
    expect(failures.map((f) => [f.attempt, f.final])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(failures[0]?.error).toMatch(/timed out after 150 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('retries an HTTP 500 a bounded number of times, then apologises', async () => {
    handler = (_b, _r, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"overloaded"}}');
    };
    const { brain: b, failures } = brain({ maxRetries: 2 });
    const reply = await b.reply(input('trump-barron', 'gm'));
    expect(isApology('trump-barron', reply.content)).toBe(true);
    expect(requests).toHaveLength(3);
    expect(failures.at(-1)).toMatchObject({ attempt: 3, final: true });
    expect(failures[0]?.error).toMatch(/HTTP 500/);
  });

  it('recovers when a retry succeeds after a 500', async () => {
    let calls = 0;
    handler = (body, req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(503);
        res.end('busy');
      } else ok('Funds are SAFU.')(body, req, res);
    };
    const reply = await brain().brain.reply(input('cz', 'is my money safe?'));
    expect(reply.content).toBe('Funds are SAFU.');
    expect(requests).toHaveLength(2);
  });

  it('does not retry a 4xx other than 429', async () => {
    handler = (_b, _r, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"bad key"}}');
    };
    const { brain: b, failures } = brain();
    const reply = await b.reply(input('trump-donjr', 'yo'));
    expect(isApology('trump-donjr', reply.content)).toBe(true);
    expect(requests).toHaveLength(1);
    expect(failures).toEqual([expect.objectContaining({ attempt: 1, final: true })]);
  });

  it.each([
    ['not JSON', 'this is not json'],
    ['JSON without choices', '{"id":"x","object":"chat.completion"}'],
    ['an empty answer', completion('')],
  ])('treats %s as a failure and apologises', async (_name, body) => {
    handler = (_b, _r, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    };
    const { brain: b, failures } = brain({ maxRetries: 1 });
    const reply = await b.reply(input('trump-melania', 'hello'));
    expect(isApology('trump-melania', reply.content)).toBe(true);
    expect(requests).toHaveLength(2);
    expect(failures[0]?.error).toMatch(/malformed body/);
  });

  describe('the award_points function (evaluation of a player message)', () => {
    const toolCall = (args: string, name = 'award_points') =>
      JSON.stringify({
        choices: [
          {
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'call_1', type: 'function', function: { name, arguments: args } }],
            },
            finish_reason: 'tool_calls',
          },
        ],
      });

    /** First request: the function call; every later one: `after(body)` as the text answer. */
    const callThenAnswer =
      (args: string, after: (body: ChatRequest) => string, name?: string): Handler =>
      (body, _req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const answered = body.messages.some((m) => m.role === 'tool');
        res.end(answered ? completion(after(body)) : toolCall(args, name));
      };

    function evaluator(result: Partial<EvaluationResult> = {}) {
      const calls: Evaluation[] = [];
      const evaluate = async (evaluation: Evaluation): Promise<EvaluationResult> => {
        calls.push(evaluation);
        return {
          stored: true,
          evaluation,
          pardonGranted: false,
          pointsAwarded: 2,
          newScore: 12,
          ...result,
        };
      };
      return { evaluate, calls };
    }

    it('offers award_points, asks for it, evaluates with it, and writes the reply after the result', async () => {
      handler = callThenAnswer(
        '{"score":3,"reason":"Loyal and a great deal."}',
        () => 'Tremendous!',
      );
      const { evaluate, calls } = evaluator();
      const reply = await brain().brain.reply(
        input('trump-donald', 'I am loyal, let us make a deal.', { evaluate }),
      );
      expect(reply).toEqual({ content: 'Tremendous!' });
      expect(calls).toEqual([{ score: 3, reason: 'Loyal and a great deal.' }]);
      expect(requests).toHaveLength(2);
      const [first, second] = requests.map((r) => r.body);
      expect(first?.tools?.map((t) => t.function.name)).toEqual(['award_points']);
      expect(first?.tool_choice).toEqual({ type: 'function', function: { name: 'award_points' } });
      expect(first?.messages[0]?.content).toContain('award_points');
      expect(second?.tool_choice).toBe('none');
      const tail = second?.messages.slice(-2) ?? [];
      expect(tail[0]).toMatchObject({ role: 'assistant', tool_calls: [expect.anything()] });
      expect(tail[1]).toMatchObject({ role: 'tool', tool_call_id: 'call_1' });
      expect(JSON.parse(tail[1]?.content ?? '{}')).toEqual({
        stored: true,
        score: 3,
        pointsAwarded: 2,
        playerScore: 12,
        pardonGranted: false,
      });
    });

    it('tells the model when its evaluation granted the pardon', async () => {
      handler = callThenAnswer('{"score":3,"reason":"Winner."}', (body) => {
        const tool = body.messages.find((m) => m.role === 'tool');
        return JSON.parse(tool?.content ?? '{}').pardonGranted ? 'You are pardoned!' : 'no';
      });
      const { evaluate } = evaluator({ pardonGranted: true, newScore: 91.2 });
      const reply = await brain().brain.reply(input('trump-donald', 'CZ says hi', { evaluate }));
      expect(reply.content).toBe('You are pardoned!');
    });

    it('does not offer the function when not evaluating (another agent consulting)', async () => {
      handler = ok('Sure.');
      const { evaluate, calls } = evaluator();
      await brain().brain.reply(
        input('trump-donald', 'a pardon?', {
          mode: 'consulted',
          message: { senderId: 'trump-melania', content: 'a pardon?' },
          evaluate,
        }),
      );
      expect(requests[0]?.body.tools).toBeUndefined();
      expect(calls).toEqual([]);
    });

    it('takes a text answer without the call as the reply (the agent falls back to the rubric)', async () => {
      handler = ok('Just words.');
      const { evaluate, calls } = evaluator();
      const reply = await brain().brain.reply(input('cz', 'hello', { evaluate }));
      expect(reply.content).toBe('Just words.');
      expect(calls).toEqual([]);
      expect(requests).toHaveLength(1);
    });

    it.each([
      ['arguments that are not JSON', 'score: 3', 'award_points'],
      ['arguments without a score', '{"reason":"x"}', 'award_points'],
      ['another function', '{"score":3,"reason":"x"}', 'grant_pardon'],
    ])('answers %s with an error to the model and does not evaluate', async (_n, args, name) => {
      handler = callThenAnswer(args, () => 'Fine.', name);
      const { evaluate, calls } = evaluator();
      const reply = await brain().brain.reply(input('trump-eric', 'deal?', { evaluate }));
      expect(reply.content).toBe('Fine.');
      expect(calls).toEqual([]);
      const tool = requests[1]?.body.messages.find((m) => m.role === 'tool');
      expect(JSON.parse(tool?.content ?? '{}')).toHaveProperty('error');
    });

    it('retries a failed reply request without evaluating twice', async () => {
      let answered = 0;
      handler = (body, req, res) => {
        if (body.messages.some((m) => m.role === 'tool') && answered++ === 0) {
          res.writeHead(500);
          res.end('oops');
          return;
        }
        callThenAnswer('{"score":1,"reason":"ok"}', () => 'Done.')(body, req, res);
      };
      const { evaluate, calls } = evaluator();
      const reply = await brain().brain.reply(input('trump-barron', 'gm', { evaluate }));
      expect(reply.content).toBe('Done.');
      expect(calls).toHaveLength(1);
      expect(requests).toHaveLength(3);
    });

    it('apologises when the reply request keeps failing after the evaluation', async () => {
      handler = (body, req, res) => {
        if (body.messages.some((m) => m.role === 'tool')) {
          res.writeHead(503);
          res.end('busy');
          return;
        }
        callThenAnswer('{"score":-2,"reason":"rude"}', () => '')(body, req, res);
      };
      const { evaluate, calls } = evaluator();
      const reply = await brain({ maxRetries: 1 }).brain.reply(
        input('trump-melania', 'you are rude', { evaluate }),
      );
      expect(isApology('trump-melania', reply.content)).toBe(true);
      expect(calls).toEqual([{ score: -2, reason: 'rude' }]);
    });
  });
});
