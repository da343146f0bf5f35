import {
  keepDigits,
  maskAddress,
  maskEmail,
  maskName,
} from '../../src/services/dossiers/maskDossier';

describe('Masking: personal data is masked by default (docs/MASKING.md)', () => {
  it('keeps the family name and initials, one star per letter', () => {
    expect(maskName('Nguyễn Việt Anh')).toBe('Nguyễn V*** A**');
    expect(maskName('Lý  Hoa')).toBe('Lý H**');
    expect(maskName('Đạt')).toBe('Đ**');
  });

  it('counts letters, not UTF-16 units, in decomposed names', () => {
    expect(maskName('Trần Thị Hương'.normalize('NFD'))).toMatch(/^Tr/);
  });

  it('keeps the first two and last two digits of a phone number', () => {
    expect(keepDigits('0912345612', 2, 2)).toBe('09******12');
    expect(keepDigits('+84 912 345 612', 2, 2)).toBe('+84 *** *** *12');
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
