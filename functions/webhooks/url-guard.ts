import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { DomainError } from '../../domain/errors.js';
import type { UrlGuard } from '../../domain/webhooks/webhook-ports.js';

/** Where a webhook may go. Locally a developer's receiver on loopback is allowed (WEBHOOKS_ALLOW_LOOPBACK). */
export type UrlPolicy = { allowLoopback: boolean };

export type Resolved = { address: string; family: 4 | 6 };

/** Resolves a host name to every address it has (a port: tests play DNS answers, rebinding included). */
export type Resolver = (host: string) => Promise<Resolved[]>;

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));

/**
 * Cloud metadata services at addresses the range check would let through (Azure's wire server is
 * public address space; the others are link-local or CGNAT already, listed so the reason says so).
 */
const METADATA_ADDRESSES = new Set([
  '169.254.169.254',
  '169.254.170.2',
  '168.63.129.16',
  '100.100.100.200',
  'fd00:ec2::254',
]);
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/** Why a URL is refused, as the 422 and the delivery log say it. */
export class UrlRefused extends Error {}

/**
 * The class of an address, after unwrapping an IPv4 address carried in IPv6 (`::ffff:10.0.0.1`).
 * Only `unicast` (public) is allowed, and `loopback` where the policy allows it; every other
 * range ipaddr.js names (private, uniqueLocal, linkLocal, carrierGradeNat, multicast, reserved,
 * 6to4/teredo/NAT64 that embed an IPv4 address, …) is refused.
 */
function classify(address: string): { parsed: ipaddr.IPv4 | ipaddr.IPv6; range: string } {
  const parsed = ipaddr.process(address);
  return { parsed, range: parsed.range() };
}

function refuseAddress(address: string, policy: UrlPolicy): string | null {
  const { parsed, range } = classify(address);
  const normal = parsed.toString();
  if (METADATA_ADDRESSES.has(normal)) return `${address} is a cloud metadata address`;
  if (range === 'unicast') return null;
  if (range === 'loopback') return policy.allowLoopback ? null : `${address} is a loopback address`;
  const names: Record<string, string> = {
    private: 'a private (RFC 1918) address',
    uniqueLocal: 'a private (unique local) address',
    linkLocal: 'a link-local address',
    carrierGradeNat: 'a carrier-grade NAT address',
    multicast: 'a multicast address',
    broadcast: 'a broadcast address',
    unspecified: 'an unspecified address',
  };
  return `${address} is ${names[range] ?? `a reserved address (${range})`}`;
}

/**
 * Checks a URL and returns it with the addresses a request may connect to. Every address the
 * host resolves to must pass (one private answer among public ones is refused: a later lookup
 * could pick it). https only; http only to loopback, where loopback is allowed.
 */
export async function vetUrl(
  raw: string,
  policy: UrlPolicy,
  resolve: Resolver = systemResolver,
): Promise<{ url: URL; addresses: Resolved[] }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlRefused('is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UrlRefused('must be an https:// URL');
  if (url.username || url.password) throw new UrlRefused('must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (METADATA_HOSTS.has(host)) throw new UrlRefused(`${host} is a cloud metadata host`);
  let addresses: Resolved[];
  if (ipaddr.isValid(host)) addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new UrlRefused(`${host} does not resolve`);
    }
    if (addresses.length === 0) throw new UrlRefused(`${host} does not resolve`);
  }
  for (const a of addresses) {
    if (!ipaddr.isValid(a.address)) throw new UrlRefused(`${host} resolves to ${a.address}, not an address`);
    const why = refuseAddress(a.address, policy);
    if (why) throw new UrlRefused(host === a.address ? `must not point at ${why}` : `${host} resolves to ${why}`);
  }
  if (url.protocol === 'http:') {
    const loopback = addresses.every((a) => classify(a.address).range === 'loopback');
    if (!(policy.allowLoopback && loopback)) throw new UrlRefused('must be an https:// URL');
  }
  return { url, addresses };
}

/** The guard at endpoint creation and URL change: a refused URL is a 422 naming `url`. */
export function urlGuard(policy: UrlPolicy, resolve: Resolver = systemResolver): UrlGuard {
  return {
    async check(url) {
      try {
        await vetUrl(url, policy, resolve);
      } catch (e) {
        if (!(e instanceof UrlRefused)) throw e;
        throw new DomainError('validation', `The webhook URL ${e.message}`, [{ path: 'url', message: e.message }]);
      }
    },
  };
}
