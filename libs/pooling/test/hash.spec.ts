// Locks in the ring's hash: MurmurHash3 x86_32 over UTF-8, bit-for-bit the reference algorithm,
// since every task must place every wallet at the same point.
import fc from 'fast-check';
import { murmur3, murmur3Bytes } from '../src/lib/hash';

const utf8 = new TextEncoder();

describe('murmur3', () => {
  it.each([
    ['', 0, 0x00000000],
    ['', 1, 0x514e28b7],
    ['hello', 0, 0x248bfa47],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
  ])('hashes %j with seed %d to the reference value', (key, seed, expected) => {
    expect(murmur3(key, seed)).toBe(expected);
    expect(murmur3Bytes(utf8.encode(key), seed)).toBe(expected);
  });

  it('hashes a non-ASCII key as its UTF-8 bytes, wherever the non-ASCII character falls', () => {
    for (const key of ['é', 'aé', 'abé', 'abcé', 'abcdé', 'wallet-ü-1234', '中文钱包地址']) {
      expect(murmur3(key)).toBe(murmur3Bytes(utf8.encode(key)));
    }
  });

  it('agrees with the byte-level hash for every string and seed', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.integer(), (key, seed) => {
        expect(murmur3(key, seed)).toBe(murmur3Bytes(utf8.encode(key), seed));
      }),
    );
  });

  it('returns an unsigned 32-bit integer', () => {
    fc.assert(
      fc.property(fc.string(), (key) => {
        const h = murmur3(key);
        expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
      }),
    );
  });
});
