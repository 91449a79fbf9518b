// Premium payments in the browser, end to end on the local game: a player talks until an agent
// offers a premium service, the offer shows as a card in the chat, the player pays it with the
// local test wallet (funded by the local chain's faucet, signed in the page, sent by the gateway),
// and the card settles with its bonus while the agent delivers the service in the chat; a reload
// keeps the card, and the ops page lists the payment. The chain is @pardon/local-chain (LiteSVM
// behind a JSON-RPC server in this process, with a loopback faucet the gateway calls).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, generateSecrets, startTopology, type Topology } from '@pardon/topology';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WEB_DIR = path.join(REPO_ROOT, 'dist/apps/gateway-web');
const SHOTS = path.join(REPO_ROOT, 'reports/screenshots');
const OPS_TOKEN = randomBytes(24).toString('hex');

// A message each scripted agent hears as a request for a premium service (insider info).
const ASK = 'Do you have any insider info or secrets for me? I am ready to pay for them.';
const AGENTS = ['trump-eric', 'trump-donjr', 'cz', 'trump-melania', 'trump-barron', 'trump-donald'];
const OFFER_DEADLINE_MS = 90_000;

let topology: Topology;
let browser: BrowserContext;
let userDataDir: string;
const foreign: string[] = [];

describe('premium payments on the local game', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    if (!existsSync(path.join(WEB_DIR, 'index.html')))
      throw new Error('pages not built: npx nx run gateway:build-web');
    mkdirSync(SHOTS, { recursive: true });
    // The topology runs the local chain (payments on by default) and points every app at it.
    topology = await startTopology({
      pools: 1,
      agentLatency: '30',
      logLevel: 'warn',
      secrets: { ...generateSecrets(), opsToken: OPS_TOKEN },
      env: {
        gateway: {
          WEB_DIR,
        },
      },
    });
    userDataDir = mkdtempSync(path.join(tmpdir(), 'web-e2e-payments-'));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1100, height: 760 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
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

  let page: Page;
  let agentId = '';
  let signature = '';

  beforeAll(async () => {
    page = await browser.newPage();
  });
  afterAll(async () => {
    await page?.close();
  });

  /** Asks the agents in turn for a premium service until one of them offers it as a card. */
  async function playUntilOffer(): Promise<string> {
    const deadline = Date.now() + OFFER_DEADLINE_MS;
    for (let n = 0; Date.now() < deadline; n += 1) {
      const id = AGENTS[n % AGENTS.length] ?? 'cz';
      await page.getByTestId(`agent-${id}`).click();
      const chat = page.getByTestId(`chat-${id}`);
      const theirs = chat.locator(`[data-testid=message][data-sender=${id}]`);
      const replies = await theirs.count();
      const text = `${n + 1}. ${ASK}`;
      await chat.getByTestId('composer-input').fill(text);
      await chat.getByTestId('send').click();
      await chat.locator('[data-testid=message][data-sender=me]', { hasText: text }).waitFor();
      await theirs.nth(replies).waitFor({ timeout: 30_000 });
      // The offer comes with the reply or just after it.
      const card = chat.locator('[data-testid=payment-card][data-state=pending]');
      try {
        await card.first().waitFor({ timeout: 5_000 });
        return id;
      } catch {
        // No offer from this one: the next agent.
      }
    }
    await page.screenshot({ path: path.join(SHOTS, 'payments-no-offer.png') });
    throw new Error(`no agent offered a service within ${OFFER_DEADLINE_MS / 1000} s`);
  }

  it('shows an agent’s offer as a card with its price, seller and expiry countdown', async () => {
    await page.goto(topology.url);
    await page.getByTestId('sign-in-local').click();
    await page.getByTestId('pool').waitFor();
    const config = await page.evaluate(async () => {
      const auth = JSON.parse(localStorage.getItem('pardon.auth.v1') ?? '{}') as { token: string };
      const res = await fetch('/api/payments/config', {
        headers: { authorization: `Bearer ${auth.token}` },
      });
      return (await res.json()) as { enabled: boolean; cluster: string; localWallet: boolean };
    });
    expect(config).toMatchObject({ enabled: true, cluster: 'local', localWallet: true });

    agentId = await playUntilOffer();
    const card = page.getByTestId(`chat-${agentId}`).getByTestId('payment-card').last();
    await expect(card.getByTestId('payment-price').textContent()).resolves.toMatch(
      /^[\d,.]+ PARDON$/,
    );
    expect((await card.getByTestId('payment-label').textContent())?.trim()).not.toBe('');
    await expect(card.textContent()).resolves.toContain('Offered by');
    const left = Number(await card.getByTestId('countdown').textContent());
    expect(left).toBeGreaterThan(0);
    // Only the local wallet can pay on the local game; the page has no injected wallet.
    await expect(card.getByTestId('pay-local').textContent()).resolves.toBe(
      'Pay (local test wallet)',
    );
    expect(await card.getByTestId('pay-injected').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'payments-offer.png') });
  }, 150_000);

  it('pays with the local test wallet and sees the card settle and the service delivered', async () => {
    const chat = page.getByTestId(`chat-${agentId}`);
    const card = chat.getByTestId('payment-card').last();
    const theirs = chat.locator(`[data-testid=message][data-sender=${agentId}]`);
    const before = await theirs.count();
    await card.getByTestId('pay-local').click();
    try {
      await chat
        .locator('[data-testid=payment-card][data-state=paid]')
        .last()
        .waitFor({ timeout: 75_000 });
    } catch (err) {
      await page.screenshot({ path: path.join(SHOTS, 'payments-stuck.png') });
      throw new Error(
        `the card did not settle: ${(err as Error).message}\ncard: ${await card.textContent()}`,
      );
    }
    await expect(card.getByTestId('payment-result').textContent()).resolves.toMatch(
      /^Paid — \+\d+(\.\d+)? bonus points$/,
    );
    signature = (await card.getAttribute('data-signature')) ?? '';
    expect(signature).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,90}$/);
    expect(await card.getByTestId('pay-local').count()).toBe(0);

    // The agent delivers what was bought in a message after the card.
    try {
      await theirs.nth(before).waitFor({ timeout: 30_000 });
    } catch (err) {
      await page.screenshot({ path: path.join(SHOTS, 'payments-no-delivery.png') });
      throw new Error(
        `no delivery from ${agentId} after the payment: ${(err as Error).message}\nchat: ${await chat.textContent()}`,
      );
    }
    const after = await page.evaluate(
      ([cardSel, msgSel]) => {
        const c = document.querySelector(cardSel as string);
        const all = document.querySelectorAll(msgSel as string);
        const m = all[all.length - 1];
        return (
          !!c && !!m && (c.compareDocumentPosition(m) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0
        );
      },
      [
        `[data-testid=chat-${agentId}] [data-testid=payment-card][data-state=paid]`,
        `[data-testid=chat-${agentId}] [data-testid=message][data-sender=${agentId}]`,
      ],
    );
    expect(after).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'payments-paid.png') });

    // A reload keeps the card, paid.
    await page.reload();
    await page.getByTestId(`agent-${agentId}`).click();
    await chat.locator('[data-testid=payment-card][data-state=paid]').first().waitFor();
    // On a phone the card fits the screen.
    await page.setViewportSize({ width: 390, height: 800 });
    const box = await chat.locator('[data-testid=payment-card]').last().boundingBox();
    expect(box?.width ?? 0).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(SHOTS, 'payments-phone.png') });
    await page.setViewportSize({ width: 1100, height: 760 });
    expect(foreign).toEqual([]);
  }, 150_000);

  it('lists the payment on the ops page and in its CSV export', async () => {
    const ops = await browser.newPage();
    try {
      await ops.goto(new URL('/ops?poll=500', topology.url).href);
      await ops.getByTestId('ops-token').fill(OPS_TOKEN);
      await ops.getByTestId('ops-sign-in').click();
      const row = ops.locator(`[data-testid=payment-row][data-signature="${signature}"]`);
      try {
        await row.waitFor({ timeout: 20_000 });
      } catch (err) {
        await ops.screenshot({
          path: path.join(SHOTS, 'ops-payments-missing.png'),
          fullPage: true,
        });
        throw new Error(
          `payment ${signature} not listed: ${(err as Error).message}\nsection: ${await ops.getByTestId('payments').textContent()}`,
        );
      }
      await expect(row.getAttribute('data-status')).resolves.toBe('verified');
      await ops.locator('[data-testid=volume-chart] rect').first().waitFor();
      await ops.screenshot({ path: path.join(SHOTS, 'ops-payments.png'), fullPage: true });

      const csv = await fetch(new URL('/api/ops/payments.csv', topology.url), {
        headers: { authorization: `Bearer ${OPS_TOKEN}` },
      });
      expect(csv.status).toBe(200);
      await expect(csv.text()).resolves.toContain(signature);
    } finally {
      await ops.close();
    }
  }, 60_000);
});
