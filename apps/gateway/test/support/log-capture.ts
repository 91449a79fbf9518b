/**
 * An in-process pino destination for a gateway under test: keeps every log line (raw and parsed)
 * and lets a test wait for a line, event-driven, with a deadline instead of a sleep.
 */
export class LogCapture {
  readonly raw: string[] = [];
  readonly lines: Array<Record<string, unknown>> = [];
  private waiters: Array<{ match: (l: Record<string, unknown>) => boolean; done: () => void }> = [];

  write(chunk: string): void {
    for (const text of chunk.split('\n')) {
      if (text.trim() === '') continue;
      this.raw.push(text);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { msg: text };
      }
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(line)) return true;
        w.done();
        return false;
      });
    }
  }

  /** Resolves with the first line (already written or to come) that matches. */
  waitFor(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs = 10_000,
  ): Promise<Record<string, unknown>> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.done !== done);
        reject(new Error(`no matching log line in ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(this.lines.find(match) as Record<string, unknown>);
      };
      this.waiters.push({ match, done });
    });
  }
}
