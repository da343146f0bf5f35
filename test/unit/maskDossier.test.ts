import type { NationalDossier } from '../../connectors/model';
import {
  keepDigits,
  maskAddress,
  maskDossier,
  maskEmail,
  maskName,
} from '../../src/services/dossiers/maskDossier';
import { seeded } from '../support/seeded';

/** The masking as first written (arrays of code points), the reference for the rewritten one. */
const reference = {
  maskName(name: string): string {
    const words = name.split(/\s+/).filter(Boolean);
    return words
      .map((word, index) => {
        const letters = [...word];
        if (index === 0 && words.length > 1) return word;
        return (letters[0] ?? '') + '*'.repeat(letters.length - 1);
      })
      .join(' ');
  },
  // Digits of any script (since full-width and Arabic-Indic digits were found shown unmasked).
  keepDigits(value: string, head: number, tail: number): string {
    const digit = (c: string) => /^\p{Nd}$/u.test(c);
    const total = [...value].filter(digit).length;
    let seen = 0;
    return [...value]
      .map((c) => {
        if (!digit(c)) return c;
        seen += 1;
        return seen <= head || seen > total - tail ? c : '*';
      })
      .join('');
  },
  maskEmail(email: string): string {
    const at = email.lastIndexOf('@');
    if (at <= 0) return '***';
    return `${[...email][0]}***${email.slice(at)}`;
  },
  maskAddress(address: string): string {
    const parts = address
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    if (parts.length <= 2) return '***';
    return ['***', ...parts.slice(-2)].join(', ');
  },
};

describe('Masking: personal data is masked by default (docs/MASKING.md)', () => {
  it('keeps the family name and initials, one star per letter', () => {
    expect(maskName('Nguyễn Việt Anh')).toBe('Nguyễn V*** A**');
    expect(maskName('Lý  Hoa')).toBe('Lý H**');
    expect(maskName('Đạt')).toBe('Đ**');
  });

  it('masks every code point of a decomposed name, leaking no letter', () => {
    // NFD "Thị" is T, h, i, combining dot below: four code points, three stars after the T.
    expect(maskName('Trần Thị Hương'.normalize('NFD'))).toBe(
      `${'Trần'.normalize('NFD')} T*** H${'*'.repeat([...'ương'.normalize('NFD')].length)}`,
    );
  });

  it('keeps the first two and last two digits of a phone number', () => {
    expect(keepDigits('0912345612', 2, 2)).toBe('09******12');
    expect(keepDigits('+84 912 345 612', 2, 2)).toBe('+84 *** *** *12');
  });

  it('masks digits of any script: full-width, Arabic-Indic, beyond the BMP', () => {
    expect(keepDigits('０９１２３４５６１２', 2, 2)).toBe('０９******１２');
    expect(keepDigits('٠٩١٢٣٤٥٦١٢', 2, 2)).toBe('٠٩******١٢');
    expect(keepDigits('09１２３4５6１2', 2, 2)).toBe('09******12'.replace('12', '１2'));
    expect(keepDigits('𝟎𝟗𝟏𝟐𝟑𝟒', 0, 3)).toBe('***𝟐𝟑𝟒');
  });

  it('keeps the last three digits of an ID number', () => {
    expect(keepDigits('038012345678', 0, 3)).toBe('*********678');
  });

  it('keeps the first character and the domain of an email', () => {
    expect(maskEmail('nguyenvana@gmail.com')).toBe('n***@gmail.com');
    expect(maskEmail('broken')).toBe('***');
  });

  it('keeps only the commune or ward and the province of an address', () => {
    expect(maskAddress('Số 12, đường Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa')).toBe(
      '***, phường Hạc Thành, tỉnh Thanh Hóa',
    );
    expect(maskAddress('thôn 3, xã Quảng Hòa')).toBe('***');
  });
});

