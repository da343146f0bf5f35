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
  // IPv6 ranges that carry no IPv4 address a policy could judge (embedding ones: embeddedIpv4).
  teredo: 'a Teredo address',
  discard: 'a discard-only address',
  deprecatedSiteLocal: 'a site-local (private) address',
};

/** The local-use NAT64 prefix (RFC 8215): where its IPv4 part sits depends on the network. */
const LOCAL_NAT64 = ipaddr.parseCIDR('64:ff9b:1::/48');

/**
 * The IPv4 address an IPv6 address stands for, where it embeds one that a host would reach
 * through it: NAT64's well-known prefix (RFC 6052, `64:ff9b::a9fe:a9fe`), 6to4 (RFC 3056,
 * `2002:a9fe:a9fe::1`), the deprecated IPv4-compatible form (RFC 4291 §2.5.5.1, `::7f00:2`) and
 * SIIT's IPv4-translated form (RFC 6145, `::ffff:0:a9fe:a9fe`). IPv4-mapped addresses
 * (`::ffff:127.0.0.1`) are turned into IPv4 by `ipaddr.process` already.
 */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const parts = address.parts;
  const fromWords = (high: number, low: number) =>
    new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  const last = fromWords(parts[6] as number, parts[7] as number);
  if (address.match(LOCAL_NAT64)) return null;
  switch (address.range()) {
    case 'rfc6052':
    case 'rfc6145':
      return last;
    case '6to4':
      return fromWords(parts[1] as number, parts[2] as number);
    default:
      // ::/96 but not :: and ::1 (unspecified, loopback: judged as themselves).
      return parts.slice(0, 6).every((part) => part === 0) && address.range() === 'unicast'
        ? last
        : null;
  }
}

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
    if (this.allowed(parsed)) return null;
    const subject = `${host}${host === address ? '' : ` resolves to ${address}, which`}`;
    if (parsed.kind() === 'ipv6' && parsed.match(LOCAL_NAT64))
      return `${subject} is a local-use NAT64 address; an administrator can allow it with UPSTREAM_ALLOW`;
    const inside = parsed.kind() === 'ipv6' ? embeddedIpv4(parsed as ipaddr.IPv6) : null;
    if (inside !== null) {
      // Judged as the IPv4 address a NAT64 gateway or 6to4 relay would reach.
      const why = this.guarded(inside);
      return why === null
        ? null
        : `${subject} embeds ${inside.toString()}, which is ${why}; an administrator can allow it with UPSTREAM_ALLOW`;
    }
    const why = this.guarded(parsed);
    return why === null
      ? null
      : `${subject} is ${why}; an administrator can allow it with UPSTREAM_ALLOW`;
  }

  /** Why `address` is guarded (its special range), or null when public or allowed. */
  private guarded(address: ipaddr.IPv4 | ipaddr.IPv6): string | null {
    const why = GUARDED_RANGES[address.range()];
    return why === undefined || this.allowed(address) ? null : why;
  }

  private allowed(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
    return this.ranges.some(
      ([base, bits]) => base.kind() === address.kind() && address.match(base, bits),
    );
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
