import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { NetworkPolicy } from '../../src/runtime/NetworkPolicy';
import { sampleRegistrationsWith } from '../support/registrations';
import { findCodes } from '../support/sampleCodes';
import { startTestGateway, takeStats } from '../support/testGateway';

describe('Network policy: which addresses an upstream may have', () => {
  const strict = NetworkPolicy.fromList([]);

  it.each([
    ['169.254.169.254', 'a link-local address (cloud metadata lives at 169.254.169.254)'],
    ['127.0.0.1', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['10.20.30.40', 'a private-network address'],
    ['172.16.0.1', 'a private-network address'],
    ['192.168.1.10', 'a private-network address'],
    ['fd12:3456::1', 'a private-network (unique local) address'],
    ['100.64.0.1', 'a carrier-grade NAT address'],
    ['0.0.0.0', 'an unspecified address'],
  ])('refuses %s (%s)', (address, why) => {
    expect(strict.refuse(address, address)).toBe(
      `${address} is ${why}; an administrator can allow it with UPSTREAM_ALLOW`,
    );
  });

  it('lets public addresses through, and what an administrator allows', () => {
    expect(strict.refuse('203.162.4.191', '203.162.4.191')).toBeNull();
    const allowing = NetworkPolicy.fromList(['10.0.0.0/8', '192.168.1.10', 'lgsp.thanhhoa.gov.vn']);
    expect(allowing.refuse('10.20.30.40', '10.20.30.40')).toBeNull();
    expect(allowing.refuse('192.168.1.10', '192.168.1.10')).toBeNull();
    expect(allowing.refuse('192.168.1.11', '192.168.1.11')).not.toBeNull();
    expect(allowing.refuse('172.16.0.9', 'lgsp.thanhhoa.gov.vn')).toBeNull();
    expect(allowing.refuse('169.254.169.254', '169.254.169.254')).not.toBeNull();
    expect(() => NetworkPolicy.fromList(['not a range/x'])).toThrow();
  });

  it.each([
    // NAT64 (RFC 6052), 6to4 (RFC 3056), IPv4-compatible (RFC 4291 §2.5.5.1) and the SIIT form
    // (RFC 6145): judged by the IPv4 address inside, so the metadata service and loopback stay out.
    [
      '64:ff9b::a9fe:a9fe',
      '169.254.169.254',
      'a link-local address (cloud metadata lives at 169.254.169.254)',
    ],
    ['64:ff9b::7f00:1', '127.0.0.1', 'a loopback address'],
    [
      '2002:a9fe:a9fe::1',
      '169.254.169.254',
      'a link-local address (cloud metadata lives at 169.254.169.254)',
    ],
    ['2002:0a00:0001::', '10.0.0.1', 'a private-network address'],
    ['::7f00:2', '127.0.0.2', 'a loopback address'],
    [
      '::a9fe:a9fe',
      '169.254.169.254',
      'a link-local address (cloud metadata lives at 169.254.169.254)',
    ],
    ['::ffff:0:c0a8:10a', '192.168.1.10', 'a private-network address'],
  ])('judges %s by the IPv4 address inside it (%s)', (address, inside, why) => {
    expect(strict.refuse(address, address)).toBe(
      `${address} embeds ${inside}, which is ${why}; an administrator can allow it with UPSTREAM_ALLOW`,
    );
  });

  it.each([
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'a Teredo address'],
    ['100::1', 'a discard-only address'],
    ['64:ff9b:1::a9fe:a9fe', 'a local-use NAT64 address'],
    ['fec0::1', 'a site-local (private) address'],
  ])('refuses %s outright (%s)', (address, why) => {
    expect(strict.refuse(address, address)).toBe(
      `${address} is ${why}; an administrator can allow it with UPSTREAM_ALLOW`,
    );
  });

  it('lets through the embedding forms of public addresses, and of what an administrator allows', () => {
    // 203.162.4.191 inside NAT64 and 6to4: a public address either way.
    expect(strict.refuse('64:ff9b::cba2:4bf', '64:ff9b::cba2:4bf')).toBeNull();
    expect(strict.refuse('2002:cba2:4bf::1', '2002:cba2:4bf::1')).toBeNull();
    const allowing = NetworkPolicy.fromList(['127.0.0.0/8']);
    expect(allowing.refuse('::7f00:2', '::7f00:2')).toBeNull();
    expect(allowing.refuse('64:ff9b::a9fe:a9fe', 'x')).not.toBeNull();
  });

  it('checks the addresses a name resolves to', async () => {
    expect(await strict.check('localhost')).toBe(
      'localhost resolves to 127.0.0.1, which is a loopback address; an administrator can allow it with UPSTREAM_ALLOW',
    );
    expect(await NetworkPolicy.fromList(['localhost']).check('localhost')).toBeNull();
  });
});

