// Locks in what the capacity bench reads from /proc, against fixture text captured from Linux:
// a thread's CPU ns (schedstat), a process's RSS (status), its parent and start time (stat, with a
// command name holding spaces and parentheses), the machine's busy jiffies, PostgreSQL's postmaster
// PID, a process tree, and shared memory counted once for a group of processes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  descendants,
  groupRssKb,
  parseMachineStat,
  parsePostmasterPid,
  parseProcStat,
  parseSchedstat,
  parseStatus,
  processCpuNs,
} from '../src/lib/procfs';

const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures/proc', name), 'utf8');

describe('/proc parsing', () => {
  it("reads a thread's run time in ns from schedstat and refuses anything else", () => {
    expect(parseSchedstat(fixture('schedstat.txt'))).toBe(30_210_582_241);
    expect(() => parseSchedstat('')).toThrow(SyntaxError);
    expect(() => parseSchedstat('cpu 1 2')).toThrow(SyntaxError);
  });

  it('reads VmRSS and its anonymous, file and shared parts from status', () => {
    expect(parseStatus(fixture('status.txt'))).toEqual({
      rss: 118_784,
      anon: 71_680,
      file: 47_104,
      shmem: 0,
    });
    expect(parseStatus('Name:\tkthreadd\n')).toEqual({ rss: 0, anon: 0, file: 0, shmem: 0 });
  });

  it('reads the parent and start time from stat even when the name holds spaces and parentheses', () => {
    expect(parseProcStat(fixture('stat.txt'))).toEqual({ ppid: 4990, startTicks: 298_049 });
    expect(() => parseProcStat('garbage')).toThrow(SyntaxError);
  });

  it("sums the machine's busy jiffies (not idle or iowait) from /proc/stat", () => {
    expect(parseMachineStat(fixture('machine-stat.txt'))).toEqual({
      busy: 304_748 + 411 + 75_605 + 2_103 + 1_154,
      total: 304_748 + 411 + 75_605 + 2_103 + 1_154 + 207_293 + 1_336,
    });
    expect(() => parseMachineStat('intr 1 2')).toThrow(SyntaxError);
  });

  it("takes the postmaster's PID from the first line of postmaster.pid", () => {
    expect(parsePostmasterPid(fixture('postmaster.pid'))).toBe(5000);
    expect(() => parsePostmasterPid('\n')).toThrow(SyntaxError);
  });
});

describe('process groups', () => {
  it('lists a process and everything below it, and nothing else', () => {
    const parents = new Map([
      [5000, 1],
      [5001, 5000],
      [5002, 5000],
      [5003, 5002],
      [6000, 1],
    ]);
    expect(descendants(5000, parents).sort()).toEqual([5000, 5001, 5002, 5003]);
    expect(descendants(6000, parents)).toEqual([6000]);
  });

  it("counts each process's private memory and the shared part once", () => {
    const backend = parseStatus(fixture('postgres-status.txt'));
    const postmaster = { rss: 140_000, anon: 3_000, file: 17_000, shmem: 120_000 };
    // 4 000 + 3 000 private, and the larger shared part (16 000 + 130 000) once.
    expect(groupRssKb([backend, postmaster])).toBe(4_000 + 3_000 + 146_000);
    expect(groupRssKb([backend])).toBe(150_000);
  });

  it('sums the run time of every thread of a live process, and says when it is gone', () => {
    expect(processCpuNs(process.pid)).toBeGreaterThan(0);
    expect(processCpuNs(2 ** 30)).toBeUndefined();
  });
});
