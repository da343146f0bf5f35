import {
  parseSoapResponse,
  readXmlConforming,
  readXmlWithFastXmlParser,
} from '../../connectors/soap/parseSoapResponse';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { callLandSoap, LAND_NS } from '../support/landSoap';
import { findCodes } from '../support/sampleCodes';
import { seeded } from '../support/seeded';

/**
 * SOAP answers are read by @rgrove/parse-xml turned into what fast-xml-parser (then simplified) reads, with
 * fast-xml-parser for what that does not cover. The promise: every answer reads exactly as it did
 * with fast-xml-parser alone. Checked over the land system's real answers (every kind it sends)
 * and over documents chosen to differ.
 */
describe('SOAP answers read as fast-xml-parser read them', () => {
  let samples: SampleSystems;
  const NS = LAND_NS;
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 3000, seed: 2025 });
  });
  afterAll(async () => {
    await samples.close();
  });

  const call = (action: string, body: string) =>
    callLandSoap(samples.variables.SAMPLE_LAND_URL as string, action, body);

  it('every kind of answer the land system sends: same reading, by the conforming parser', async () => {
    const codes = findCodes(samples.land.dataset, 400, () => true);
    samples.land.faults.brokenCodes.add(codes[3] as string);
    const answers: string[] = [];
    for (let i = 0; i < codes.length; i += 20) {
      const list = codes
        .slice(i, i + 20)
        .map((code) => `<string>${code}</string>`)
        .join('');
      answers.push(
        await call(
          'TraCuuHoSo',
          `<TraCuuHoSo xmlns="${NS}"><DanhSachMaHoSo>${list}</DanhSachMaHoSo></TraCuuHoSo>`,
        ),
      );
    }
    answers.push(
      await call('LayHoSo', `<LayHoSo xmlns="${NS}"><MaHoSo>${codes[0]}</MaHoSo></LayHoSo>`),
    );
    answers.push(
      await call('LayHoSo', `<LayHoSo xmlns="${NS}"><MaHoSo>nothing</MaHoSo></LayHoSo>`),
    );
    answers.push(
      await call(
        'LayDanhMucThuTuc',
        `<LayDanhMucThuTuc xmlns="${NS}"><TrangSo>1</TrangSo><SoBanGhi>50</SoBanGhi></LayDanhMucThuTuc>`,
      ),
    );
    answers.push(
      await call(
        'LayDanhSachHoSo',
        `<LayDanhSachHoSo xmlns="${NS}"><TuNgay>01/01/2025</TuNgay><DenNgay>31/10/2026</DenNgay><TrangSo>1</TrangSo><SoBanGhi>100</SoBanGhi></LayDanhSachHoSo>`,
      ),
    );
    samples.land.faults.brokenCodes.clear();
    expect(answers.every((answer) => answer.includes('Envelope'))).toBe(true);
    // The listing answered a page of dossiers, not a fault.
    expect(answers.at(-1)).toMatch(/<TongSo>[1-9]\d*<\/TongSo><HoSo>/);
    for (const answer of answers) {
      const conforming = readXmlConforming(answer);
      expect(conforming).not.toBeNull();
      expect(conforming).toEqual(readXmlWithFastXmlParser(answer));
      expect(parseSoapResponse(answer)).toEqual(
        parseSoapResponse(answer, readXmlWithFastXmlParser),
      );
    }
  });

  it.each([
    [
      'namespaces and prefixed attributes',
      '<a xmlns:s="urn:s" xmlns="urn:d" s:x="1"><s:b>t</s:b></a>',
    ],
    ['an element holding only a namespace', '<a><b xmlns="urn:d"/></a>'],
    ['empty and blank elements', '<a><b/><c></c><d>  </d></a>'],
    ['repeated elements with and without attributes', '<a><b x="1">t</b><b>u</b><b x="2"/></a>'],
    ['nil', '<a xmlns:xsi="urn:xsi"><b xsi:nil="true"/><c xsi:nil="1"></c></a>'],
    [
      'nil around children, text and other attributes; nil false',
      '<a xmlns:xsi="urn:xsi"><b xsi:nil="true"><c>1</c></b><d x="1" xsi:nil="1">t</d><e xsi:nil="false"/></a>',
    ],
    ['empty attribute values', '<a><b x=""/><c x="" y="2"><d/></c></a>'],
    [
      'the last attribute named nil decides',
      '<a xmlns:xsi="urn:xsi"><b xsi:nil="true" nil="false"/><c nil="false" xsi:nil="1"/><d xsi:nil="true" nil=""/><e xsi:nil="true" nil="false">text</e></a>',
    ],
    ['CDATA without spaces at its ends', '<a><b><![CDATA[x y]]></b></a>'],
    ['references to letters', '<a>Ti&#7871;ng Vi&#x1EC7;t Nam</a>'],
    [
      'attributes named like namespace declarations',
      '<a xmlns:p="urn:p"><b p:xmlnsX="1"/><c p:xmlnsX="1" y="2"/><d p:xmlnsX="1">t</d></a>',
    ],
    ['CDATA', '<a><![CDATA[<x> & y]]></a>'],
    ['character references', '<a>Ti&#7871;ng &amp; &#x1EBF; &lt;b&gt; &quot;&apos;</a>'],
    ['comments', '<a><!-- c --><b>1</b></a>'],
    ['nested same names', '<a><b><b>1</b></b></a>'],
    ['spaces kept inside, trimmed outside', '<a>  spaced  text </a>'],
    ['Vietnamese text, composed and decomposed', '<a><b>Thanh Hóa</b><c>Thanh Hóa</c></a>'],
  ])('%s: read by the conforming parser, the same', (_name, xml) => {
    const conforming = readXmlConforming(xml);
    expect(conforming).not.toBeNull();
    expect(conforming).toEqual(readXmlWithFastXmlParser(xml));
  });

  it.each([
    ['an HTML entity', '<a>&nbsp;x</a>'],
    ['text mixed with elements', '<a>x<b/>y</a>'],
    ['a processing instruction inside', '<a><?pi x?><b>1</b></a>'],
    ['an attribute with spaces around its value', '<a x=" 1 "/>'],
    ['an attribute with a line break in its value', '<a x="1\n2"/>'],
    ['elements named like object properties', '<a><toString>x</toString><valueOf>1</valueOf></a>'],
    ['text beside CDATA', '<a>Tên: <![CDATA[X]]></a>'],
    ['CDATA with spaces at an end', '<a><b><![CDATA[ ]]></b><c x="1"><![CDATA[ x ]]></c></a>'],
    ['a reference to white space at an end of text', '<a><b>&#10;</b><c>&#x20;x</c></a>'],
    ['a nil attribute beside one with spaces', '<a><b xsi:nil="true" nil="x y"/></a>'],
    ['attribute names of more than one colon', '<a><b a:b:c="1"/></a>'],
    ['element names of more than one colon', '<a><b:c:d>1</b:c:d></a>'],
  ])('%s: left to fast-xml-parser, read as before', (_name, xml) => {
    expect(readXmlConforming(xml)).toBeNull();
    expect(parseSoapResponse(xml)).toEqual(parseSoapResponse(xml, readXmlWithFastXmlParser));
  });

  it('3 000 random documents (prefixes, nil, xmlns-like names, CDATA, comments, references): read the same, or left to fast-xml-parser', () => {
    const { next, pick } = seeded(3);
    const names = ['a', 'b', 'c', 'p:b', 'q:c', 's:Body', 'HoSo', 'nil', 'xmlnsX', 'p:a'];
    const attributes = [
      'x',
      'y',
      'p:x',
      'q:x',
      'xsi:nil',
      'nil',
      'p:nil',
      'xmlns',
      'xmlns:p',
      'p:xmlnsY',
      'id',
    ];
    const values = [
      '',
      '1',
      'true',
      'false',
      '0',
      'a&amp;b',
      '&lt;',
      '&#10;',
      'x y',
      '&#x1EBF;',
      'Hòa',
      ' ',
    ];
    const texts = [
      '',
      ' ',
      't',
      ' t ',
      '\n  ',
      '&amp;',
      '&#7871;',
      '0',
      'x y',
      '<![CDATA[c]]>',
      '<![CDATA[ ]]>',
      '<![CDATA[]]>',
      '<!-- c -->',
      '&#32;',
      'Hòa',
    ];
    const element = (depth: number): string => {
      const name = pick(names);
      const used = new Set<string>();
      let head = `<${name}`;
      const count = next() < 0.5 ? 0 : 1 + Math.floor(next() * 3);
      for (let i = 0; i < count; i += 1) {
        const attribute = pick(attributes);
        if (used.has(attribute)) continue;
        used.add(attribute);
        head += ` ${attribute}="${pick(values)}"`;
      }
      const r = next();
      if (depth <= 0 || r < 0.2) return `${head}/>`;
      if (r < 0.5) return `${head}>${pick(texts)}</${name}>`;
      let inner = '';
      const children = 1 + Math.floor(next() * 4);
      for (let i = 0; i < children; i += 1) {
        inner += element(depth - 1);
        if (next() < 0.2) inner += pick(['\n  ', '<!-- c -->', ' ', '']);
      }
      return `${head}>${inner}</${name}>`;
    };
    let covered = 0;
    for (let i = 0; i < 3000; i += 1) {
      const xml = element(3).replace(
        /^<([A-Za-z:]+)/,
        '<$1 xmlns:p="urn:p" xmlns:q="urn:q" xmlns:xsi="urn:xsi" xmlns:s="urn:s"',
      );
      const conforming = readXmlConforming(xml);
      if (conforming === null) continue;
      covered += 1;
      expect({ xml, read: conforming }).toEqual({ xml, read: readXmlWithFastXmlParser(xml) });
    }
    // Most documents are read by the conforming parser: the comparison is not vacuous.
    expect(covered).toBeGreaterThan(1000);
  });

  it('what is not XML is refused as before', () => {
    for (const text of ['<a><b></a>', 'not xml at all', '<a>', '']) {
      expect(parseSoapResponse(text)).toEqual(parseSoapResponse(text, readXmlWithFastXmlParser));
      expect(parseSoapResponse(text).ok).toBe(false);
    }
  });

  it('a document fast-xml-parser refuses to read (an element named __proto__) is unreadable, not a crash', () => {
    const text = '<a><__proto__>x</__proto__></a>';
    expect(readXmlConforming(text)).toBeNull();
    expect(parseSoapResponse(text)).toMatchObject({
      ok: false,
      unreadable: expect.stringMatching(/cannot be read/),
    });
  });
});
