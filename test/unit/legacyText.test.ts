import { spawnSync } from 'node:child_process';
import { decodeTcvn3, decodeVni, looksLegacy } from '../../connectors/shared/legacyText';

/** Unicode text → TCVN 5712 bytes by glibc's iconv → read back as Latin-1, as old systems send it. */
function tcvn3AsLatin1(text: string): string {
  const result = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'TCVN5712-1'], { input: text });
  if (result.status !== 0) throw new Error(`iconv failed: ${result.stderr.toString()}`);
  return result.stdout.toString('latin1');
}

const LOWER =
  'aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ';

describe('Legacy text: TCVN3 and VNI bytes decode to NFC Unicode', () => {
  it('decodes every TCVN3 letter exactly as glibc iconv encodes it', () => {
    for (const letter of [...LOWER, 'Ă', 'Â', 'Đ', 'Ê', 'Ô', 'Ơ', 'Ư']) {
      expect(decodeTcvn3(tcvn3AsLatin1(letter))).toBe(letter);
    }
  });

  it('decodes a sentence from TCVN3', () => {
    const sentence = 'Đăng ký khai sinh cho cháu Nguyễn Thị Hường, xã Quảng Hòa';
    // Toned capitals have no TCVN3 (VN3) code of their own: they come back lower case.
    expect(decodeTcvn3(tcvn3AsLatin1(sentence.toLowerCase()))).toBe(sentence.toLowerCase());
    expect(decodeTcvn3('TiÕng ViÖt rÊt hay')).toBe('Tiếng Việt rất hay');
  });

  it.each([
    ['Tieáng Vieät raát hay', 'Tiếng Việt rất hay'],
    ['Xin chaøo caùc baïn', 'Xin chào các bạn'],
    ['Nguyeãn Vaên Ñöùc', 'Nguyễn Văn Đức'],
    ['Ngöôøi daân Thaønh phoá Hoà Chí Minh', 'Người dân Thành phố Hồ Chí Minh'],
    ['ÑAÏI HOÏC QUOÁC GIA', 'ĐẠI HỌC QUỐC GIA'],
    ['Quaûng Xöông, Thanh Hoùa', 'Quảng Xương, Thanh Hóa'],
    [
      'khuyeán khích, nghóa vuï, tyû leä, kyõ naêng, ñeå, ngaøy, ñòa chæ, hoä',
      'khuyến khích, nghĩa vụ, tỷ lệ, kỹ năng, để, ngày, địa chỉ, hộ',
    ],
  ])('decodes VNI %j', (vni, unicode) => {
    expect(decodeVni(vni)).toBe(unicode);
  });

  it.each([
    'Nguyễn Thế Tú',
    'Võ Thế Vũ',
    'cấp giấy phép',
    'tiếng việt rất hay',
    'bảo thắng',
    'đăng ký khai sinh',
    'xã quảng hòa',
  ])('recognises TCVN3 bytes of %j, as iconv writes them', (unicode) => {
    const legacy = tcvn3AsLatin1(unicode.toLowerCase());
    expect(looksLegacy(legacy, 'tcvn3')).toBe(true);
    expect(decodeTcvn3(legacy)).toBe(unicode.toLowerCase());
  });

  it('recognises TCVN3 with plain capitals, as old forms wrote names', () => {
    expect(looksLegacy('TiÕng ViÖt', 'tcvn3')).toBe(true);
    expect(looksLegacy('NguyÔn ThÕ Tó', 'tcvn3')).toBe(true);
  });

  it.each([
    'Nguyeãn Vaên Taùm',
    'Leâ Vaên Taùm',
    'Thanh Hoùa',
    'Tieáng Vieät',
    'Ñaêng kyù khai sinh',
    'Ngöôøi daân',
  ])('recognises VNI text %j', (text) => {
    expect(looksLegacy(text, 'vni')).toBe(true);
  });

  it.each([
    ['Tiếng Việt', 'tcvn3'],
    ['Tô Hà', 'tcvn3'],
    ['Lô 5×20, nhiệt độ 25°C', 'tcvn3'],
    ['Lô 5×20', 'tcvn3'],
    ['ÐINH CÔNG TÔ', 'tcvn3'],
    ['Müller – Tô', 'tcvn3'],
    ['Müller Tô', 'tcvn3'],
    ['Hoà Bình, thuê nhà, mùa xuân, quà tặng', 'vni'],
    ['Hoà Bình', 'vni'],
    ['Thúy Kiều', 'vni'],
    ['Tiếng Việt'.normalize('NFD'), 'tcvn3'],
    ['Tiếng Việt'.normalize('NFD'), 'vni'],
  ] as const)('leaves Unicode %j alone (%s)', (text, encoding) => {
    expect(looksLegacy(text, encoding)).toBe(false);
  });
});

