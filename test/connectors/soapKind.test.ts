import { NetworkPolicy } from '../../src/runtime/NetworkPolicy';
import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import nock from 'nock';
import { soapKind } from '../../connectors/soap/soapKind';
import { parseSoapResponse } from '../../connectors/soap/parseSoapResponse';
import { createUpstreamHttp } from '../../src/runtime/createUpstreamHttp';
import { createTestLogger } from '../support/testLogger';

const CODE = '000.17.22.H56-240105-0007';
const parser = new XMLParser({
  removeNSPrefix: true,
  parseTagValue: false,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
});

function connector(config: Record<string, unknown>) {
  const parsed = soapKind.configSchema.parse({
    lookup: {
      single: {
        action: 'http://motcua.test/LayHoSo',
        body: '<LayHoSo xmlns="http://motcua.test/"><MaHoSo>{{code}}</MaHoSo></LayHoSo>',
        record: 'LayHoSoResponse.HoSo',
      },
    },
    mapping: {
      code: 'MaHoSo',
      status: 'TrangThai',
      procedureCode: 'MaTTHC',
      summary: 'TrichYeu',
      dueAt: 'NgayHen',
    },
    statuses: { map: { '9': 9 }, lossy: { 9: [5, 6, 8] } },
    ...config,
  });
  return soapKind.create(parsed, {
    connectorId: 'tinh-soap',
    http: createUpstreamHttp({
      network: NetworkPolicy.unrestricted(),
      connectorId: 'tinh-soap',
      baseUrl: 'http://lgsp.test/ws/MotCua.asmx',
      timeoutMs: 2000,
      auth: { type: 'basic', username: 'gw', password: 'pw' },
      maxResponseBytes: 1 << 20,
      now: Date.now,
    }),
    logger: createTestLogger(),
    clock: { now: () => new Date('2026-11-26T01:00:00Z') },
  });
}
const call = () => ({ signal: new AbortController().signal, requestId: 'req-1' });
const envelope11 = (body: string) =>
  `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body}</soap:Body></soap:Envelope>`;

