// `npm run play -- <agent> "<message>"`: a player in a terminal. Signs in with a wallet kept in
// `.data/wallet.json` (so the same player comes back), opens a thread with the agent (or reuses
// the last one), sends the message and prints the agent's reply from the event stream.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { AGENT_IDS, Player, REPO_ROOT, messageSeq } from '@pardon/topology';

const REPLY_TIMEOUT_MS = 60_000;

interface Saved {
  secretKey: string;
  threads: Record<string, string>;
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('npm run play --')
    .description('Chat with one agent of a running game (npm start)')
    .argument('<agent>', `one of ${AGENT_IDS.join(', ')}`)
    .argument('<message...>', 'what you say')
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

  const stream = player.follow(threadId);
  try {
    const sent = messageSeq(await player.say(threadId, words.join(' ')));
    await stream.until(
      (messages) => messages.some((m) => m.senderId === agent && messageSeq(m.id) > sent),
      REPLY_TIMEOUT_MS,
      `${agent}'s reply`,
    );
    for (const m of stream.messages.filter((m) => messageSeq(m.id) >= sent)) {
      console.log(`${m.senderId === player.wallet ? 'you' : m.senderId}: ${m.content}`);
    }
  } finally {
    await stream.close();
  }
}

main(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
