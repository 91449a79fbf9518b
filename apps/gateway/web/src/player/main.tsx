import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, sleep } from '../shared/api';
import { Countdown } from '../shared/countdown';
import {
  connectInjected,
  hasInjectedWallet,
  localWallet,
  shortAddress,
  type Wallet,
} from '../shared/wallet';
import { Chats, type Chat } from './chats';
import { PaymentCardView } from './payment-card';
import { paymentEventOf, Payments, type PaymentCard } from './payments';
import { PardonBanner, ScoreMeter, WeeklyBoard } from './score';
import { gameEventOf, StandingStore, type Standing } from './standing';

/** The sender of the server's own notices on a thread (a verified payment). */
const SYSTEM_SENDER = 'system';

interface Auth {
  kind: Wallet['kind'];
  address: string;
  token: string;
  expiresAt: string;
}

interface Agent {
  id: string;
  description: string;
  connected: boolean;
}

const AUTH_KEY = 'pardon.auth.v1';

/** Shown until the pool reports the agents' own descriptions (and if it cannot). */
const ROSTER: Record<string, { name: string; description: string }> = {
  'trump-donald': { name: 'Donald Trump', description: 'The President. Holds the pardon pen.' },
  'trump-melania': {
    name: 'Melania Trump',
    description: 'The First Lady. Quiet, observant, persuasive.',
  },
  'trump-eric': { name: 'Eric Trump', description: 'Runs the family business; loves a deal.' },
  'trump-donjr': {
    name: 'Donald Trump Jr.',
    description: 'Outspoken eldest son with strong opinions.',
  },
  'trump-barron': {
    name: 'Barron Trump',
    description: 'The youngest; knows more than he lets on.',
  },
  cz: { name: 'CZ', description: 'Crypto founder hoping for a pardon of his own.' },
};

const nameOf = (id: string) => ROSTER[id]?.name ?? id;

function loadAuth(): Auth | undefined {
  try {
    const auth = JSON.parse(localStorage.getItem(AUTH_KEY) ?? 'null') as Auth | null;
    if (auth && Date.parse(auth.expiresAt) > Date.now() + 30_000) return auth;
  } catch {
    // A damaged entry means signing in again.
  }
  return undefined;
}

type Notice = { text: string; until?: number; tone: 'wait' | 'error' } | undefined;

