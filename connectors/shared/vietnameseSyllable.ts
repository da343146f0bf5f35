/**
 * Whether a word is one Vietnamese syllable as Unicode writes it: an initial consonant (or none),
 * a rhyme from the language's rhymes, at most one tone, and only the tones a rhyme ending in
 * p, t, c or ch can carry (sắc, nặng). Legacy-text detection (legacyText.ts) uses it to tell
 * legacy bytes from Unicode: `Nguyeãn` is no syllable, its VNI decoding `Nguyễn` is one.
 * Case and normalisation form do not matter; tone placement (hoà, hòa) neither.
 */
export function isVietnameseSyllable(word: string): boolean {
  // Each precomposed letter without its tone; where the tone was (one at most).
  let letters = '';
  let tone = '';
  let toneAt = -1;
  for (const char of word.toLowerCase().normalize('NFC')) {
    let bare = '';
    for (const part of char.normalize('NFD')) {
      if (!TONES.has(part)) bare += part;
      else if (tone !== '') return false;
      else {
        tone = part;
        toneAt = [...letters].length;
      }
    }
    letters += bare.normalize('NFC');
  }
  const match = SYLLABLE.exec(letters);
  if (match === null) return false;
  const onset = match[1] ?? '';
  const rhyme = [...(match[2] as string)];
  // "qu" is already a consonant with its glide: no second one ("quoác" is no syllable).
  if (onset === 'qu' && /^[ou]/.test(rhyme[0] as string)) return false;
  if (tone === '') return !STOPPED.test(match[2] as string);
  // The tone sits on the rhyme, never on a closing glide after a vowel ("mão", not "maõ"),
  // except in "uy" ("thuý" is written so as well as "thúy").
  const at = toneAt - [...onset].length;
  if (at < 0) return false;
  const last = rhyme.length - 1;
  if (
    at === last &&
    GLIDES.has(rhyme[last] as string) &&
    VOWELS.has(rhyme[last - 1] ?? '') &&
    rhyme.join('') !== 'uy'
  )
    return false;
  // A rhyme closed by p, t, c or ch takes sắc or nặng only ("cấp", "một"; no "cầp", "môt").
  return !STOPPED.test(match[2] as string) || tone === ACUTE || tone === DOT;
}

const GLIDES = new Set(['i', 'y', 'o', 'u']);
const VOWELS = new Set([...'aăâeêioôơuưy']);

const ACUTE = '\u0301';
const DOT = '\u0323';
/** Huyền, sắc, ngã, hỏi, nặng as combining marks (circumflex, breve and horn are not tones). */
const TONES = new Set(['\u0300', ACUTE, '\u0303', '\u0309', DOT]);
const STOPPED = /(?:p|t|c|ch)$/;

const ONSETS = 'ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x';

/** The rhymes of Vietnamese without their tone, as Unicode writes them. */
const RHYMES = [
  'a ai ao au ay ac ach am an ang anh ap at',
  'ăc ăm ăn ăng ăp ăt',
  'âc âm ân âng âp ât âu ây',
  'e eo ec em en eng ep et',
  'ê êch êm ên ênh êp êt êu',
  'i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu',
  'o oi oc om on ong op ot ooc oong',
  'oa oai oao oay oac oach oam oan oang oanh oap oat oăc oăm oăn oăng oăt oe oeo oen oet',
  'ô ôi ôc ôm ôn ông ôp ôt',
  'ơ ơi ơm ơn ơp ơt',
  'u ua ui uc um un ung up ut uôc uôi uôm uôn uông uôt',
  'uân uâng uât uây uê uêch uênh uơ uy uya uych uyên uyêt uynh uyt uyu',
  'ư ưa ưi ưc ưm ưn ưng ưt ưu ươc ươi ươm ươn ương ươp ươt ươu',
  'y yêm yên yêt yêu',
  // After "qu", whose u is the glide: quỳnh, quých, quýt.
  'ynh ych yt',
]
  .join(' ')
  .split(' ')
  // Longest first, so that the alternation tries "anh" before "an".
  .sort((a, b) => b.length - a.length);

const SYLLABLE = new RegExp(`^(${ONSETS})?(${RHYMES.join('|')})$`, 'u');
