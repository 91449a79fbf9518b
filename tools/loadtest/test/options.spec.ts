// Locks in the CLI's option checks: loopback targets only unless --allow-remote, phases and
// windows from the duration, a request budget by default, and clear errors naming bad options.
import { buildConfig, DEFAULT_RAW, parseRange } from '../src/lib/options';
import { checkTarget, isLoopbackHost } from '../src/lib/target';

const raw = (over: Record<string, unknown> = {}) => ({
  ...DEFAULT_RAW,
  url: 'http://127.0.0.1:5555',
  ...over,
});

describe('target', () => {
  it('knows loopback hosts', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::1', 'app.localhost']) {
      expect(isLoopbackHost(h)).toBe(true);
    }
    for (const h of ['10.0.0.1', 'example.com', '128.0.0.1', '127.0.0.1.example.com', '0.0.0.0']) {
      expect(isLoopbackHost(h)).toBe(false);
    }
  });

  it('refuses a remote URL unless it is allowed on purpose', () => {
    expect(() => checkTarget('https://game.example.com', false)).toThrow(/--allow-remote/);
    expect(checkTarget('https://game.example.com', true).host).toBe('game.example.com');
    expect(checkTarget('http://localhost:5555', false).port).toBe('5555');
    expect(() => checkTarget('ftp://127.0.0.1', true)).toThrow(/http/);
    expect(() => checkTarget('not a url', true)).toThrow(/not a URL/);
  });
});

describe('buildConfig', () => {
  it('builds a run from the defaults', () => {
    const c = buildConfig(raw({ players: '20', duration: '5m' }));
    expect(c.url).toBe('http://127.0.0.1:5555');
    expect(c.players).toBe(20);
    expect(c.phases).toEqual({ rampUpMs: 30_000, sustainMs: 240_000, rampDownMs: 30_000 });
    expect(c.bucketMs).toBe(5000);
    expect(c.thinkMs).toEqual({ min: 5000, max: 10_000 });
    expect(c.maxRequests).toBe(20 * 300 * 5 + 1000);
    expect(c.returningWallets).toBe(40);
    expect(c.targets).toEqual({ p95Ms: 3000, p99Ms: 5000, errorRate: 0.01 });
    expect(c.mix.returning).toBeCloseTo(0.5, 10);
  });

  it('takes explicit ramps, budget, windows and mix', () => {
    const c = buildConfig(
      raw({
        duration: '15s',
        rampUp: '5s',
        rampDown: '0s',
        maxRequests: '300',
        bucket: '500ms',
        mix: 'new=1',
        url: 'http://localhost:8080/',
      }),
    );
    expect(c.phases).toEqual({ rampUpMs: 5000, sustainMs: 10_000, rampDownMs: 0 });
    expect(c.maxRequests).toBe(300);
    expect(c.bucketMs).toBe(500);
    expect(c.mix.new).toBe(1);
    expect(c.url).toBe('http://localhost:8080');
  });

  it('names the bad option', () => {
    expect(() => buildConfig(raw({ players: '0' }))).toThrow(/--players/);
    expect(() => buildConfig(raw({ players: '2.5' }))).toThrow(/--players/);
    expect(() => buildConfig(raw({ maxErrorRate: '2' }))).toThrow(/--max-error-rate/);
    expect(() => buildConfig(raw({ duration: 'soon' }))).toThrow(/not a duration/);
    expect(() => buildConfig(raw({ url: 'http://10.1.2.3' }))).toThrow(/loopback/);
    expect(() => buildConfig(raw({ bucket: '10ms' }))).toThrow(/--bucket/);
  });

  it('reads think-time ranges', () => {
    expect(parseRange('200ms:500ms')).toEqual({ min: 200, max: 500 });
    expect(parseRange('2s')).toEqual({ min: 2000, max: 2000 });
    expect(() => parseRange('5s:1s')).toThrow(/maximum/);
  });
});
