import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, generateSecrets, startTopology, type Topology } from '@pardon/topology';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

// Debian's Chromium (.ci/run installs it); Playwright's own browser downloads are not used.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WEB_DIR = path.join(REPO_ROOT, 'dist/apps/gateway-web');
const SHOTS = path.join(REPO_ROOT, 'reports/screenshots');
const OPS_TOKEN = randomBytes(24).toString('hex');
const POOLS = 2;

let topology: Topology;
let browser: BrowserContext;
let userDataDir: string;
const foreign: string[] = [];

// A fresh profile per run: no state leaks between runs or from a developer's browser.
async function launch(): Promise<BrowserContext> {
  userDataDir = mkdtempSync(path.join(tmpdir(), 'web-e2e-chromium-'));
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 760 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  if (!existsSync(path.join(WEB_DIR, 'index.html')))
    throw new Error('pages not built: npx nx run gateway:build-web');
  mkdirSync(SHOTS, { recursive: true });
  topology = await startTopology({
    pools: POOLS,
    agentLatency: '30',
    logLevel: 'warn',
    // The topology reads /health's agent lists with its OPS_TOKEN: the page's token is that one.
    secrets: { ...generateSecrets(), opsToken: OPS_TOKEN },
    env: { gateway: { WEB_DIR } },
  });
  browser = await launch();
  // The pages must work offline: nothing may be fetched from another origin (fonts, CDNs).
  const origin = new URL(topology.url).origin;
  browser.on('request', (r) => {
    if (new URL(r.url()).origin !== origin) foreign.push(r.url());
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await topology?.stop();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
}, 60_000);

async function say(page: Page, agentId: string, text: string): Promise<void> {
  await page.getByTestId(`agent-${agentId}`).click();
  const chat = page.getByTestId(`chat-${agentId}`);
  await chat.getByTestId('composer-input').fill(text);
  await chat.getByTestId('send').click();
  await chat.locator('[data-testid=message][data-sender=me]', { hasText: text }).waitFor();
}

describe('player page', () => {
  let page: Page;

  beforeAll(async () => {
    page = await browser.newPage();
  });
  afterAll(async () => {
    await page?.close();
  });

  it('signs a new player in with a local wallet and shows replies of two agents live', async () => {
    await page.goto(topology.url);
    await page.getByTestId('sign-in-local').click();
    await expect(page.getByTestId('wallet-kind').textContent()).resolves.toBe('Local test wallet');
    await page.getByTestId('agent-cz').waitFor();
    await expect(page.getByTestId('pool').textContent()).resolves.toMatch(/^pool-\d$/);
    expect(await page.locator('nav [data-testid^=agent-]').count()).toBe(6);

    await say(page, 'trump-donald', 'Mr President, I would like a pardon.');
    const donald = page.getByTestId('chat-trump-donald');
    await donald.locator('[data-testid=message][data-sender=trump-donald]').first().waitFor();

    await say(page, 'cz', 'CZ, put in a word for me?');
    const cz = page.getByTestId('chat-cz');
    await cz.locator('[data-testid=message][data-sender=cz]').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'player-desktop.png') });
    expect(foreign).toEqual([]);
  });

  it('keeps the conversations after a reload', async () => {
    await page.reload();
    await page.getByTestId('agent-trump-donald').click();
    const donald = page.getByTestId('chat-trump-donald');
    await donald.locator('[data-testid=message][data-sender=trump-donald]').first().waitFor();
    const texts = await donald.getByTestId('message').allTextContents();
    expect(texts[0]).toBe('Mr President, I would like a pardon.');
    expect(texts.length).toBeGreaterThanOrEqual(2);

    await page.getByTestId('agent-cz').click();
    await page
      .getByTestId('chat-cz')
      .locator('[data-testid=message][data-sender=me]', { hasText: 'CZ, put in a word for me?' })
      .waitFor();

    // A phone-sized screen shows one column: the chat, with a way back to the agents.
    await page.setViewportSize({ width: 390, height: 800 });
    await expect(page.getByTestId('agent-trump-donald').isVisible()).resolves.toBe(false);
    await page.screenshot({ path: path.join(SHOTS, 'player-phone.png') });
  });
});

