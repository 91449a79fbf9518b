import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/**
 * `TRUSTED_PROXIES`: a comma list of CIDRs (or single addresses) of the load balancers in front of
 * the gateway. Only a peer inside one of them may name the client with `X-Forwarded-For`; every
 * other peer is the client itself, whatever it claims. Empty (the default) trusts nobody.
 */
export const TrustedProxiesSchema = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const out: string[] = [];
    for (const raw of (v ?? '').split(',')) {
      const entry = raw.trim();
      if (entry === '') continue;
      const cidr = normaliseCidr(entry);
      if (!cidr) {
        ctx.addIssue({ code: 'custom', message: `${entry} is not an IP address or CIDR` });
        return z.NEVER;
      }
      out.push(cidr);
    }
    return out;
  });

/** `a.b.c.d/n`, `x::y/n` or a bare address (a /32 or /128), or undefined when it is neither. */
export function normaliseCidr(entry: string): string | undefined {
  const [address = '', prefixText, ...rest] = entry.split('/');
  if (rest.length > 0) return undefined;
  const family = isIP(address);
  if (family === 0) return undefined;
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max) return undefined;
  try {
    new BlockList().addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return undefined;
  }
  return `${address}/${prefix}`;
}

/**
 * Fastify's `trustProxy` for these CIDRs: `false` when none (request.ip is the socket's peer),
 * else the list, so request.ip is the address the nearest trusted proxy appended to
 * `X-Forwarded-For` (proxy-addr walks the chain from the socket and stops at the first
 * untrusted hop, so entries an untrusted client wrote itself are never used).
 */
export function trustProxyOption(cidrs: readonly string[]): false | string[] {
  return cidrs.length === 0 ? false : [...cidrs];
}