/** Unicode text → VNI-Windows bytes read as Latin-1, as a VNI system sends it (test/unit only). */
function vniAsLatin1(text: string): string {
  const TONE: Record<string, string> = {
    '\u0301': 'ù',
    '\u0300': 'ø',
    '\u0309': 'û',
    '\u0303': 'õ',
    '\u0323': 'ï',
  };
  const CIRCUMFLEX: Record<string, string> = {
    '': 'â',
    '\u0301': 'á',
    '\u0300': 'à',
    '\u0309': 'å',
    '\u0303': 'ã',
    '\u0323': 'ä',
  };
  const BREVE: Record<string, string> = {
    '': 'ê',
    '\u0301': 'é',
    '\u0300': 'è',
    '\u0309': 'ú',
    '\u0303': 'ü',
    '\u0323': 'ë',
  };
  const I: Record<string, string> = {
    '\u0301': 'í',
    '\u0300': 'ì',
    '\u0309': 'æ',
    '\u0303': 'ó',
    '\u0323': 'ò',
  };
  let out = '';
  for (const char of text.normalize('NFC')) {
    const [base = '', ...marks] = [...char.normalize('NFD')];
    const upper = base !== base.toLowerCase();
    const cased = (bytes: string) => (upper ? bytes.toUpperCase() : bytes);
    const lower = base.toLowerCase();
    const tone = marks.find((mark) => mark in TONE) ?? '';
    if (char.toLowerCase() === 'đ') out += cased('ñ');
    else if (marks.includes('\u0302')) out += cased(lower + (CIRCUMFLEX[tone] as string));
    else if (marks.includes('\u0306')) out += cased(lower + (BREVE[tone] as string));
    else if (marks.includes('\u031b'))
      out += cased((lower === 'o' ? 'ô' : 'ö') + (TONE[tone] ?? ''));
    else if (tone === '') out += char;
    else if (lower === 'i') out += cased(I[tone] as string);
    else if (lower === 'y' && tone === '\u0323') out += cased('î');
    else out += cased(lower + (TONE[tone] as string));
  }
  return out;
}

describe('Legacy text detection: legacy names decode, Unicode names never change', () => {
  // Names as old systems hold them. Every one must be recognised and decoded by detection alone.
  const LEGACY_NAMES = [
    'Nguyễn Minh An',
    'Nguyễn Văn Tám',
    'Trần Thị Hường',
    'Lê Văn Đức',
    'Phạm Ngọc Anh',
    'Hoàng Thị Thu Hà',
    'Huỳnh Tấn Phát',
    'Võ Thị Sáu',
    'Đặng Thuỳ Trâm',
    'Bùi Xuân Phái',
    'Đỗ Mười',
    'Dương Quảng Hàm',
    'Ngô Bảo Châu',
    'Lý Thường Kiệt',
    'Phan Bội Châu',
    'Tạ Quang Bửu',
    'Trịnh Công Sơn',
    'Lương Thế Vinh',
    'Mã Thuý',
    'Lã Minh Oanh',
    'Nguyễn',
    'Đức',
    'Cấp giấy phép xây dựng nhà ở riêng lẻ',
    'Đăng ký khai sinh cho con thứ hai',
  ];

  // VNI keeps toned capitals (TCVN3 had them in other fonts: iconv writes VN1 control bytes).
  const TONED_CAPITALS = ['Phạm Ngọc Ánh', 'ỦY BAN NHÂN DÂN', 'Ấn Độ', 'Ứng Hòa', 'Ông Ích Khiêm'];

  it.each([...LEGACY_NAMES, ...TONED_CAPITALS])('decodes VNI of %j', (unicode) => {
    const vni = vniAsLatin1(unicode);
    expect(looksLegacy(vni, 'vni')).toBe(true);
    expect(decodeVni(vni)).toBe(unicode);
  });

  it.each(LEGACY_NAMES)('decodes TCVN3 of %j, as iconv writes it', (unicode) => {
    const tcvn3 = tcvn3AsLatin1(unicode);
    expect(looksLegacy(tcvn3, 'tcvn3')).toBe(true);
    expect(decodeTcvn3(tcvn3)).toBe(unicode);
  });

  it('catches Nguyeãn Minh An, whose only evidence is one impossible word', () => {
    expect(vniAsLatin1('Nguyễn Minh An')).toBe('Nguyeãn Minh An');
    expect(looksLegacy('Nguyeãn Minh An', 'vni')).toBe(true);
    expect(looksLegacy('NGUYEÃN MINH AN', 'vni')).toBe(true);
  });

  // Unicode names, with every Vietnamese letter, and those written with Latin-1 letters only
  // (the ones a legacy reading could take for bytes), and foreign names.
  const UNICODE_NAMES = [
    ...LEGACY_NAMES,
    ...TONED_CAPITALS,
    LOWER,
    LOWER.toUpperCase(),
    'Lê Hà',
    'Tô Hoài',
    'Võ Tâm',
    'Hoà Bình',
    'Toàn Thắng',
    'Châu Thành',
    'Quách Tâm',
    'Giáp Văn Lê',
    'Mã Thị Loan',
    'Lò Thị Ý',
    'Thái Hoà',
    'Hoàng Giáp',
    'Giáp Toàn',
    'Tôn Giáp',
    'Xuân Hà',
    'Khuê Tú',
    'Oanh',
    'Thúy Kiều',
    'ÐINH CÔNG TÔ',
    'Hélène Noël',
    'José Peña',
    'Raphaël Müller',
    'François',
    'Zoë',
  ];

  it.each(UNICODE_NAMES.flatMap((name) => [name, name.normalize('NFD')]))(
    'leaves Unicode %j as it is, in both encodings',
    (name) => {
      expect(looksLegacy(name, 'vni')).toBe(false);
      expect(looksLegacy(name, 'tcvn3')).toBe(false);
    },
  );

  it('cannot tell VNI that reads as Unicode words: such fields need `when` or `mode: always`', () => {
    // "Hồ Thị Lan" in VNI is "Hoà Thò Lan": two Unicode Vietnamese words.
    expect(vniAsLatin1('Hồ Thị Lan')).toBe('Hoà Thò Lan');
    expect(looksLegacy('Hoà Thò Lan', 'vni')).toBe(false);
  });
});
