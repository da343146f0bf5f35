import {
  createStatusTable,
  mapStatus,
  nationalStatusTable,
} from '../../connectors/shared/statusTable';

describe('Statuses: a registration maps its vocabulary, declares what is lossy, never guesses', () => {
  const table = createStatusTable({ processing: 4, releasing: 9, done: 10 }, { 9: [5, 6, 8] });

  it('maps a word to its national code, ignoring case and spaces', () => {
    expect(mapStatus(' Done ', table)).toEqual({
      code: 10,
      raw: ' Done ',
      lossy: false,
      mayBe: [],
    });
  });

  it('marks a declared lossy value with everything it may stand for', () => {
    expect(mapStatus('releasing', table)).toEqual({
      code: 9,
      raw: 'releasing',
      lossy: true,
      mayBe: [5, 6, 8, 9],
    });
  });

  it('keeps an unmapped value raw, without a national code, marked lossy', () => {
    expect(mapStatus('interoperating', table)).toEqual({
      code: null,
      raw: 'interoperating',
      lossy: true,
      mayBe: [],
    });
  });

  it('reads national codes as themselves', () => {
    expect(mapStatus('7', nationalStatusTable()).code).toBe(7);
    expect(mapStatus('11', nationalStatusTable()).code).toBeNull();
  });

  it('matches a word sent in decomposed Unicode', () => {
    const vietnamese = createStatusTable({ 'Đang xử lý': 4 }, {});
    expect(mapStatus('Đang xử lý'.normalize('NFD'), vietnamese).code).toBe(4);
  });

  it('builds each value once per table and shares it, frozen; endless new values stay correct', () => {
    const first = mapStatus('releasing', table);
    expect(mapStatus('releasing', table)).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.mayBe)).toBe(true);
    const other = createStatusTable({ releasing: 9 }, {});
    expect(mapStatus('releasing', other)).not.toBe(first);
    expect(mapStatus('releasing', other)).toEqual({
      code: 9,
      raw: 'releasing',
      lossy: false,
      mayBe: [],
    });
    for (let i = 0; i < 1500; i += 1) {
      expect(mapStatus(`unknown ${i}`, table)).toEqual({
        code: null,
        raw: `unknown ${i}`,
        lossy: true,
        mayBe: [],
      });
    }
    expect(mapStatus('done', table).code).toBe(10);
  });
});
