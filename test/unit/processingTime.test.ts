import { readProcessingTime } from '../../connectors/shared/processingTime';

/** What a published text reads as: [value, unit, rangeStart], or null when it is not read. */
function read(text: string): [number, string, number | null] | null {
  const reading = readProcessingTime(text);
  if (!reading.ok) return null;
  expect(reading.limit.text).toBe(text);
  return [reading.limit.value, reading.limit.unit, reading.limit.rangeStart];
}

describe('Processing time: the published time limit read as a number and a unit', () => {
  it.each([
    ['5 Ngày làm việc', [5, 'WORKING_DAYS', null]],
    ['05 ngày làm việc', [5, 'WORKING_DAYS', null]],
    ['05 NGÀY LÀM VIỆC', [5, 'WORKING_DAYS', null]],
    ['05 ngay lam viec', [5, 'WORKING_DAYS', null]],
    ['03 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ', [3, 'WORKING_DAYS', null]],
    ['03 ngày làm việc, kể từ ngày nhận đủ hồ sơ hợp lệ.', [3, 'WORKING_DAYS', null]],
    ['03 ngày làm việc (tính từ ngày tiếp nhận hồ sơ)', [3, 'WORKING_DAYS', null]],
    ['03 (ba) ngày làm việc', [3, 'WORKING_DAYS', null]],
    ['15 (mười lăm) ngày làm việc', [15, 'WORKING_DAYS', null]],
    ['8 giờ làm việc', [8, 'WORKING_HOURS', null]],
    ['24 giờ', [24, 'HOURS', null]],
    ['Trong vòng 48 giờ', [48, 'HOURS', null]],
    ['30 ngày', [30, 'DAYS', null]],
    ['1 tháng', [1, 'MONTHS', null]],
    ['1,5 ngày', [1.5, 'DAYS', null]],
    ['1.5 ngày làm việc', [1.5, 'WORKING_DAYS', null]],
    ['Không quá 10 ngày làm việc', [10, 'WORKING_DAYS', null]],
    ['Không quá 10 ngày kể từ ngày nhận đủ hồ sơ hợp lệ', [10, 'DAYS', null]],
    ['Tối đa 20 ngày', [20, 'DAYS', null]],
    ['Trong thời hạn 07 ngày làm việc', [7, 'WORKING_DAYS', null]],
    ['Thời hạn giải quyết: 05 ngày làm việc', [5, 'WORKING_DAYS', null]],
    ['15 - 20 ngày', [20, 'DAYS', 15]],
    ['15 – 20 ngày làm việc', [20, 'WORKING_DAYS', 15]],
    ['Từ 15 đến 20 ngày', [20, 'DAYS', 15]],
    ['Trong ngày', [1, 'SAME_DAY', null]],
    ['Ngay trong ngày', [1, 'SAME_DAY', null]],
    ['trong ngày làm việc', [1, 'SAME_DAY', null]],
    ['Trong ngày tiếp nhận hồ sơ', [1, 'SAME_DAY', null]],
  ] as const)('reads %j', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it('reads decomposed (NFD) text as its NFC form, keeping the text it was given', () => {
    const nfd = '05 ngày làm việc'.normalize('NFD');
    expect(read(nfd)).toEqual([5, 'WORKING_DAYS', null]);
  });

  it('tells working days from calendar days, and working hours from clock hours', () => {
    expect(read('30 ngày làm việc')?.[1]).toBe('WORKING_DAYS');
    expect(read('30 ngày')?.[1]).toBe('DAYS');
    expect(read('8 giờ làm việc')?.[1]).toBe('WORKING_HOURS');
    expect(read('8 giờ')?.[1]).toBe('HOURS');
  });

  it.each([
    // No unit, or a unit it does not know: the number alone would be a guess.
    '5',
    '2 tuần',
    '1 năm',
    // Not a number it reads.
    'năm ngày làm việc',
    'Theo quy định',
    '1.000 ngày',
    '15,20 ngày',
    '0 ngày',
    // Several limits, or a condition: which one applies is not for the gateway to choose.
    '05 ngày làm việc; trường hợp phải xác minh thì không quá 10 ngày làm việc',
    '03 ngày làm việc kể từ ngày nhận đủ hồ sơ, trường hợp phức tạp kéo dài 05 ngày',
    '03 ngày làm việc đối với hồ sơ trong tỉnh',
    'Ngay trong ngày tiếp nhận; trường hợp nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo',
    '10 ngày làm việc hoặc 15 ngày',
    // A range the wrong way round, or "from" a single number (a floor, not a limit).
    '20 - 15 ngày',
    'Từ 15 ngày',
    // Words in brackets that are not a number.
    '03 (khoảng) ngày làm việc',
  ])('does not read %j, and says why', (text) => {
    const reading = readProcessingTime(text);
    expect(reading.ok).toBe(false);
    if (!reading.ok) expect(reading.problem).toContain(`"${text}"`);
  });
});
