// `npm run play -- <agent> ["<message>"]`: a player in a terminal. Signs in with a wallet kept in
// `.data/wallet.json` (so the same player comes back) and opens a thread with the agent (or
// continues the last one). With a message it sends it, prints the agent's reply and exits; without
// one it is a conversation: the thread so far, then each line you type is sent and replies are
// printed as they arrive, until Ctrl-D. After each reply it shows the agent's name and the player's
// score for the week (the thread's `score` events, or /api/me) and announces a pardon. An agent's
// offer of a premium service is printed, and `/pay` pays it with the wallet (the local chain).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import {
  AGENT_IDS,
  Player,
  REPO_ROOT,
  messageSeq,
  type ApiMessage,
  type EventStream,
} from '@pardon/topology';
import {
  eventLine,
  fetchMe,
  followGame,
  standingLine,
  waitFor,
  type GameEvent,
} from './play-score';
import { followPayments, PAY_COMMAND, payResultLine } from './play-payments';

const REPLY_TIMEOUT_MS = 60_000;
const IDLE_WAIT_MS = 3_600_000;
const PROBE_TIMEOUT_MS = 5_000;
/** How long a reply waits for the game's evaluation of the message it answers. */
const SCORE_WAIT_MS = 3_000;
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ECONNRESET',
  'EAI_AGAIN',
]);

interface Saved {
  secretKey: string;
  threads: Record<string, string>;
}

/** True when `error` means nothing listens at the URL (fetch wraps the socket error). */
function isUnreachable(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' && UNREACHABLE.has(cause.code);
}

function line(m: ApiMessage, wallet: string): string {
  // The server's notices (a verified payment) carry JSON for the agent after their first line.
  if (m.senderId === 'system') return `system: ${m.content.split('\n')[0] ?? ''}`;
  return `${m.senderId === wallet ? 'you' : m.senderId}: ${m.content}`;
}

/** Sends one message and prints it with the agent's reply. */
async function sayOnce(player: Player, threadId: string, agent: string, text: string) {
  const before = await fetchMe(player);
  const events: GameEvent[] = [];
  // Only a gateway with the game (one answering /api/me) sends score events worth waiting for.
  const stream = player.follow(threadId);
  const unfollow = before ? followGame(stream, (e) => events.push(e)) : undefined;
  try {
    const sentId = await player.say(threadId, text);
    const sent = messageSeq(sentId);
    await stream.until(
      (messages) => messages.some((m) => m.senderId === agent && messageSeq(m.id) > sent),
      REPLY_TIMEOUT_MS,
      `${agent}'s reply`,
    );
    for (const m of stream.messages.filter((m) => messageSeq(m.id) >= sent)) {
      console.log(line(m, player.wallet));
    }
    if (!before) return;
    const scored = (e: GameEvent) => e.kind === 'score' && e.data.messageId === sentId;
    await waitFor(() => events.some(scored), SCORE_WAIT_MS);
    const mine = events.filter(
      (e) => scored(e) || (e.kind === 'pardon' && !before.pardonGrantedAt),
    );
    if (mine.some(scored)) for (const e of mine) console.log(eventLine(e, before.pardonThreshold));
    else console.log(standingLine(agent, (await fetchMe(player)) ?? before));
  } finally {
    unfollow?.();
    await stream.close();
  }
}

/**
 * Prints what the stream receives: the thread so far as it is replayed (the first `history`
 * messages, the player's own included), then every new message but the player's own lines,
 * which the terminal already shows.
 */
async function printArrivals(
  stream: EventStream,
  wallet: string,
  history: number,
  show: (text: string) => void,
  stopped: () => boolean,
): Promise<void> {
  let printed = 0;
  for (;;) {
    try {
      await stream.until((messages) => messages.length > printed || stopped(), IDLE_WAIT_MS);
    } catch {
      continue; // an hour without a message: keep waiting
    }
    stream.messages.slice(printed).forEach((m, i) => {
      if (printed + i < history || m.senderId !== wallet) show(line(m, wallet));
    });
    printed = stream.messages.length;
    if (stopped()) return;
  }
}

/** A call that never got an answer, as the gateway's error shape. */
const failed = (error: unknown) => ({
  status: 0,
  headers: new Headers(),
  json: { error: 'unreachable', message: error instanceof Error ? error.message : String(error) },
});

