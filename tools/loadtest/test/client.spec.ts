// Locks in the client's pieces that need no server: error kinds (HTTP status with the gateway's
// error code, timeouts, network codes), message seqs, event-stream parsing across chunk
// boundaries, and wallets (fresh ones differ, returning ones are the same for a seed and index).
import bs58 from 'bs58';
import nacl from 'tweetnacl';
import { errors } from 'undici';
import {
  classifyFailure,
  classifyHttp,
  playerSourceAddress,
  seqOf,
  SseParser,
} from '../src/lib/client';
import { newWallet, returningWallet } from '../src/lib/wallets';

describe('error kinds', () => {
  it('names HTTP errors by status and the gateway error code', () => {
    expect(classifyHttp(503, { error: 'capacity_exhausted', message: 'full' })).toBe(
      'http_503:capacity_exhausted',
    );
    expect(classifyHttp(502, '<html>bad gateway</html>')).toBe('http_502:-');
    expect(classifyHttp(500, undefined)).toBe('http_500:-');
  });

  it('names timeouts and network failures', () => {
    expect(classifyFailure(new errors.HeadersTimeoutError())).toBe('timeout:request');
    expect(classifyFailure(new errors.BodyTimeoutError())).toBe('timeout:request');
    expect(classifyFailure(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(
      'network:ECONNREFUSED',
    );
    expect(classifyFailure(new Error('odd'))).toBe('network:unknown');
  });
});

describe('event streams', () => {
  it('reads message seqs from ids', () => {
    expect(seqOf('3f1c2a9e-0000-4000-8000-000000000000-12')).toBe(12);
  });

  it('parses events split across chunks, skipping comments and id lines', () => {
    const seen: string[] = [];
    const parser = new SseParser((d) => seen.push(d));
    parser.push(': heartbeat\n\nid: t-1\nda');
    parser.push('ta: {"a":1}\n\n');
    parser.push('id: t-2\r\ndata: line1\r\ndata: line2\r\n\r\n');
    expect(seen).toEqual(['{"a":1}', 'line1\nline2']);
  });

  it("passes on messages only, not named events such as the stream's last `closed`", () => {
    const seen: string[] = [];
    const parser = new SseParser((d) => seen.push(d));
    parser.push('id: t-1\ndata: {"id":"t-1"}\n\nevent: closed\ndata: {"threadId":"t"}\n\n');
    parser.push('event: message\ndata: {"id":"t-2"}\n\n');
    expect(seen).toEqual(['{"id":"t-1"}', '{"id":"t-2"}']);
  });
});

describe('wallets', () => {
  it('signs messages that verify against the base58 address', () => {
    const w = newWallet();
    const sig = bs58.decode(w.sign('hello'));
    expect(
      nacl.sign.detached.verify(new TextEncoder().encode('hello'), sig, bs58.decode(w.address)),
    ).toBe(true);
    expect(newWallet().address).not.toBe(w.address);
  });

  it('derives the same returning wallet for the same seed and index', () => {
    expect(returningWallet('pardon', 3).address).toBe(returningWallet('pardon', 3).address);
    expect(returningWallet('pardon', 3).address).not.toBe(returningWallet('pardon', 4).address);
    expect(returningWallet('other', 3).address).not.toBe(returningWallet('pardon', 3).address);
  });
});

describe('player source addresses', () => {
  it('gives each virtual player its own loopback address on a loopback target', () => {
    const url = 'http://127.0.0.1:5555';
    expect(playerSourceAddress(url, 0)).toBe('127.1.0.1');
    expect(playerSourceAddress(url, 253)).toBe('127.1.0.254');
    expect(playerSourceAddress(url, 254)).toBe('127.1.1.1');
    const many = new Set(Array.from({ length: 5000 }, (_, i) => playerSourceAddress(url, i)));
    expect(many.size).toBe(5000);
  });

  it('leaves other targets to the system', () => {
    expect(playerSourceAddress('https://pardon.example.com', 3)).toBeUndefined();
  });
});
