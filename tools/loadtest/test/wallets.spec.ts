// The virtual players' wallets: returning players are the same wallets in every run with a seed
// (they find their earlier sessions), and every signature verifies as the gateway checks it.
import bs58 from 'bs58';
import nacl from 'tweetnacl';
import { newWallet, returningWallet } from '../src/lib/wallets';

const MESSAGE = 'Sign in to Pardon Simulator\nnonce: abc';

test('a returning wallet is the same for the same seed and index, as in earlier runs', () => {
  // Recorded with the tweetnacl implementation: the same players must come back.
  expect(returningWallet('seed-a', 0).address).toBe('EaQHNkBJgfQd5Xd95hpcpHGQqWKNYV4thaKdEwQGPRzr');
  expect(returningWallet('seed-a', 1).address).toBe('7Detk5ioDKZC9Wr7XURJxcABfcbntXihKYSQryRdnWDE');
  expect(returningWallet('loadtest', 41).address).toBe(
    'pzaZ8A64z1aoi7FkY6MxXUrwedGxra8xMnPuvL6YGk1',
  );
  // ed25519 signatures are deterministic: the same key signs a message the same way.
  expect(returningWallet('seed-a', 0).sign(MESSAGE)).toBe(
    '2kJxmMKumREyPWF5AM3A6c3az3Nj3ZzMALEas15pCBzy1PynXmtCWzsvNcfeGMpKk6cZhHwCeQc2Y7mCpudmfLfK',
  );
  expect(returningWallet('seed-b', 0).address).not.toBe(returningWallet('seed-a', 0).address);
});

test('new wallets are distinct and their signatures verify against their addresses', () => {
  const wallets = [newWallet(), newWallet(), returningWallet('seed-a', 7)];
  expect(new Set(wallets.map((w) => w.address)).size).toBe(3);
  for (const wallet of wallets) {
    const publicKey = bs58.decode(wallet.address);
    expect(publicKey).toHaveLength(32);
    const signature = bs58.decode(wallet.sign(MESSAGE));
    expect(signature).toHaveLength(64);
    expect(nacl.sign.detached.verify(new TextEncoder().encode(MESSAGE), signature, publicKey)).toBe(
      true,
    );
    expect(
      nacl.sign.detached.verify(new TextEncoder().encode(`${MESSAGE}!`), signature, publicKey),
    ).toBe(false);
  }
});
