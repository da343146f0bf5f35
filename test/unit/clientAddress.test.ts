import type { IncomingMessage } from 'node:http';
import { readConfig } from '../../src/config/readConfig';
import { ClientAddress } from '../../src/server/clientAddress';
import { PROJECT_ROOT } from '../support/testGateway';

const request = (socket: string, forwarded?: string) =>
  ({
    socket: { remoteAddress: socket },
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
  }) as unknown as IncomingMessage;

describe('ClientAddress: who is calling, behind trusted proxies only', () => {
  const behindProxy = new ClientAddress(['10.0.0.0/8', '192.0.2.10']);

  it('reads X-Forwarded-For right to left past trusted proxies', () => {
    expect(behindProxy.of(request('10.0.0.5', '203.0.113.9, 10.0.0.7'))).toBe('203.0.113.9');
    expect(behindProxy.of(request('::ffff:10.0.0.5', '203.0.113.9'))).toBe('203.0.113.9');
    expect(behindProxy.of(request('192.0.2.10', '198.51.100.4'))).toBe('198.51.100.4');
    // A client that forges a first hop gains nothing: the proxy appended the real one.
    expect(behindProxy.of(request('10.0.0.5', '1.1.1.1, 203.0.113.9'))).toBe('203.0.113.9');
  });

  it('ignores the header from anyone else, and garbage in it', () => {
    expect(behindProxy.of(request('198.51.100.1', '1.2.3.4'))).toBe('198.51.100.1');
    expect(behindProxy.of(request('10.0.0.5', 'not-an-address'))).toBe('10.0.0.5');
    expect(behindProxy.of(request('10.0.0.5'))).toBe('10.0.0.5');
    expect(new ClientAddress([]).of(request('10.0.0.5', '203.0.113.9'))).toBe('10.0.0.5');
  });

  it('is configured with TRUSTED_PROXIES, refusing what is not an address or a range', () => {
    expect(
      readConfig({ TRUSTED_PROXIES: '172.16.0.0/12, ::1' }, PROJECT_ROOT).trustedProxies,
    ).toEqual(['172.16.0.0/12', '::1']);
    expect(() => readConfig({ TRUSTED_PROXIES: 'proxy.local' }, PROJECT_ROOT)).toThrow(
      /TRUSTED_PROXIES: "proxy.local" is neither an address nor a CIDR range/,
    );
  });
});
