import { feeAmountFields, readFeeAmount } from '../../connectors/shared/feeAmount';

describe('Fee amounts: an amount in VND, or no fee, never a guess', () => {
  it.each([
    ['50000', 50000],
    ['50.000', 50000],
    ['50,000', 50000],
    ['1.000.000', 1000000],
    ['1 000 000', 1000000],
    ['50000đ', 50000],
    ['50.000 đ', 50000],
    ['50.000 đồng', 50000],
    ['50.000 VNĐ', 50000],
    ['50000 vnd', 50000],
    ['50000.00', 50000],
  ])('reads %j as %d, charged', (raw, amount) => {
    expect(readFeeAmount(raw)).toEqual({ ok: true, amount, charged: true });
  });

  it.each([
    'Không thu',
    'không thu phí',
    'Không thu phí, lệ phí',
    'KHÔNG THU LỆ PHÍ',
    'Miễn phí',
    'Miễn lệ phí',
    'Miễn thu',
    'Không',
    'Không phải nộp phí',
    'Mien phi',
    'Miễn phí.'.normalize('NFD'),
  ])('reads %j as no fee: not charged, no amount (not 0)', (raw) => {
    expect(readFeeAmount(raw)).toEqual({ ok: true, amount: null, charged: false });
  });

  it('keeps an amount of 0 as sent, not charged', () => {
    expect(readFeeAmount('0')).toEqual({ ok: true, amount: 0, charged: false });
    expect(readFeeAmount('0 đồng')).toEqual({ ok: true, amount: 0, charged: false });
  });

  it.each([
    '2.000 đồng/trang',
    'Theo quy định',
    '1,5',
    '1.5',
    '50.000,000',
    '1.000,000',
    'Miễn giảm 50%',
    '-50000',
    '1234567890123456',
  ])('does not read %j, and says why', (raw) => {
    const reading = readFeeAmount(raw);
    expect(reading.ok).toBe(false);
    if (!reading.ok) expect(reading.problem).toContain(`"${raw}"`);
  });

  it('gives the fields of a fee with the text kept as sent (NFC), and the problem to warn of', () => {
    expect(feeAmountFields(null)).toEqual({
      fields: { amount: null, charged: null, text: null },
      problem: null,
    });
    expect(feeAmountFields('Không thu'.normalize('NFD'))).toEqual({
      fields: { amount: null, charged: false, text: 'Không thu' },
      problem: null,
    });
    expect(feeAmountFields('100.000 đồng')).toEqual({
      fields: { amount: 100000, charged: true, text: '100.000 đồng' },
      problem: null,
    });
    const unread = feeAmountFields('2.000 đồng/trang');
    expect(unread.fields).toEqual({ amount: null, charged: null, text: '2.000 đồng/trang' });
    expect(unread.problem).toMatch(/not an amount in VND/);
  });
});