function App() {
  const [auth, setAuth] = useState<Auth | undefined>(loadAuth);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice>(undefined);
  const [pool, setPool] = useState<string | undefined>(undefined);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [chats, setChats] = useState<Chats | undefined>(undefined);
  const [standing, setStanding] = useState<StandingStore | undefined>(undefined);
  const [payments, setPayments] = useState<Payments | undefined>(undefined);
  const authRef = useRef(auth);
  authRef.current = auth;

  const signOut = (why?: string) => {
    localStorage.removeItem(AUTH_KEY);
    setAuth(undefined);
    setPool(undefined);
    setNotice(why ? { text: why, tone: 'error' } : undefined);
  };

  const signIn = async (kind: Wallet['kind']) => {
    setBusy(true);
    setNotice(undefined);
    try {
      const wallet = kind === 'injected' ? await connectInjected() : localWallet();
      const { nonce, message } = await api<{ nonce: string; message: string }>('/api/auth/nonce', {
        body: { wallet: wallet.address },
      });
      const signature = await wallet.sign(message);
      const { token, expiresAt } = await api<{ token: string; expiresAt: string }>(
        '/api/auth/verify',
        { body: { wallet: wallet.address, nonce, signature } },
      );
      const next: Auth = { kind, address: wallet.address, token, expiresAt };
      localStorage.setItem(AUTH_KEY, JSON.stringify(next));
      setAuth(next);
    } catch (err) {
      setNotice({ text: `Sign-in failed: ${(err as Error).message}`, tone: 'error' });
    } finally {
      setBusy(false);
    }
  };

  // Joins a session (a pool with all six agents), waiting out the gateway's friendly refusals.
  const join = async (signal: AbortSignal): Promise<string | undefined> => {
    for (let attempt = 0; !signal.aborted; attempt += 1) {
      const token = authRef.current?.token;
      if (!token) return undefined;
      try {
        const s = await api<{ pool: string; agents: string[] }>('/api/sessions', {
          method: 'POST',
          token,
          signal,
        });
        setNotice(undefined);
        setPool(s.pool);
        return s.pool;
      } catch (err) {
        if (signal.aborted) return undefined;
        if (!(err instanceof ApiError)) throw err;
        if (err.status === 401) {
          signOut('Your sign-in expired; please sign in again.');
          return undefined;
        }
        const waitS = err.retryAfterS ?? Math.min(3 + attempt, 15);
        const until = Date.now() + waitS * 1000;
        const missing = Array.isArray(err.body.missingAgents)
          ? (err.body.missingAgents as string[]).map(nameOf).join(', ')
          : '';
        const text =
          err.code === 'session_not_ready'
            ? `The agents are still taking their seats${missing ? ` (waiting for ${missing})` : ''}. Trying again in`
            : err.code === 'capacity_exhausted'
              ? 'Every table is full right now. We will try to seat you again in'
              : err.status === 429
                ? 'Lots of requests from you — taking a short breather. Trying again in'
                : err.status === 0
                  ? 'The server cannot be reached. Trying again in'
                  : `${err.message} Trying again in`;
        setNotice({ text, until, tone: 'wait' });
        await sleep(waitS * 1000, signal);
      }
    }
    return undefined;
  };

  useEffect(() => {
    if (!auth) return undefined;
    const stop = new AbortController();
    const lost = () => signOut('Your sign-in expired; please sign in again.');
    const game = new StandingStore(() => authRef.current?.token ?? '', lost);
    setStanding(game);
    void game.load();
    const pay = new Payments(
      { address: auth.address, kind: auth.kind },
      {
        token: () => authRef.current?.token ?? '',
        onAuthLost: lost,
        // The settlement's bonus moved the week score: the bar follows /api/me.
        onSettled: () => void game.refreshMe(),
        nameOf,
        lastMessageAt: (agentId) => {
          const last = store.get(agentId).messages.at(-1);
          return last ? Date.parse(last.createdAt) : undefined;
        },
      },
    );
    setPayments(pay);
    void pay.load();
    const store = new Chats(auth.address, {
      token: () => authRef.current?.token ?? '',
      rejoin: async () => {
        await join(stop.signal);
      },
      onAuthLost: lost,
      onNamedEvent: (event) => {
        const known = gameEventOf(event);
        if (known) game.handle(known);
        const payment = paymentEventOf(event);
        if (payment) pay.handle(payment);
      },
      onReconnected: () => void pay.refresh(),
    });
    setChats(store);
    void (async () => {
      const joined = await join(stop.signal);
      if (!joined || stop.signal.aborted) return;
      try {
        const list = await api<{ agents: Agent[] }>(
          `/api/agents?pool=${encodeURIComponent(joined)}`,
          {
            token: auth.token,
            signal: stop.signal,
          },
        );
        setAgents(list.agents);
      } catch {
        setAgents(Object.keys(ROSTER).map((id) => ({ id, description: '', connected: true })));
      }
      try {
        await store.restore();
      } catch (err) {
        if (!stop.signal.aborted)
          setNotice({
            text: `Could not load your chats: ${(err as Error).message}`,
            tone: 'error',
          });
      }
    })();
    return () => {
      stop.abort();
      store.close();
      game.close();
      pay.close();
      setChats(undefined);
      setStanding(undefined);
      setPayments(undefined);
    };
  }, [auth?.token]);

  if (!auth) return <SignIn busy={busy} notice={notice} onSignIn={signIn} />;
  return (
    <Game
      auth={auth}
      pool={pool}
      agents={agents}
      chats={chats}
      standing={standing}
      payments={payments}
      notice={notice}
      onSignOut={() => signOut()}
    />
  );
}

function NoticeBar({ notice }: { notice: Notice }) {
  if (!notice) return null;
  return (
    <div class={`notice ${notice.tone}`} role="status" data-testid="notice">
      {notice.text}
      {notice.until !== undefined && (
        <>
          {' '}
          <Countdown until={notice.until} />
          s…
        </>
      )}
    </div>
  );
}

