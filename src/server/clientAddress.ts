import ipaddr from 'ipaddr.js';
import type { IncomingMessage } from 'node:http';

/**
 * Who is calling, for per-address limits (anonymous rate limit, WebSocket connections per
 * address). Behind a proxy every request comes from the proxy's address, so when the connection
 * comes from a trusted proxy (TRUSTED_PROXIES: CIDR ranges or addresses) the client is read from
 * X-Forwarded-For, right to left, skipping trusted proxies; the header is ignored from anyone else
 * (a client cannot pick its own address).
 */
export class ClientAddress {
  private readonly ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>;

  constructor(trusted: readonly string[]) {
    this.ranges = trusted.map((entry) =>
      entry.includes('/')
        ? ipaddr.parseCIDR(entry)
        : ((parsed) => [parsed, parsed.kind() === 'ipv4' ? 32 : 128] as [typeof parsed, number])(
            ipaddr.parse(entry),
          ),
    );
  }

  /** The first entry that is neither an address nor a CIDR range, described; null when all are. */
  static check(entries: readonly string[]): string | null {
    for (const entry of entries) {
      try {
        if (entry.includes('/')) ipaddr.parseCIDR(entry);
        else ipaddr.parse(entry);
      } catch {
        return `"${entry}" is neither an address nor a CIDR range`;
      }
    }
    return null;
  }

  of(request: IncomingMessage): string {
    const socket = request.socket.remoteAddress ?? 'unknown';
    if (this.ranges.length === 0 || !this.trusted(socket)) return socket;
    const header = request.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((hop) => hop.trim())
      .filter(Boolean);
    for (let index = hops.length - 1; index >= 0; index -= 1) {
      const hop = hops[index] as string;
      if (!ipaddr.isValid(hop)) return socket;
      if (!this.trusted(hop)) return hop;
    }
    return hops[0] ?? socket;
  }

  private trusted(address: string): boolean {
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      // IPv4-mapped IPv6 (::ffff:10.0.0.2) is read as IPv4.
      parsed = ipaddr.process(address);
    } catch {
      return false;
    }
    return this.ranges.some(
      ([range, bits]) => parsed.kind() === range.kind() && parsed.match(range as never, bits),
    );
  }
}
