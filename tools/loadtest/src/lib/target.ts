/** True for hosts that stay on this machine: localhost, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    host === '::1' ||
    host === '0:0:0:0:0:0:0:1'
  );
}

/**
 * The base URL a run may target: http(s) only, and loopback unless the operator says
 * `--allow-remote` — a load test pointed at the wrong host is an attack on it.
 */
export function checkTarget(url: string, allowRemote: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`not a URL: "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RangeError(`the target must be http(s), got ${parsed.protocol}`);
  }
  if (!allowRemote && !isLoopbackHost(parsed.hostname)) {
    throw new RangeError(
      `refusing to load ${parsed.host}: not a loopback address (pass --allow-remote to target it on purpose)`,
    );
  }
  return parsed;
}