function SignIn(props: { busy: boolean; notice: Notice; onSignIn: (k: Wallet['kind']) => void }) {
  const injected = hasInjectedWallet();
  return (
    <main class="signin">
      <h1>Pardon Simulator</h1>
      <p class="lede">
        Talk your way into a presidential pardon. Six characters, one pen — sign in with a Solana
        wallet to take a seat.
      </p>
      <NoticeBar notice={props.notice} />
      <div class="actions">
        {injected && (
          <button
            class="primary"
            disabled={props.busy}
            onClick={() => props.onSignIn('injected')}
            data-testid="sign-in-injected"
          >
            Sign in with your wallet
          </button>
        )}
        <button
          class={injected ? 'secondary' : 'primary'}
          disabled={props.busy}
          onClick={() => props.onSignIn('local')}
          data-testid="sign-in-local"
        >
          {injected ? 'Use a local test wallet instead' : 'Sign in with a local test wallet'}
        </button>
      </div>
      {!injected && (
        <p class="fine">
          No Solana wallet was found in this browser. A <strong>local test wallet</strong> is a key
          made and kept in this browser only — fine for playing, never for real funds.
        </p>
      )}
    </main>
  );
}

function useChat(chats: Chats | undefined, agentId: string | undefined): Chat | undefined {
  const [, setVersion] = useState(0);
  useEffect(() => chats?.subscribe(() => setVersion((n) => n + 1)), [chats]);
  return chats && agentId ? chats.get(agentId) : undefined;
}

function useStanding(store: StandingStore | undefined): Standing {
  const [, setVersion] = useState(0);
  useEffect(() => store?.subscribe(() => setVersion((n) => n + 1)), [store]);
  return store?.state ?? { me: undefined, board: undefined, pardon: undefined };
}

