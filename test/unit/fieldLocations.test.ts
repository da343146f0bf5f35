import { getLocation, parse, visit } from 'graphql';
import { fieldLocations } from '../../src/server/fieldLocations';

/** Errors of a compiled query point where graphql-js would: each field's line and column. */
describe('Field locations of a query text, in one pass', () => {
  const texts = [
    '{ dossier(code: "A") { code status { code } } }',
    'query L {\n  a: dossier(code: "Hồ sơ\\n") { code }\r\n  b: dossier(code: "B") {\r    code\n  }\n}',
    '\r\n\r\nquery { ...F b: dossiers(codes: ["x", "y"]) { code } }\n\nfragment F on Query {\r\n  dossier(code: "Đ") { procedureName }\n}',
    `{ ${Array.from({ length: 50 }, (_, i) => `d${i}: dossier(code: "C-${i}") {\n code agency { code name }\n}`).join('\r\n')} }`,
  ];

  it.each(texts.map((text, i) => [i, text]))('text %i: as getLocation gives them', (_i, text) => {
    const document = parse(text as string);
    const expected: number[] = [];
    visit(document, {
      Field(node) {
        const at = getLocation(node.loc!.source, node.loc!.start);
        expected.push(at.line, at.column);
      },
    });
    expect(expected.length).toBeGreaterThan(0);
    expect([...fieldLocations(document)]).toEqual(expected);
  });
});