describe('operations page', () => {
  let page: Page;

  beforeAll(async () => {
    page = await browser.newPage();
  });
  afterAll(async () => {
    await page?.close();
  });

  it('refuses the ops API without the operator token', async () => {
    const bare = await fetch(new URL('/api/ops/overview', topology.url));
    expect(bare.status).toBe(401);
    await expect(bare.json()).resolves.toMatchObject({ error: 'unauthorized' });

    await page.goto(new URL('/ops?poll=500', topology.url).href);
    await page.getByTestId('ops-token').fill('not-the-operator-token');
    await page.getByTestId('ops-sign-in').click();
    await page.getByTestId('ops-refused').waitFor();
    expect(await page.getByTestId('pool-row').count()).toBe(0);
  });

  it('shows every pool ready, then the pools of a stopped agent degraded', async () => {
    await page.getByTestId('ops-token').fill(OPS_TOKEN);
    await page.getByTestId('ops-sign-in').click();
    const rows = page.getByTestId('pool-row');
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=pool-row][data-state=ready]').length === n,
      POOLS,
    );
    expect(await rows.count()).toBe(POOLS);

    // Run pool-health twice from the page: the chart gets snapshots and the job its last run.
    for (let i = 0; i < 2; i += 1) {
      await page.getByTestId('run-pool-health').click();
      await page.getByTestId('cron-result').filter({ hasText: 'pool-health finished' }).waitFor();
    }
    await page.locator('[data-testid=health-chart] rect').first().waitFor();
    await page
      .locator('[data-testid=cron-row][data-job=pool-health]')
      .filter({ hasText: 'ok' })
      .waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'ops-ready.png'), fullPage: true });

    const task = topology.tasks[0];
    if (!task) throw new Error('topology has no task');
    await task.agents.get('cz')?.stop(5_000);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=pool-row][data-state=degraded]').length === n,
      POOLS,
      { timeout: 20_000 },
    );
    const missing = await rows.first().textContent();
    expect(missing).toContain('missing cz');
    // The next pool-health run records the degraded pools; the chart shows them without a reload.
    await page.getByTestId('run-pool-health').click();
    await page
      .locator('[data-testid=health-chart] rect:not([data-status=healthy])')
      .first()
      .waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'ops-degraded.png'), fullPage: true });
    expect(foreign).toEqual([]);
  });
});

describe('a player arriving while an agent is away', () => {
  it('sees a countdown while the pool is not ready and is seated once the agent is back', async () => {
    const task = topology.tasks[0];
    if (!task) throw new Error('topology has no task');
    const page = await browser.newPage();
    try {
      // cz was stopped by the operations test: every pool misses it. A new wallet, not a reload.
      await page.goto(topology.url);
      await page.evaluate(() => localStorage.clear());
      await page.reload();
      await page.getByTestId('sign-in-local').click();
      const notice = page.getByTestId('notice');
      await notice.filter({ hasText: 'waiting for CZ' }).waitFor();
      await notice.getByTestId('countdown').waitFor();
      await page.screenshot({ path: path.join(SHOTS, 'player-waiting.png') });

      await topology.startAgent(task, 'cz');
      await page.getByTestId('pool').waitFor({ timeout: 20_000 });
      await expect(notice.count()).resolves.toBe(0);
      await page.getByTestId('agent-cz').waitFor();
    } finally {
      await page.close();
    }
  });
});

describe('a browser with a Solana wallet', () => {
  it('signs in with the injected wallet rather than a local key', async () => {
    const page = await browser.newPage();
    try {
      // Stands in for the Phantom extension: the same window.solana calls, keys from WebCrypto.
      await page.addInitScript(() => {
        const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
        const base58 = (bytes: Uint8Array) => {
          let n = 0n;
          for (const b of bytes) n = n * 256n + BigInt(b);
          let out = '';
          while (n > 0n) {
            out = ALPHABET.charAt(Number(n % 58n)) + out;
            n /= 58n;
          }
          for (const b of bytes) {
            if (b !== 0) break;
            out = `1${out}`;
          }
          return out;
        };
        const keys = crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
        const address = keys.then(async (k) =>
          base58(new Uint8Array(await crypto.subtle.exportKey('raw', k.publicKey))),
        );
        const w = window as unknown as Record<string, unknown>;
        w.solana = {
          isPhantom: true,
          connect: async () => {
            const a = await address;
            w.injectedAddress = a;
            return { publicKey: { toBase58: () => a } };
          },
          signMessage: async (message: Uint8Array<ArrayBuffer>) => ({
            signature: new Uint8Array(
              await crypto.subtle.sign('Ed25519', (await keys).privateKey, message),
            ),
          }),
        };
      });
      await page.goto(topology.url);
      await page.evaluate(() => localStorage.clear());
      await page.reload();
      await page.getByTestId('sign-in-injected').click();
      await page.getByTestId('pool').waitFor();
      await expect(page.getByTestId('wallet-kind').textContent()).resolves.toBe('Wallet');
      const address = await page.evaluate(
        () => (window as unknown as { injectedAddress: string }).injectedAddress,
      );
      await expect(page.getByTestId('wallet-address').getAttribute('title')).resolves.toBe(address);
      expect(await page.evaluate(() => localStorage.getItem('pardon.localWallet.v1'))).toBeNull();
    } finally {
      await page.close();
    }
  });
});

