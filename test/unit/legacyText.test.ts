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