/** The conversation: history, then typed lines out and replies in until end of input. */
async function converse(player: Player, threadId: string, agent: string): Promise<void> {
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  console.log(
    `Talking to ${agent}. Type a message and press Enter; ${PAY_COMMAND} pays the latest offer; Ctrl-D leaves.`,
  );
  const past = await player.messages(threadId);
  const history = past.length;
  const me = await fetchMe(player);
  console.log(standingLine(agent, me));
  const stream = player.follow(threadId);
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: 'you> ',
    terminal: tty,
  });
  const prompt = () => {
    if (tty) rl.prompt(true);
  };
  let left = false;
  const show = (text: string) => {
    // Over the half-typed prompt line in a terminal; plain lines in a pipe or a log.
    process.stdout.write(tty ? `\r\x1b[K${text}\n` : `${text}\n`);
    prompt();
  };
  // The game's events wait for the reply to the message they judge (or a few seconds), so the
  // score shows after the reply. A pardon already won this week was said above.
  const queued: Array<{ event: GameEvent; at: number }> = [];
  let scoredSeq = 0;
  let pardoned = me?.pardonGrantedAt != null;
  const replied = (messageId: string) =>
    stream.messages.some((m) => m.senderId === agent && messageSeq(m.id) > messageSeq(messageId));
  const flush = (force: boolean) => {
    while (queued.length > 0) {
      const [{ event, at }] = queued as [{ event: GameEvent; at: number }];
      const waiting =
        event.kind === 'score' && !replied(event.data.messageId) && Date.now() - at < SCORE_WAIT_MS;
      if (waiting && !force) return;
      queued.shift();
      if (event.kind === 'pardon') {
        if (pardoned) continue;
        pardoned = true;
      }
      show(eventLine(event, me?.pardonThreshold));
    }
  };
  const unfollow = me
    ? followGame(stream, (event) => {
        if (event.kind === 'score')
          scoredSeq = Math.max(scoredSeq, messageSeq(event.data.messageId));
        queued.push({ event, at: Date.now() });
        flush(false);
      })
    : undefined;
  const ticker = me ? setInterval(() => flush(false), 250) : undefined;
  const payments = followPayments(stream, show);
  const arrivals = printArrivals(
    stream,
    player.wallet,
    history,
    (text) => {
      show(text);
      flush(false);
    },
    () => left,
  );
  prompt();
  let sending = Promise.resolve();
  let lastSent = 0;
  let deliveryOwed = false;
  rl.on('line', (text) => {
    const content = text.trim();
    if (content === '') {
      prompt();
      return;
    }
    sending = sending.then(async () => {
      if (content === PAY_COMMAND) {
        const offer = await payments.open(lastSent > 0 ? REPLY_TIMEOUT_MS : 0);
        if (!offer) show('no open offer to pay: ask an agent for a premium service first');
        else {
          const paid = await player.payWithLocalWallet(offer.intentId).catch(failed);
          show(payResultLine(paid));
          if (paid.status === 200) deliveryOwed = true;
        }
        prompt();
        return;
      }
      try {
        lastSent = messageSeq(await player.say(threadId, content));
      } catch (error) {
        console.error(`not sent: ${error instanceof Error ? error.message : String(error)}`);
      }
      prompt();
    });
  });
  await new Promise<void>((resolve) => rl.once('close', resolve));
  await sending;
  // Input ended (Ctrl-D, or the end of a piped script): the reply still owed is printed first.
  if (lastSent > 0) {
    await stream
      .until(
        (messages) => messages.some((m) => m.senderId === agent && messageSeq(m.id) > lastSent),
        REPLY_TIMEOUT_MS,
        `${agent}'s reply`,
      )
      .catch(() => undefined);
    if (unfollow) await waitFor(() => scoredSeq >= lastSent, SCORE_WAIT_MS);
  }
  // A service paid for is delivered after the server's notice: that reply is printed too.
  if (deliveryOwed) {
    await stream
      .until(
        (messages) => {
          const notice = messages.findLastIndex((m) => m.senderId === 'system');
          return notice >= 0 && messages.slice(notice + 1).some((m) => m.senderId === agent);
        },
        REPLY_TIMEOUT_MS,
        `${agent}'s delivery`,
      )
      .catch(() => undefined);
  }
  left = true;
  await stream.close();
  await arrivals;
  if (ticker) clearInterval(ticker);
  flush(true);
  unfollow?.();
  payments.unfollow();
  if (tty) console.log('');
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('npm run play --')
    .description('Chat with one agent of a running game (npm start)')
    .argument('<agent>', `one of ${AGENT_IDS.join(', ')}`)
    .argument('[message...]', 'what you say; without it, a conversation until Ctrl-D')
    .option('--url <url>', 'the game', 'http://127.0.0.1:5555')
    .option('--data-dir <dir>', 'where the wallet is kept', '.data')
    .option('--new-thread', 'start a new thread instead of continuing the last one', false)
    .parse(argv);
  const [agent, words] = program.processedArgs as [string, string[]];
  const options = program.opts<{ url: string; dataDir: string; newThread: boolean }>();
  if (!(AGENT_IDS as readonly string[]).includes(agent)) {
    program.error(`unknown agent "${agent}": one of ${AGENT_IDS.join(', ')}`);
  }
  const file = path.join(path.resolve(REPO_ROOT, options.dataDir), 'wallet.json');
  const saved: Saved | undefined = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Saved)
    : undefined;

  const player = new Player(options.url, {
    ...(saved ? { secretKey: Buffer.from(saved.secretKey, 'hex') } : {}),
  });
  // One plain probe first: the player's own calls retry for half a minute through a task dying.
  const reachable = await fetch(new URL('/health', options.url), {
    signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
  }).then(
    () => true,
    (error: unknown) => !isUnreachable(error),
  );
  if (!reachable) {
    console.error(
      `Nothing answers at ${options.url}. Start the game first with \`npm start\` in another terminal, or pass --url <the game's address>.`,
    );
    process.exit(1);
  }
  await player.signIn();
  let threadId = options.newThread ? undefined : saved?.threads[agent];
  if (threadId) {
    const open = (await player.threads()).find((t) => t.threadId === threadId && !t.closedAt);
    if (!open) threadId = undefined;
  }
  threadId ??= await player.openThread(agent);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ secretKey: Buffer.from(player.secretKeyBytes).toString('hex'), threads: { ...saved?.threads, [agent]: threadId } }, null, 2)}\n`,
    { mode: 0o600 },
  );
  console.log(`wallet ${player.wallet}, ${player.pool}, thread ${threadId}`);
  if (words.length === 0) await converse(player, threadId, agent);
  else await sayOnce(player, threadId, agent, words.join(' '));
}

main(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
