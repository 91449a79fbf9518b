// Locks in that credentials put in a URL never reach the logs verbatim: query parameters such
// as token, key, secret, apiKey, agentSecret and the agent endpoints' key segments are
// redacted in every request line the gateway logs (captured from its pino destination).
import { useGateway } from './support/fixture';
import { LogCapture } from './support/log-capture';

describe('log redaction', () => {
  const logs = new LogCapture();
  const f = useGateway({ LOG_LEVEL: 'info' }, { agents: false, logStream: logs });

  it('logs no query-string or path credential', async () => {
    const secrets = Array.from({ length: 8 }, (_, i) => `s3cr3t-value-${i}-${process.pid}`);
    const urls = [
      `/api/leaderboard?token=${secrets[0]}&limit=5`,
      `/health?key=${secrets[1]}`,
      `/api/threads?secret=${secrets[2]}`,
      `/api/auth/nonce?agentSecret=${secrets[3]}`,
      `/sse/v1/devmode/app/${secrets[4]}/pool-0/sse?agentId=agent-a&apiKey=${secrets[5]}`,
      `/mcp/v1/${secrets[6]}/sse/`,
      `/api/threads?access_token=${secrets[7]}`,
    ];
    for (const [i, url] of urls.entries()) {
      const id = `redaction-${i}`;
      await fetch(`${f.gw.url}${url}`, { headers: { 'x-request-id': id } }).then((r) => r.text());
      await logs.waitFor((l) => l.reqId === id && l.msg === 'request completed');
    }
    const incoming = logs.lines.filter((l) => l.msg === 'incoming request');
    expect(incoming.length).toBeGreaterThanOrEqual(urls.length);
    for (const s of secrets) expect(logs.raw.join('\n')).not.toContain(s);
    // What is not a credential is still logged, so a request can be followed.
    const leaderboard = incoming.find((l) =>
      String((l.req as { url?: string })?.url).startsWith('/api/leaderboard'),
    );
    expect((leaderboard?.req as { url: string }).url).toBe(
      '/api/leaderboard?token=[redacted]&limit=5',
    );
  });
});