function Game(props: {
  auth: Auth;
  pool: string | undefined;
  agents: Agent[];
  chats: Chats | undefined;
  standing: StandingStore | undefined;
  payments: Payments | undefined;
  notice: Notice;
  onSignOut: () => void;
}) {
  const { chats } = props;
  const [selected, setSelected] = useState<string | undefined>(undefined);
  useChat(chats, undefined);
  const standing = useStanding(props.standing);
  const choose = (id: string | undefined) => {
    chats?.select(id);
    setSelected(id);
  };
  return (
    <div class={`game ${selected ? 'chatting' : ''}`}>
      <header class="bar">
        <span class="brand">Pardon Simulator</span>
        <span class="who">
          <span class={`badge ${props.auth.kind}`} data-testid="wallet-kind">
            {props.auth.kind === 'local' ? 'Local test wallet' : 'Wallet'}
          </span>{' '}
          <span title={props.auth.address} data-testid="wallet-address">
            {shortAddress(props.auth.address)}
          </span>
          {props.pool && (
            <span class="pool" title="The table (pool) you are seated at" data-testid="pool">
              {props.pool}
            </span>
          )}
          <button class="link" onClick={props.onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      <NoticeBar notice={props.notice} />
      <PardonBanner standing={standing} />
      <ScoreMeter standing={standing} nameOf={nameOf} />
      <div class="layout">
        <nav class="roster" aria-label="Agents">
          {props.agents.map((a) => {
            const chat = chats?.get(a.id);
            return (
              <button
                key={a.id}
                class={`agent ${selected === a.id ? 'active' : ''}`}
                onClick={() => choose(a.id)}
                data-testid={`agent-${a.id}`}
              >
                <span class="avatar" aria-hidden="true">
                  {nameOf(a.id).slice(0, 1)}
                </span>
                <span class="meta">
                  <span class="name">
                    {nameOf(a.id)}
                    {!a.connected && <span class="away"> · away</span>}
                    {chat && chat.unread > 0 && <span class="unread">{chat.unread}</span>}
                  </span>
                  <span class="desc">{a.description || ROSTER[a.id]?.description || ''}</span>
                </span>
              </button>
            );
          })}
          {props.agents.length === 0 && !props.notice && <p class="fine">Finding you a table…</p>}
          <WeeklyBoard standing={standing} wallet={props.auth.address} />
        </nav>
        {selected && chats ? (
          <ChatPane
            chats={chats}
            payments={props.payments}
            agentId={selected}
            wallet={props.auth.address}
            onBack={() => choose(undefined)}
          />
        ) : (
          <section class="chat empty">
            <p>{props.pool ? 'Pick someone to talk to.' : 'Finding you a seat…'}</p>
          </section>
        )}
      </div>
    </div>
  );
}

function usePaymentCards(payments: Payments | undefined, agentId: string): PaymentCard[] {
  const [, setVersion] = useState(0);
  useEffect(() => payments?.subscribe(() => setVersion((n) => n + 1)), [payments]);
  return payments?.forAgent(agentId) ?? [];
}

type LogItem =
  | { kind: 'message'; at: number; message: Chat['messages'][number] }
  | { kind: 'payment'; at: number; card: PaymentCard };

/** Messages and payment cards in one timeline (a card sorts by when it was offered). */
function timeline(chat: Chat | undefined, cards: PaymentCard[]): LogItem[] {
  const items: LogItem[] = (chat?.messages ?? []).map((m) => ({
    kind: 'message',
    at: Date.parse(m.createdAt),
    message: m,
  }));
  for (const card of cards) {
    // After the last message sent before it: the messages keep their own order.
    let i = items.length;
    while (i > 0 && (items[i - 1]?.at ?? 0) > card.at) i -= 1;
    items.splice(i, 0, { kind: 'payment', at: card.at, card });
  }
  return items;
}

function ChatPane(props: {
  chats: Chats;
  payments: Payments | undefined;
  agentId: string;
  wallet: string;
  onBack: () => void;
}) {
  const chat = useChat(props.chats, props.agentId);
  const cards = usePaymentCards(props.payments, props.agentId);
  const [draft, setDraft] = useState('');
  const log = useRef<HTMLDivElement>(null);
  const count = (chat?.messages.length ?? 0) + (chat?.pending.length ?? 0) + cards.length;
  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [count, props.agentId]);
  const last = chat?.messages.at(-1);
  const thinking = useMemo(
    () => (chat?.pending.some((p) => !p.failed) ?? false) || last?.senderId === props.wallet,
    [chat, last, props.wallet],
  );
  const submit = (e: Event) => {
    e.preventDefault();
    const content = draft.trim();
    if (!content) return;
    setDraft('');
    void props.chats.send(props.agentId, content);
  };
  return (
    <section class="chat" data-testid={`chat-${props.agentId}`}>
      <div class="chat-head">
        <button class="back link" onClick={props.onBack} aria-label="Back to agents">
          ←
        </button>
        <strong>{nameOf(props.agentId)}</strong>
        <span class={`live ${chat?.live ? 'on' : ''}`} title={chat?.live ? 'Live' : 'Offline'} />
      </div>
      <div class="log" ref={log} aria-live="polite">
        {chat?.messages.length === 0 && chat.pending.length === 0 && cards.length === 0 && (
          <p class="fine">Say hello to {nameOf(props.agentId)}.</p>
        )}
        {timeline(chat, cards).map((item) =>
          item.kind === 'payment' && props.payments ? (
            <PaymentCardView
              key={item.card.intent.intentId}
              card={item.card}
              payments={props.payments}
              agentName={nameOf(props.agentId)}
            />
          ) : item.kind === 'message' ? (
            <div
              key={item.message.id}
              class={`msg ${
                item.message.senderId === props.wallet
                  ? 'mine'
                  : item.message.senderId === SYSTEM_SENDER
                    ? 'system'
                    : 'theirs'
              }`}
              data-testid="message"
              data-sender={item.message.senderId === props.wallet ? 'me' : item.message.senderId}
            >
              {item.message.senderId === SYSTEM_SENDER
                ? // The server's notice: its first line is for people, the JSON after it for the agent.
                  item.message.content.split('\n')[0]
                : item.message.content}
            </div>
          ) : null,
        )}
        {chat?.pending.map((p) => (
          <div key={p.clientMessageId} class={`msg mine pending ${p.failed ? 'failed' : ''}`}>
            {p.content}
            {p.note && <span class="note">{p.note}</span>}
            {p.failed && (
              <button
                class="link"
                onClick={() => props.chats.dismiss(props.agentId, p.clientMessageId)}
              >
                dismiss
              </button>
            )}
          </div>
        ))}
        {thinking && (
          <div class="typing" data-testid="typing">
            {nameOf(props.agentId)} is thinking…
          </div>
        )}
      </div>
      <form class="composer" onSubmit={submit}>
        <input
          value={draft}
          onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
          placeholder={`Message ${nameOf(props.agentId)}`}
          maxLength={2000}
          aria-label="Message"
          data-testid="composer-input"
        />
        <button class="primary" type="submit" disabled={!draft.trim()} data-testid="send">
          Send
        </button>
      </form>
    </section>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
