// Locks in the openai brain against a real local OpenAI-compatible HTTP server: the request it
// sends (persona as system prompt, history as context, bearer key), and what it does on success,
// timeout, HTTP 500 and a malformed body (bounded retries, then an in-character apology).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrainInput } from '../src/lib/brain';
import { OpenAiBrain, type OpenAiBrainOptions } from '../src/lib/openai-brain';
import { getPersona } from '../src/lib/personas';
import { containsTemplate } from '../src/lib/template';

type Handler = (body: ChatRequest, req: IncomingMessage, res: ServerResponse) => void;
interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
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
});
