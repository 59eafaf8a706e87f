/**
 * Addresses a metadata fetch must never reach (SSRF): the IANA special-purpose registries for IPv4
 * (RFC 6890, RFC 6598 shared/CGNAT space) and IPv6 (RFC 4291, RFC 6052 NAT64, RFC 3056 6to4,
 * RFC 4380 Teredo, RFC 4193 unique local), plus multicast and reserved space.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

// Two lists: node matches IPv4 addresses against IPv6 rules too (as mapped addresses), so one list
// holding ::/96 would refuse every IPv4 address.
const blockedV4 = new BlockList();
const blockedV6 = new BlockList();
const v4: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // shared address space, CGNAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];
const v6: [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  // IPv4-mapped and IPv4-compatible: refused outright rather than parsed, as public hosts do not
  // publish them in AAAA records and each embeds an IPv4 address that could be private.
  ['::ffff:0:0', 96],
  ['::', 96],
  ['64:ff9b::', 96], // NAT64 (embeds an IPv4 address)
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments, Teredo included
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4 (embeds an IPv4 address)
  ['3fff::', 20], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];
for (const [net, prefix] of v4) blockedV4.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of v6) blockedV6.addSubnet(net, prefix, 'ipv6');

/** True when `ip` is not a public unicast address (or is not an IP address at all). */
export function isSpecialUse(ip: string): boolean {
  if (isIPv4(ip)) return blockedV4.check(ip, 'ipv4');
  if (!isIPv6(ip)) return true;
  return blockedV6.check(ip, 'ipv6');
}
