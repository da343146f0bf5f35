import { isVietnameseSyllable } from '../../connectors/shared/vietnameseSyllable';

describe('Vietnamese syllables: what legacy-text detection takes for a word of the language', () => {
  it.each([
    'Nguyễn',
    'nguyễn'.normalize('NFD'),
    'NGUYỄN',
    'hoà',
    'hòa',
    'thuý',
    'thúy',
    'quốc',
    'quỳnh',
    'giữa',
    'giếng',
    'gì',
    'khuya',
    'người',
    'xoong',
    'oanh',
    'ý',
    'ở',
    'cấp',
    'một',
    'đường',
    'Ông',
    'Ích',
    'Giáp',
  ])('accepts %j', (word) => {
    expect(isVietnameseSyllable(word)).toBe(true);
  });

  it.each([
    ['Nguyeãn', 'no rhyme "uyea"'],
    ['Vaên', 'no rhyme "aen"'],
    ['maõ', 'a tone on the closing glide of "ao"'],
    ['quoác', 'a second glide after "qu"'],
    ['cầp', 'a rhyme closed by p with huyền'],
    ['mat', 'a rhyme closed by t without sắc or nặng'],
    ['Müller', 'letters Vietnamese does not have'],
    ['Ñöùc', 'VNI bytes'],
    ['TiÕng', 'TCVN3 bytes'],
    ['tiếếng', 'two tones'],
    ['', 'nothing'],
  ])('refuses %j (%s)', (word) => {
    expect(isVietnameseSyllable(word)).toBe(false);
  });
});
