import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Address ranges an upstream may not be reached at unless an administrator allows them. */
const GUARDED_RANGES: Record<string, string> = {
  loopback: 'a loopback address',
  linkLocal: 'a link-local address (cloud metadata lives at 169.254.169.254)',
  private: 'a private-network address',
  uniqueLocal: 'a private-network (unique local) address',
  carrierGradeNat: 'a carrier-grade NAT address',
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

/**
 * Which addresses connectors may reach (SSRF guard). Public addresses pass; loopback, link-local
 * (cloud metadata), private and other special ranges are refused unless listed in
 * UPSTREAM_ALLOW (CIDR ranges, addresses or host names; the embedded default lists loopback for
 * its sample systems). Checked when a runtime registration is saved, and again at every connect,
 * on the addresses the name resolves to then, so a name re-pointed afterwards is still refused.
 */
export class NetworkPolicy {
  private constructor(
    private readonly ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>,
    private readonly hosts: ReadonlySet<string>,
    private readonly open: boolean,
  ) {}

  /** From `10.0.0.0/8, 127.0.0.1, lgsp.thanhhoa.gov.vn`; throws on an unreadable entry. */
  static fromList(entries: readonly string[]): NetworkPolicy {
    const ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
    const hosts = new Set<string>();
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (entry === '') continue;
      if (entry.includes('/')) ranges.push(ipaddr.parseCIDR(entry));
      else if (ipaddr.isValid(entry)) {
        const address = ipaddr.parse(entry);
        ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else if (/^[a-z0-9.-]+$/.test(entry)) hosts.add(entry);
      else
        throw new Error(`UPSTREAM_ALLOW: "${raw}" is not a CIDR range, an address or a host name`);
    }
    return new NetworkPolicy(ranges, hosts, false);
  }

  /** No guard at all (unit tests of the HTTP client that talk to nock). */
  static unrestricted(): NetworkPolicy {
    return new NetworkPolicy([], new Set(), true);
  }

  /** Why `address` may not be reached (for host `host`), or null. */
  refuse(address: string, host: string): string | null {
    if (this.open || this.hosts.has(host.toLowerCase())) return null;
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      parsed = ipaddr.process(address);
    } catch {
      return `${address} is not an address`;
    }
    const range = parsed.range();
    const why = GUARDED_RANGES[range];
    if (why === undefined) return null;
    if (
      this.ranges.some(([base, bits]) => base.kind() === parsed.kind() && parsed.match(base, bits))
    )
      return null;
    return `${host}${host === address ? '' : ` resolves to ${address}, which`} is ${why}; an administrator can allow it with UPSTREAM_ALLOW`;
  }

  /** Resolves `host` and checks every address it has (registration time). */
  async check(host: string): Promise<string | null> {
    if (this.open || this.hosts.has(host.toLowerCase())) return null;
    const bare = host.replace(/^\[|\]$/g, '');
    if (isIP(bare) !== 0) return this.refuse(bare, bare);
    const addresses = await new Promise<LookupAddress[]>((resolve) =>
      dnsLookup(bare, { all: true }, (error, found) => resolve(error ? [] : found)),
    );
    if (addresses.length === 0) return `${host} does not resolve`;
    for (const { address } of addresses) {
      const refused = this.refuse(address, bare);
      if (refused !== null) return refused;
    }
    return null;
  }

  /**
   * A `lookup` for http(s) agents: resolves as usual and refuses the connection when any address
   * is guarded — the check at connect time.
   */
  readonly lookup = (
    hostname: string,
    options: { all?: boolean; family?: number },
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      for (const { address } of addresses) {
        const refused = this.refuse(address, hostname);
        if (refused !== null) {
          const blocked: NodeJS.ErrnoException = new Error(
            `upstream refused by the network policy: ${refused}`,
          );
          blocked.code = 'EUPSTREAMBLOCKED';
          return callback(blocked, []);
        }
      }
      if (options.all === true) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}