describe('SOAP kind: what goes out and what comes back', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => nock.cleanAll());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it('SOAP 1.1: POSTs to the base URL itself with SOAPAction, basic auth and an escaped body; keeps codes as strings', async () => {
    let sent = '';
    nock('http://lgsp.test', {
      reqheaders: {
        soapaction: '"http://motcua.test/LayHoSo"',
        'content-type': 'text/xml; charset=utf-8',
        authorization: `Basic ${Buffer.from('gw:pw').toString('base64')}`,
      },
    })
      .post('/ws/MotCua.asmx', (body: string) => ((sent = body), true))
      .reply(
        200,
        envelope11(
          `<LayHoSoResponse xmlns="http://motcua.test/"><HoSo><MaHoSo>${CODE}</MaHoSo><TrangThai>9</TrangThai><MaTTHC>2.001610</MaTTHC><TrichYeu>Cấp phép &amp; xây dựng</TrichYeu><NgayHen xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></HoSo></LayHoSoResponse>`,
        ),
      );
    const [dossier] = await connector({}).getDossiers([CODE], call());
    expect(parser.parse(sent).Envelope.Body.LayHoSo.MaHoSo).toBe(CODE);
    expect(dossier).toMatchObject({
      code: CODE,
      procedureCode: '2.001610',
      summary: 'Cấp phép & xây dựng',
      dueAt: null,
      status: { code: 9, lossy: true, mayBe: [5, 6, 8, 9] },
    });
  });

  it('escapes a hostile value in the template', async () => {
    let sent = '';
    nock('http://lgsp.test')
      .post('/ws/MotCua.asmx', (body: string) => ((sent = body), true))
      .reply(200, envelope11('<LayHoSoResponse/>'));
    await connector({
      lookup: {
        single: { action: 'a', body: '<X><C>{{code}}</C></X>', record: 'LayHoSoResponse.HoSo' },
      },
    }).getDossiers(['</C><Inject/>'], call());
    expect(sent).toContain('<C>&lt;/C&gt;&lt;Inject/&gt;</C>');
  });

  it('SOAP 1.2: the action in the content type, and a WS-Security UsernameToken digest that checks', async () => {
    let sent = '';
    nock('http://lgsp.test', {
      reqheaders: {
        'content-type': 'application/soap+xml; charset=utf-8; action="http://motcua.test/LayHoSo"',
      },
    })
      .post('/ws/MotCua.asmx', (body: string) => ((sent = body), true))
      .reply(
        200,
        `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><LayHoSoResponse/></env:Body></env:Envelope>`,
      );
    await connector({
      soapVersion: '1.2',
      wsSecurity: { username: 'canbo', password: 'mat-khau', passwordType: 'PasswordDigest' },
    }).getDossiers([CODE], call());
    const token = parser.parse(sent).Envelope.Header.Security.UsernameToken;
    expect(token.Username).toBe('canbo');
    expect(token.Created).toBe('2026-11-26T01:00:00.000Z');
    const expected = createHash('sha1')
      .update(
        Buffer.concat([
          Buffer.from(token.Nonce['#text'], 'base64'),
          Buffer.from(`${token.Created}mat-khau`),
        ]),
      )
      .digest('base64');
    expect(token.Password['#text']).toBe(expected);
    expect(token.Password['@_Type']).toMatch(/#PasswordDigest$/);
    expect(sent).not.toContain('mat-khau');
  });

  it('maps a Server fault to a retryable UPSTREAM_UNAVAILABLE without copying its text', async () => {
    nock('http://lgsp.test')
      .post('/ws/MotCua.asmx')
      .reply(
        500,
        envelope11(
          '<soap:Fault><faultcode>soap:Server</faultcode><faultstring>Lỗi khi đọc hồ sơ của Nguyễn Văn A</faultstring></soap:Fault>',
        ),
      );
    const [result] = await connector({}).getDossiers([CODE], call());
    expect(result).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: true,
      message: 'tinh-soap lookup: SOAP fault Server',
    });
  });

  it('maps a declared not-found fault to "no such dossier"', async () => {
    nock('http://lgsp.test')
      .post('/ws/MotCua.asmx')
      .reply(
        500,
        envelope11(
          '<soap:Fault><faultcode>soap:Client.HoSoKhongTonTai</faultcode><faultstring>x</faultstring></soap:Fault>',
        ),
      );
    expect(
      await connector({ faults: { notFoundCodes: ['Client.HoSoKhongTonTai'] } }).getDossiers(
        [CODE],
        call(),
      ),
    ).toEqual([null]);
  });

  it('refuses a DTD (no entity expansion) and answers it as UPSTREAM_BAD_RESPONSE', () => {
    expect(
      parseSoapResponse('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'),
    ).toEqual({ ok: false, unreadable: 'the answer carries a DTD, which SOAP forbids' });
  });

  it('decodes numeric character references, reads xsi:nil="1" as null, and takes DOCTYPE words in CDATA as text', async () => {
    nock('http://lgsp.test')
      .post('/ws/MotCua.asmx')
      .reply(
        200,
        envelope11(
          `<LayHoSoResponse><HoSo><MaHoSo>${CODE}</MaHoSo><TrangThai>9</TrangThai><MaTTHC>1.001</MaTTHC><TrichYeu><![CDATA[Ti&#7871;ng <!DOCTYPE>]]></TrichYeu><NgayHen xsi:nil="1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></HoSo></LayHoSoResponse>`,
        ).replace('<MaTTHC>1.001</MaTTHC>', '<MaTTHC>Ti&#7871;ng Vi&#x1EC7;t</MaTTHC>'),
      );
    const [dossier] = await connector({}).getDossiers([CODE], call());
    expect(dossier).toMatchObject({
      procedureCode: 'Tiếng Việt',
      summary: 'Ti&#7871;ng <!DOCTYPE>',
      dueAt: null,
    });
  });

  it('treats a dotted Server fault as retryable', async () => {
    nock('http://lgsp.test')
      .post('/ws/MotCua.asmx')
      .reply(
        500,
        envelope11(
          '<soap:Fault><faultcode>soap:Server.Busy</faultcode><faultstring>busy</faultstring></soap:Fault>',
        ),
      );
    const [result] = await connector({}).getDossiers([CODE], call());
    expect(result).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
  });

  it('asks one by one when a bulk call faults "not found" for the whole batch', async () => {
    const other = '000.17.22.H56-240105-0008';
    const notFound = envelope11(
      '<soap:Fault><faultcode>soap:Client</faultcode><faultstring>x</faultstring><detail><MaLoi>HOSO_KHONG_TON_TAI</MaLoi></detail></soap:Fault>',
    );
    nock('http://lgsp.test')
      .post('/ws/MotCua.asmx', (body: string) => body.includes('<TraCuu>'))
      .reply(500, notFound)
      .post('/ws/MotCua.asmx', (body: string) =>
        body.includes(`<LayHoSo xmlns="http://motcua.test/"><MaHoSo>${CODE}</MaHoSo>`),
      )
      .reply(
        200,
        envelope11(
          `<LayHoSoResponse><HoSo><MaHoSo>${CODE}</MaHoSo><TrangThai>9</TrangThai></HoSo></LayHoSoResponse>`,
        ),
      )
      .post(
        '/ws/MotCua.asmx',
        (body: string) => body.includes(`<MaHoSo>${other}</MaHoSo>`) && !body.includes('<TraCuu>'),
      )
      .reply(500, notFound);
    const both = connector({
      lookup: {
        bulk: {
          action: 'b',
          body: '<TraCuu>{{#codes}}<Ma>{{.}}</Ma>{{/codes}}</TraCuu>',
          records: 'TraCuuResponse.HoSo',
        },
        single: {
          action: 'http://motcua.test/LayHoSo',
          body: '<LayHoSo xmlns="http://motcua.test/"><MaHoSo>{{code}}</MaHoSo></LayHoSo>',
          record: 'LayHoSoResponse.HoSo',
        },
      },
      faults: { notFoundWhen: 'detail.MaLoi = "HOSO_KHONG_TON_TAI"' },
    });
    const results = await both.getDossiers([CODE, other], call());
    expect(results.map((r) => (r === null ? null : (r as { code: string }).code))).toEqual([
      CODE,
      null,
    ]);
  });

  it('changed since: sends the instant in sinceFormat (Vietnam time), pages like the listing, maps listed records', async () => {
    const sent: string[] = [];
    const record = (n: number) =>
      `<HoSo><MaHoSo>000.17.22.H56-261126-000${n}</MaHoSo><TrangThai>9</TrangThai><MaTTHC>2.001610</MaTTHC><TrichYeu>Hồ sơ ${n}</TrichYeu></HoSo>`;
    nock('http://lgsp.test', { reqheaders: { soapaction: '"http://motcua.test/LayHoSoThayDoi"' } })
      .post('/ws/MotCua.asmx', (body: string) => (sent.push(body), true))
      .reply(
        200,
        envelope11(
          `<LayHoSoThayDoiResponse xmlns="http://motcua.test/">${record(1)}${record(2)}</LayHoSoThayDoiResponse>`,
        ),
      )
      .post('/ws/MotCua.asmx', (body: string) => (sent.push(body), true))
      .reply(
        200,
        envelope11(
          `<LayHoSoThayDoiResponse xmlns="http://motcua.test/">${record(3)}</LayHoSoThayDoiResponse>`,
        ),
      );
    const soap = connector({
      changedSince: {
        action: 'http://motcua.test/LayHoSoThayDoi',
        body: '<LayHoSoThayDoi xmlns="http://motcua.test/"><TuThoiDiem>{{since}}</TuThoiDiem><TrangSo>{{page}}</TrangSo><SoBanGhi>{{size}}</SoBanGhi></LayHoSoThayDoi>',
        sinceFormat: 'dd/MM/yyyy HH:mm:ss',
        records: 'LayHoSoThayDoiResponse.HoSo',
        pagination: { type: 'page', size: 2 },
      },
    });
    expect(soap.capabilities.changedSince).toBe(true);
    // 01:00 UTC is 08:00 in Vietnam.
    const first = await soap.listChangedSince?.('2026-11-26T01:00:00Z', null, call());
    expect(first?.dossiers.map((d) => [d.code, d.status.code])).toEqual([
      ['000.17.22.H56-261126-0001', 9],
      ['000.17.22.H56-261126-0002', 9],
    ]);
    const second = await soap.listChangedSince?.(
      '2026-11-26T01:00:00Z',
      first?.next ?? null,
      call(),
    );
    expect(second).toMatchObject({ next: null, unreadable: 0 });
    expect(second?.dossiers.map((d) => d.code)).toEqual(['000.17.22.H56-261126-0003']);
    const asked = sent.map((body) => parser.parse(body).Envelope.Body.LayHoSoThayDoi);
    expect(asked).toEqual([
      expect.objectContaining({ TuThoiDiem: '26/11/2026 08:00:00', TrangSo: '1', SoBanGhi: '2' }),
      expect.objectContaining({ TuThoiDiem: '26/11/2026 08:00:00', TrangSo: '2', SoBanGhi: '2' }),
    ]);
  });

  it('refuses a changed-since operation that never sends {{since}}, and a connector without one says so', () => {
    const parsed = soapKind.configSchema.safeParse({
      lookup: { single: { action: 'a', body: '<X>{{code}}</X>', record: 'r' } },
      mapping: { code: 'a', status: 'b' },
      statuses: { map: {} },
      changedSince: {
        action: 'b',
        body: '<Y><TrangSo>{{page}}</TrangSo></Y>',
        records: 'r',
        pagination: { type: 'page' },
      },
    });
    expect(
      parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    ).toEqual([
      'changedSince: the changedSince request never sends the instant ({{since}}): send it where the system reads "changed since"',
    ]);
    expect(connector({}).capabilities.changedSince).toBe(false);
  });

  it('refuses templates that skip escaping, and legacy-text fields that do not exist', () => {
    const parsed = soapKind.configSchema.safeParse({
      lookup: { single: { action: 'a', body: '<X>{{{code}}}</X>', record: 'r' } },
      mapping: { code: 'a', status: 'b' },
      statuses: { map: {} },
      legacyText: { encoding: 'tcvn3', fields: ['sumary'] },
    });
    expect(parsed.success).toBe(false);
    const messages = parsed.error?.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    expect(messages).toEqual([
      'lookup.single.body: unescaped values ({{{…}}} or {{& …}}) are not allowed; use {{…}}',
      expect.stringMatching(/^legacyText\.fields\.0: one of the free-text fields: procedureName, /),
    ]);
  });
});
