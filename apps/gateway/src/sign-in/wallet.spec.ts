// Locks in why the gateway checks keys and signatures itself: for every small-order key,
// tweetnacl and Node's crypto.verify both accept a signature made without any private key, and
// tweetnacl accepts a malleated one (S + L); isWalletAddress and verifyWalletSignature refuse them.
import { createPublicKey, verify } from 'node:crypto';
import nacl from 'tweetnacl';
import { forgeSignature, malleate, SMALL_ORDER_KEYS } from '../../test/support/small-order';
import {
  encodeBase58,
  isCanonicalSignature,
  isSafePublicKey,
  isWalletAddress,
  verifyWalletSignature,
} from './wallet';

function forgedFor(key: Uint8Array): { message: string; sig: Uint8Array } {
  for (let i = 0; i < 64; i++) {
    const message = `Pardon Simulator sign-in, attempt ${i}`;
    const sig = forgeSignature(key, message);
    if (sig) return { message, sig };
  }
  throw new Error('no forgery found in 64 messages');
}

describe('small-order public keys', () => {
  it('are 14 distinct encodings, the all-zero address among them', () => {
    expect(new Set(SMALL_ORDER_KEYS.map((k) => k.address)).size).toBe(14);
    expect(SMALL_ORDER_KEYS.filter((k) => k.canonical)).toHaveLength(8);
    expect(SMALL_ORDER_KEYS.map((k) => k.address)).toContain('11111111111111111111111111111111');
  });

  it.each(SMALL_ORDER_KEYS.map((k) => [k.name, k] as const))(
    '%s: the libraries accept a keyless signature, the gateway refuses the key',
    (_name, key) => {
      const { message, sig } = forgedFor(key.bytes);
      const msg = new TextEncoder().encode(message);
      expect(nacl.sign.detached.verify(msg, sig, key.bytes)).toBe(true);
      const nodeKey = createPublicKey({
        key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.bytes).toString('base64url') },
        format: 'jwk',
      });
      expect(verify(null, msg, nodeKey, sig)).toBe(true);

      expect(isSafePublicKey(key.bytes)).toBe(false);
      expect(isWalletAddress(key.address)).toBe(false);
      expect(verifyWalletSignature(key.address, message, encodeBase58(sig))).toBe(false);
    },
  );
});

describe('signatures and ordinary keys', () => {
  it('accepts real keys and their signatures, refuses a malleated signature (S + L)', () => {
    for (let i = 0; i < 5; i++) {
      const kp = nacl.sign.keyPair();
      expect(isSafePublicKey(kp.publicKey)).toBe(true);
      const sig = nacl.sign.detached(new TextEncoder().encode('hi'), kp.secretKey);
      expect(isCanonicalSignature(sig)).toBe(true);
      const address = encodeBase58(kp.publicKey);
      expect(verifyWalletSignature(address, 'hi', encodeBase58(sig))).toBe(true);
      const bad = malleate(sig);
      expect(nacl.sign.detached.verify(new TextEncoder().encode('hi'), bad, kp.publicKey)).toBe(
        true,
      );
      expect(isCanonicalSignature(bad)).toBe(false);
      expect(verifyWalletSignature(address, 'hi', encodeBase58(bad))).toBe(false);
    }
  });

  it('refuses bytes that are no point of the curve', () => {
    // y = 2 has no x on edwards25519.
    const offCurve = new Uint8Array(32);
    offCurve[0] = 2;
    expect(isSafePublicKey(offCurve)).toBe(false);
  });
});