describe('a player who plays well', () => {
  // Independent of the agents' exact rubric: polite, flattering, loyal messages with a deal, a
  // family member named, to every agent in turn (the spread counts), until the pardon lands.
  const AGENTS = [
    'trump-donald',
    'trump-melania',
    'trump-eric',
    'trump-donjr',
    'trump-barron',
    'cz',
  ];
  const FAMILY = ['Melania', 'Eric', 'Don Jr.', 'Barron', 'Ivanka', 'the President'];
  const PRAISE = [
    'you are the greatest negotiator I have ever met',
    'your instincts are brilliant, truly the best',
    'nobody understands this country better than you',
    'your leadership has been tremendous for America',
    'I admire you enormously, you are a genius',
  ];
  const DEALS = [
    'here is my deal: I invest a billion dollars in American factories and jobs',
    'my offer: I bring ten thousand new jobs to Ohio and Pennsylvania',
    'a deal for you: I donate to your foundation and back your agenda in public',
    'I propose a partnership: a new tower with the family name, built by American workers',
  ];
  const LOYALTY = [
    'I am loyal to you and your family, always.',
    'You will have my loyalty, today and every day after.',
    'I stand with you and the family, no matter what.',
  ];
  const MAX_MESSAGES = 150;
  const DEADLINE_MS = 240_000;
  // About 35 messages a minute: each costs the wallet about three requests (the message, /api/me
  // after its score, the stream of a chat followed again), under its 120 a minute.
  const PACE_MS = 1_700;

  const pitch = (n: number, agentId: string) =>
    `${n + 1}. ${agentId === 'cz' ? 'CZ' : 'Sir'}, ${PRAISE[n % PRAISE.length]}. ` +
    `${FAMILY[n % FAMILY.length]} speaks very highly of you. ` +
    `${DEALS[n % DEALS.length]}, in return for a pardon. ${LOYALTY[n % LOYALTY.length]}`;

  it(
    'sees the score bar rise with every good message until the pardon banner shows the final score',
    async () => {
      const page = await browser.newPage();
      try {
        await page.goto(topology.url);
        await page.evaluate(() => localStorage.clear());
        await page.reload();
        await page.getByTestId('sign-in-local').click();
        await page.getByTestId('pool').waitFor();
        const bar = page.getByTestId('score-bar');
        await bar.waitFor();
        const scoreNow = async () => Number(await bar.getAttribute('aria-valuenow'));
        const seen = [await scoreNow()];
        expect(seen[0]).toBe(0);
        await expect(page.getByTestId('board').isVisible()).resolves.toBe(true);

        const banner = page.getByTestId('pardon-banner');
        const deadline = Date.now() + DEADLINE_MS;
        let sent = 0;
        while (!(await banner.isVisible())) {
          if (sent >= MAX_MESSAGES || Date.now() > deadline) {
            throw new Error(
              `no pardon after ${sent} messages in ${DEADLINE_MS / 1000} s; scores seen: ${seen.join(' ')}`,
            );
          }
          const started = Date.now();
          const agentId = AGENTS[sent % AGENTS.length] ?? 'cz';
          const text = pitch(sent, agentId);
          await page.getByTestId(`agent-${agentId}`).click();
          const chat = page.getByTestId(`chat-${agentId}`);
          const theirs = chat.locator(`[data-testid=message][data-sender=${agentId}]`);
          const replies = await theirs.count();
          await chat.getByTestId('composer-input').fill(text);
          await chat.getByTestId('send').click();
          // A 429 is waited out by the page (Retry-After up to a minute).
          try {
            await chat
              .locator('[data-testid=message][data-sender=me]', { hasText: text })
              .waitFor({ timeout: 90_000 });
            await theirs.nth(replies).waitFor({ timeout: 30_000 });
          } catch (err) {
            // What the chat shows (a pending note, a refusal) says more than the timeout.
            await page.screenshot({ path: path.join(SHOTS, 'player-pardon-stuck.png') });
            throw new Error(
              `message ${sent + 1} to ${agentId}: ${(err as Error).message}\nchat: ${await chat.textContent()}\nscores seen: ${seen.join(' ')}`,
            );
          }
          sent += 1;
          seen.push(await scoreNow());
          await page.waitForTimeout(Math.max(0, started + PACE_MS - Date.now()));
        }

        const final = Number(await page.getByTestId('pardon-score').textContent());
        expect(final).toBeGreaterThanOrEqual(90);
        await expect(banner.textContent()).resolves.toContain('Pardon granted');
        // The bar rose along the way, and ends at the threshold or past it.
        const rises = seen.filter((v, i) => i > 0 && v > (seen[i - 1] ?? v)).length;
        expect(rises).toBeGreaterThan(0);
        expect(Math.max(...seen)).toBeGreaterThan(seen[0] ?? 0);
        await page.waitForFunction(
          () =>
            Number(
              document.querySelector('[data-testid=score-bar]')?.getAttribute('aria-valuenow'),
            ) >= 90,
        );
        await expect(page.getByTestId('last-change').textContent()).resolves.toMatch(
          /^[+-]?\d+(\.\d+)? from .+: .+/,
        );
        // The player's own standing on the board says pardoned.
        await page.getByTestId('board-me').filter({ hasText: 'pardoned' }).waitFor();
        await page.screenshot({ path: path.join(SHOTS, 'player-pardon.png') });
        expect(foreign).toEqual([]);
      } finally {
        await page.close();
      }
    },
    DEADLINE_MS + 60_000,
  );
});
