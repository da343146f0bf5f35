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

  it('masks phones and identity numbers written in groups, keeps dates and agency codes', () => {
    expect(systemWords('Liên hệ 0912 345 678, 0912.345.678 hoặc 0912-345-678')).toBe(
      'Liên hệ **** *** 678, ****.***.678 hoặc ****-***-678',
    );
    expect(systemWords('CCCD 038 012 345 678 / 038.012.345.678 sai; SĐT +84 912 345 678')).toBe(
      'CCCD *** *** *** 678 / ***.***.***.678 sai; SĐT +** *** *** 678',
    );
    // Fewer than six digits in all: a count, a short code.
    expect(systemWords('Trang 2 cỡ 50, mã 12-345')).toBe('Trang 2 cỡ 50, mã 12-345');
    // Dates, a date and time, an agency code and a dossier code stay readable (the dossier code's
    // six-digit run is masked as any run of six digits is).
    expect(
      systemWords(
        'Hạn 12/03/2025, 2025-03-12 10:00, 12.03.2025; đơn vị 000.00.08.H47, hồ sơ 000.00.08.H47-250312-0007',
      ),
    ).toBe(
      'Hạn 12/03/2025, 2025-03-12 10:00, 12.03.2025; đơn vị 000.00.08.H47, hồ sơ 000.00.08.H47-***312-0007',
    );
    // Not a date (month 25): masked as a number.
    expect(systemWords('Số 12.25.2025')).toBe('Số **.**.*025');
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

  it('reads only the head of a megabyte-long message before any pattern runs on it', () => {
    const word = 'Lỗi hệ thống ';
    const huge = word.repeat(Math.ceil((1024 * 1024) / word.length));
    // Every pattern and normalisation the function runs is refused on more than the bounded head:
    // reading the whole message (the e-mail pattern alone is quadratic) fails here at once.
    const replace = String.prototype.replace;
    const normalize = String.prototype.normalize;
    const bounded = (name: string, length: number) => {
      if (length > 4 * MAX_SYSTEM_WORDS) throw new Error(`${name} ran on ${length} characters`);
    };
    const replaceSpy = jest.spyOn(String.prototype, 'replace').mockImplementation(function (
      this: string,
      ...args: unknown[]
    ) {
      bounded('replace', this.length);
      return (replace as (...a: unknown[]) => string).apply(this, args);
    });
    const normalizeSpy = jest.spyOn(String.prototype, 'normalize').mockImplementation(function (
      this: string,
      form?: string,
    ) {
      bounded('normalize', this.length);
      return normalize.call(this, form);
    });
    let words: string | null;
    try {
      words = systemWords(huge);
    } finally {
      replaceSpy.mockRestore();
      normalizeSpy.mockRestore();
    }
    expect(words).toBe(`${[...huge].slice(0, MAX_SYSTEM_WORDS).join('')}…`);
  });

  it('leaves out whole the word cut at the head, so no part of a number escapes its mask', () => {
    // Spaces that collapse bring the cut word within what is kept.
    const message = `Lỗi${' '.repeat(4 * MAX_SYSTEM_WORDS - 8)}0912345678 và thêm`;
    expect(systemWords(message)).toBe('Lỗi');
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

  it('reads through lists nested 200,000 deep without exhausting the call stack', () => {
    let nested: unknown = { data: '{"MaHoSo": "X"}' };
    for (let depth = 0; depth < 200_000; depth += 1) nested = [nested];
    const body = { items: nested };
    expect(() => decodeJsonText(body, ['items.data'], 'w')).not.toThrow();
    let inner: unknown = body.items;
    while (Array.isArray(inner)) inner = inner[0] as unknown;
    expect(inner).toEqual({ data: { MaHoSo: 'X' } });
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
