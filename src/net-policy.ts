import { createHash, timingSafeEqual } from 'node:crypto';
import net from 'node:net';

/** A client-address check from CIDR blocks; IPv4-mapped IPv6 addresses count as IPv4. */
export function allowList(cidrs: readonly string[]): (address: string | undefined) => boolean {
  const list = new net.BlockList();
  for (const entry of cidrs) {
    const [address = '', prefix] = entry.split('/');
    const type = net.isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (address) => {
    if (!address) return false;
    const plain = address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
    return list.check(plain, net.isIPv6(plain) ? 'ipv6' : 'ipv4');
  };
}

/** True when `given` equals `expected`, in time that does not depend on where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