describe('Masking: a whole dossier', () => {
  const dossier = (type: 1 | 2 | null): NationalDossier => ({
    code: 'X-1',
    procedureCode: '1.000894',
    procedureName: 'Đăng ký khai sinh',
    fieldCode: null,
    fieldName: null,
    agencyCode: null,
    agencyName: null,
    channel: null,
    applicant: {
      name: type === 2 ? 'CÔNG TY TNHH SÔNG MÃ' : 'Nguyễn Việt Anh',
      type,
      ids: [{ type: '1', number: '038012345678' }],
      phone: '0912345612',
      email: 'anh@gmail.com',
      address: 'Số 1, phố Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa',
    },
    summary: 'Đăng ký khai sinh cho cháu Nguyễn Việt Bình',
    files: [{ name: 'CCCD_NguyenVietAnh.pdf', url: 'https://x/tep/1.pdf' }],
    receivedAt: '2025-03-14T08:30:00+07:00',
    dueAt: null,
    finishedAt: null,
    returnedAt: null,
    status: { code: 10, raw: '10', lossy: false, mayBe: [] },
    history: [
      {
        at: null,
        actor: 'Lê Thị Hồng',
        actorTitle: null,
        department: null,
        content: 'Tiếp nhận',
        status: null,
        startedAt: null,
        dueAt: null,
      },
    ],
    fees: [],
    results: [
      { name: 'Giấy khai sinh', number: '12/2025', issuedAt: null, url: 'https://x/kq/1.pdf' },
    ],
    supplements: [],
    interAgency: { reference: null, parts: [] },
    warnings: [],
  });

  it("masks a citizen's data, drops the summary and links, keeps the rest", () => {
    const masked = maskDossier(dossier(1));
    expect(masked.applicant).toEqual({
      name: 'Nguyễn V*** A**',
      type: 1,
      ids: [{ type: '1', number: '*********678' }],
      phone: '09******12',
      email: 'a***@gmail.com',
      address: '***, phường Hạc Thành, tỉnh Thanh Hóa',
    });
    expect(masked.summary).toBeNull();
    expect(masked.files).toEqual([{ name: null, url: null }]);
    expect(masked.results).toEqual([
      { name: 'Giấy khai sinh', number: '12/2025', issuedAt: null, url: null },
    ]);
    expect(masked.history[0]?.actor).toBe('Lê Thị Hồng');
    expect(JSON.stringify(masked)).not.toMatch(
      /Việt Anh|Việt Bình|0912345612|038012345678|anh@|Số 1|NguyenVietAnh/,
    );
  });

  it("shows an enterprise's name, masks a name of unknown type", () => {
    expect(maskDossier(dossier(2)).applicant.name).toBe('CÔNG TY TNHH SÔNG MÃ');
    expect(maskDossier(dossier(null)).applicant.name).toBe('Nguyễn V*** A**');
  });

  it('masks 20 000 random texts exactly as the first, array-based masking did (addresses as split by commas)', () => {
    const { next, pick } = seeded(11);
    const pieces = [
      'Nguyễn',
      'Thị',
      'Hương'.normalize('NFD'),
      'Đạt',
      'A',
      ' ',
      '  ',
      '\t',
      '\u00a0',
      '0',
      '9',
      '12',
      '+84',
      '-',
      '.',
      '@',
      'gmail.com',
      '\ud83d\ude00',
      '𝟗',
      '٩',
      '９',
      '\ud83d',
      '\ude00',
      '𝔸',
      '٣',
      '０',
      ',',
      ', ',
      ' ,',
      'phường Hạc Thành',
      '',
    ];
    for (let i = 0; i < 20_000; i += 1) {
      let text = '';
      const count = Math.floor(next() * 8);
      for (let j = 0; j < count; j += 1) text += pick(pieces);
      const head = Math.floor(next() * 4);
      const tail = Math.floor(next() * 4);
      expect([text, maskName(text)]).toEqual([text, reference.maskName(text)]);
      expect([text, keepDigits(text, head, tail)]).toEqual([
        text,
        reference.keepDigits(text, head, tail),
      ]);
      expect([text, maskEmail(text)]).toEqual([text, reference.maskEmail(text)]);
      expect([text, maskAddress(text)]).toEqual([text, reference.maskAddress(text)]);
    }
  });
});
