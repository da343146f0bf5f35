import { ConnectorError } from '../../connectors/ConnectorError';
import { MAX_SYSTEM_WORDS, systemWords } from '../../connectors/shared/bodyErrors';
import { decodeJsonText, pathSegments } from '../../connectors/shared/jsonText';

describe("config.errors: the system's own words in an error message", () => {
  it('keeps Vietnamese text as NFC on one line', () => {
    const decomposed = 'Kho\u0301a he\u0302\u0301t ha\u0323n\r\n\tliên hệ quản trị';
    expect(systemWords(decomposed)).toBe('Khóa hết hạn liên hệ quản trị');
    expect(systemWords(decomposed)).toBe(systemWords(decomposed)?.normalize('NFC'));
  });

  it('masks e-mail addresses and long numbers, keeps short ones', () => {
    expect(systemWords('Gọi 0912345678 hoặc gửi a.nguyen@motcua.gov.vn, mã lỗi 31')).toBe(
      'Gọi *******678 hoặc gửi ***@motcua.gov.vn, mã lỗi 31',
    );
    expect(systemWords('CCCD 038012345678 không hợp lệ')).toBe('CCCD *********678 không hợp lệ');
  });

  it('shortens to MAX_SYSTEM_WORDS characters, and reads only text and numbers', () => {
    const long = 'ư'.repeat(500);
    expect(systemWords(long)).toBe(`${'ư'.repeat(MAX_SYSTEM_WORDS)}…`);
    expect(systemWords(-1)).toBe('-1');
    expect(systemWords({ message: 'x' })).toBeNull();
    expect(systemWords(['x'])).toBeNull();
    expect(systemWords('   ')).toBeNull();
    expect(systemWords(undefined)).toBeNull();
  });
});

describe('jsonText: JSON written as text', () => {
  it('reads paths of names, backquoted names included', () => {
    expect(pathSegments('data')).toEqual(['data']);
    expect(pathSegments('result.`Dữ liệu`.items')).toEqual(['result', 'Dữ liệu', 'items']);
  });

  it('parses in place, through lists, leaving absent and null values, an empty text as null', () => {
    const body = {
      a: '{"x": 1}',
      b: [{ c: '[1, 2]' }, { c: null }, {}],
      d: '  ',
      e: null,
    };
    expect(decodeJsonText(body, ['a', 'b.c', 'd', 'e', 'missing.deeper'], 'w')).toEqual({
      a: { x: 1 },
      b: [{ c: [1, 2] }, { c: null }, {}],
      d: null,
      e: null,
    });
  });

  it('refuses a text longer than the limit, and one that is not JSON, naming the path only', () => {
    const tooLong = () => decodeJsonText({ data: '[1, 2, 3]' }, ['data'], 'w', 5);
    expect(tooLong).toThrow(ConnectorError);
    expect(tooLong).toThrow('w: the JSON text at jsonText path "data" is longer than 5 characters');
    const broken = () => decodeJsonText({ data: '{"HoTen": "Nguyễn' }, ['data'], 'w');
    expect(broken).toThrow('w: the text at jsonText path "data" is not JSON (17 characters)');
    expect(broken).not.toThrow(/Nguyễn/);
  });
});
