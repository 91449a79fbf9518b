// How fast this host runs a Node server's kind of work, so capacity runs on different hosts (or
// on one host at busier and quieter times) can be compared: the same code and load cost 1.3–1.5 ×
// more CPU per reply on some of these shared machines than on others.
import { createHash } from 'node:crypto';

/** One request's worth of a gateway's work: a JSON body parsed and answered, and a hash. */
const SAMPLE = {
  threadId: '6f1c2b8e-3d4a-4f5b-9c6d-7e8f9a0b1c2d',
  senderId: '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin',
  content: 'I am willing to offer a generous donation to the library. '.repeat(4),
  mentions: ['trump-donald'],
  clientMessageId: 'c-0001',
  createdAt: '2026-12-02T20:00:00.000Z',
};
const ITERATIONS = 20_000;

/**
 * CPU ms this process spends on a fixed piece of work (the best of `rounds`, so a round
 * preempted by another process does not count): lower is a faster host. Takes ~0.5 s.
 */
export function referenceCpuMs(rounds = 5): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < ITERATIONS; i++) {
      const text = JSON.stringify({ ...SAMPLE, seq: i });
      const parsed = JSON.parse(text) as { content: string };
      createHash('sha256').update(parsed.content).digest('hex');
    }
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return Math.round(best * 10) / 10;
}
