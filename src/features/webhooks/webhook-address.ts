import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may not point (server-side request forgery): this host, private networks,
 * carrier-grade NAT, link-local (cloud metadata services live there), unique-local, benchmarking,
 * IETF-reserved, multicast and broadcast addresses. IPv4-mapped IPv6 forms (`::ffff:127.0.0.1`)
 * are checked against the IPv4 ranges by the block list itself; IPv4-compatible forms
 * (`::127.0.0.1`) fall in `::/96`; NAT64 and 6to4 addresses are checked by the IPv4 address they
 * carry.
 */
const FORBIDDEN_RANGES: readonly (readonly [string, number, 'ipv4' | 'ipv6'])[] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 96, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

/**
 * IPv6 prefixes that carry an IPv4 address, and at which 16-bit group it starts: NAT64 (RFC 6052,
 * RFC 8215) in the last 32 bits, 6to4 (RFC 3056) right after 2002::/16.
 */
const CARRIERS_OF_IPV4: readonly { readonly prefix: BlockList; readonly at: number }[] = [
  { prefix: subnet('64:ff9b::', 96), at: 6 },
  { prefix: subnet('64:ff9b:1::', 48), at: 6 },
  { prefix: subnet('2002::', 16), at: 1 },
];

const FORBIDDEN = new BlockList();
for (const [network, prefix, family] of FORBIDDEN_RANGES) FORBIDDEN.addSubnet(network, prefix, family);

/** Whether an IP address (v4, v6, or v4-mapped v6) is in a forbidden range. Anything that is not an address is. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 4) return FORBIDDEN.check(address, 'ipv4');
  if (FORBIDDEN.check(address, 'ipv6')) return true;
  const carrier = CARRIERS_OF_IPV4.find(({ prefix }) => prefix.check(address, 'ipv6'));
  if (carrier === undefined) return false;
  const groups = ipv6Groups(address);
  const high = groups[carrier.at]!;
  const low = groups[carrier.at + 1]!;
  return FORBIDDEN.check(`${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`, 'ipv4');
}

function subnet(network: string, prefix: number): BlockList {
  const list = new BlockList();
  list.addSubnet(network, prefix, 'ipv6');
  return list;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part counts as two). */
function ipv6Groups(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        });
  const first = parse(head);
  const last = tail === undefined ? [] : parse(tail);
  return [...first, ...Array<number>(8 - first.length - last.length).fill(0), ...last];
}

/** The host of a URL as an address or a name: IPv6 literals without their brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
}

/** What is wrong with a webhook URL's form, or undefined: http(s) only, no credentials in it. */
export function urlFormProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials: deliveries are signed instead';
  if (url.hostname === '') return 'must name a host';
  return undefined;
}

/**
 * What is wrong with where a webhook URL leads, or undefined: every address its host resolves
 * to must be outside the forbidden ranges (a name that resolves to a mix is refused: the
 * forbidden address could be the one connected). Deliveries check the address they connect
 * to again, since a name may resolve differently later.
 */
export async function urlTargetProblem(text: string, allowPrivate: boolean): Promise<string | undefined> {
  const url = new URL(text);
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch {
      return `host ${host} does not resolve`;
    }
  }
  if (allowPrivate) return undefined;
  const forbidden = addresses.find(isForbiddenAddress);
  return forbidden === undefined
    ? undefined
    : `leads to ${forbidden}, a loopback, private, link-local or metadata address; webhooks must reach public addresses`;
}