describe('SSRF guard on runtime registrations and at connect time', () => {
  let samples: SampleSystems;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 300, seed: 91 });
  });
  afterAll(async () => {
    await samples.close();
  });

  const document = (baseUrl: string, extra = '') => `id: probe-target
kind: rest-json
name: thử
coverage: { units: [H56.01] }
upstream:
  baseUrl: ${baseUrl}
${extra}config:
  lookup: { single: { path: "/hs/{code}" } }
  mapping: { code: ma, status: tt }
  statuses: { map: { moi: 2 } }
`;

  it('refuses metadata, loopback, private and names resolving to them, writing nothing', async () => {
    const t = await startTestGateway({
      samples,
      env: {
        UPSTREAM_ALLOW: 'lgsp.example',
        CATALOGUE_SYNC_INTERVAL_MS: '0',
        CATALOGUE_STARTUP_WAIT_MS: '0',
      },
    });
    try {
      const cases: Array<[string, string, string]> = [
        [
          'http://169.254.169.254/latest/meta-data',
          '',
          'upstream.baseUrl: 169.254.169.254 is a link-local address',
        ],
        ['http://10.0.0.5:8080', '', 'upstream.baseUrl: 10.0.0.5 is a private-network address'],
        ['http://[::1]:9', '', 'upstream.baseUrl: ::1 is a loopback address'],
        [
          'http://[64:ff9b::a9fe:a9fe]/latest/meta-data',
          '',
          'upstream.baseUrl: 64:ff9b::a9fe:a9fe embeds 169.254.169.254, which is a link-local address',
        ],
        [
          'http://[::7f00:2]:9',
          '',
          'upstream.baseUrl: ::7f00:2 embeds 127.0.0.2, which is a loopback address',
        ],
        [
          'http://localhost:9',
          '',
          'upstream.baseUrl: localhost resolves to 127.0.0.1, which is a loopback address',
        ],
        [
          'https://203.162.4.191',
          '  auth: { type: oauth2ClientCredentials, tokenUrl: "http://192.168.0.1/token", clientId: a, clientSecret: b }\n',
          'upstream.auth.tokenUrl: 192.168.0.1 is a private-network address',
        ],
      ];
      for (const [baseUrl, extra, message] of cases) {
        const answer = await t.query(
          'mutation ($d: String!) { registerConnector(document: $d) { id } }',
          { d: document(baseUrl, extra) },
        );
        expect([message, answer.errors?.[0]?.extensions?.code]).toEqual([
          message,
          'BAD_USER_INPUT',
        ]);
        expect(answer.errors?.[0]?.message).toContain(message);
      }
      const listed = await t.query<{ connectors: Array<{ id: string }> }>('{ connectors { id } }');
      expect(listed.data?.connectors.map((c) => c.id)).not.toContain('probe-target');
    } finally {
      await t.close();
    }
  });

  it('refuses at connect time too: a static registration on a guarded name is never connected to', async () => {
    const port = new URL(samples.provincial.url).port;
    const t = await startTestGateway({
      samples,
      env: {
        // Nothing allowed: the provincial sample system is reached by name (localhost), the others
        // by their loopback address.
        UPSTREAM_ALLOW: '192.0.2.1',
        REGISTRATIONS_DIR: await sampleRegistrationsWith({
          'thanh-hoa-motcua': { 'upstream.baseUrl': `http://localhost:${port}` },
        }),
        CATALOGUE_SYNC_INTERVAL_MS: '0',
      },
    });
    try {
      const [code] = findCodes(samples.provincial.dataset, 1);
      takeStats(samples.provincial);
      const answer = await t.query<{
        dossiers: Array<{ error: { code: string; message: string; retryable: boolean } }>;
      }>('query ($c: [String!]!) { dossiers(codes: $c) { error { code message retryable } } }', {
        c: [code],
      });
      expect(answer.data?.dossiers[0]?.error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
      expect(answer.data?.dossiers[0]?.error.message).toContain(
        'refused by the network policy: localhost resolves to 127.0.0.1, which is a loopback address',
      );
      expect(takeStats(samples.provincial).attempts).toBe(0);
      // A literal loopback address is refused without a lookup, and not retried.
      const [ministryCode] = findCodes(samples.ministry.dataset, 1);
      takeStats(samples.ministry);
      const literal = await t.query<{
        dossiers: Array<{ error: { code: string; message: string; retryable: boolean } }>;
      }>('query ($c: [String!]!) { dossiers(codes: $c) { error { code message retryable } } }', {
        c: [ministryCode],
      });
      expect(literal.data?.dossiers[0]?.error.message).toContain('127.0.0.1 is a loopback address');
      expect(takeStats(samples.ministry).attempts).toBe(0);
    } finally {
      await t.close();
    }
  });
});
