import type { Procedure } from '../../connectors/model';
import { compileMapping } from '../../connectors/shared/dossierMapping';
import { ExpressionCompiler } from '../../connectors/shared/expression/ExpressionCompiler';
import {
  normaliseProcedure,
  procedureMappingSchema,
  procedureTables,
} from '../../connectors/shared/procedureMapping';
import { CatalogueIndex } from '../../src/services/catalogue/CatalogueIndex';

const tables = procedureTables(undefined, undefined, new Map([['1', 1 as const]]));

/** A mapped catalogue record (what the registration's mapping made of the system's record). */
function channelOf(fields: Record<string, unknown>): Procedure {
  const procedure = normaliseProcedure(
    { code: '1.000001', name: 'Thủ tục', channels: [{ channel: '1', ...fields }] },
    tables,
  );
  if (procedure === null) throw new Error('unreadable');
  return procedure;
}

describe('Procedure mapping: time limits and fees as published, read where they can be', () => {
  it('keeps the text and reads it beside the number of days the system sends', () => {
    const procedure = channelOf({
      processingTime: '05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ'.normalize('NFD'),
      processingDays: 5,
      fees: [
        { name: 'Lệ phí', amount: '100.000 đồng' },
        { name: 'Phí thẩm định', amount: 'Không thu' },
      ],
    });
    expect(procedure.channels[0]).toEqual({
      channel: { code: 1, raw: '1' },
      processingTime: '05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ',
      processingTimeLimit: {
        value: 5,
        unit: 'WORKING_DAYS',
        rangeStart: null,
        text: '05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ',
      },
      processingDays: 5,
      fees: [
        { name: 'Lệ phí', amount: 100000, charged: true, text: '100.000 đồng' },
        { name: 'Phí thẩm định', amount: null, charged: false, text: 'Không thu' },
      ],
    });
    expect(procedure.warnings).toEqual([]);
  });

  it('leaves a text it cannot read unread, with a warning, and keeps the number of days as sent', () => {
    const text =
      'Ngay trong ngày; trường hợp nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo';
    const procedure = channelOf({ processingTime: text, processingDays: '1' });
    expect(procedure.channels[0]).toMatchObject({
      processingTime: text,
      processingTimeLimit: null,
      processingDays: 1,
    });
    expect(procedure.warnings).toEqual([
      { field: 'channels[0].processingTime', problem: expect.stringContaining(`"${text}"`) },
    ]);
  });

  it('does not fill the number of days from the text, nor the text from the number', () => {
    expect(channelOf({ processingTime: '30 ngày' }).channels[0]).toMatchObject({
      processingTimeLimit: { value: 30, unit: 'DAYS' },
      processingDays: null,
    });
    expect(channelOf({ processingDays: 30 }).channels[0]).toMatchObject({
      processingTime: null,
      processingTimeLimit: null,
      processingDays: 30,
    });
  });

  it('warns when the number of days does not say what the text says, or is not a number', () => {
    expect(channelOf({ processingTime: '15 ngày làm việc', processingDays: 30 }).warnings).toEqual([
      {
        field: 'channels[0].processingDays',
        problem: 'processingDays 30 does not agree with processingTime "15 ngày làm việc"',
      },
    ]);
    expect(channelOf({ processingTime: '15 - 20 ngày', processingDays: 18 }).warnings).toEqual([]);
    // Hours, months and the same day are not compared with a number of days.
    expect(channelOf({ processingTime: '8 giờ làm việc', processingDays: 1 }).warnings).toEqual([]);
    expect(channelOf({ processingTime: '1 tháng', processingDays: 30 }).warnings).toEqual([]);
    expect(channelOf({ processingDays: 'năm ngày' }).warnings).toEqual([
      {
        field: 'channels[0].processingDays',
        problem: 'processingDays "năm ngày" is not a number of days',
      },
    ]);
  });

  it('warns of a fee amount it cannot read, keeping its text', () => {
    const procedure = channelOf({ fees: [{ name: 'Phí', amount: '2.000 đồng/trang' }] });
    expect(procedure.channels[0]?.fees).toEqual([
      { name: 'Phí', amount: null, charged: null, text: '2.000 đồng/trang' },
    ]);
    expect(procedure.warnings).toEqual([
      {
        field: 'channels[0].fees[0].amount',
        problem: expect.stringContaining('"2.000 đồng/trang"'),
      },
    ]);
  });

  it("reads a number and a unit sent apart once the mapping joins them (the guides' worked example)", async () => {
    const spec = procedureMappingSchema.parse({
      code: 'maTTHC',
      name: 'tenTTHC',
      channels: {
        each: 'cachThuc',
        fields: {
          channel: 'kenh',
          processingTime: 'thoiGian & " " & donVi',
          fees: { each: 'phi', fields: { name: 'ten', amount: 'mucThu' } },
        },
      },
    });
    const record = {
      maTTHC: '1.001612',
      tenTTHC: 'Đăng ký thành lập hộ kinh doanh',
      cachThuc: [
        {
          kenh: '1',
          thoiGian: '5',
          donVi: 'Ngày làm việc',
          phi: [
            { ten: 'Lệ phí đăng ký', mucThu: '100.000 đồng' },
            { ten: 'Phí cung cấp thông tin', mucThu: 'Không thu' },
          ],
        },
      ],
    };
    const mapped = await compileMapping(spec, new ExpressionCompiler(1000)).evaluate(record);
    const procedure = normaliseProcedure(mapped, tables);
    expect(procedure?.channels).toEqual([
      {
        channel: { code: 1, raw: '1' },
        processingTime: '5 Ngày làm việc',
        processingTimeLimit: {
          value: 5,
          unit: 'WORKING_DAYS',
          rangeStart: null,
          text: '5 Ngày làm việc',
        },
        processingDays: null,
        fees: [
          { name: 'Lệ phí đăng ký', amount: 100000, charged: true, text: '100.000 đồng' },
          { name: 'Phí cung cấp thông tin', amount: null, charged: false, text: 'Không thu' },
        ],
      },
    ]);
    expect(procedure?.warnings).toEqual([]);
  });

  it("shows a merged procedure's warnings of the listing each field is shown from", () => {
    const index = new CatalogueIndex();
    const withText = (text: string) =>
      normaliseProcedure(
        { code: '1.000001', name: 'Thủ tục', channels: [{ processingTime: text }] },
        tables,
      ) as Procedure;
    index.replaceSource('a-first', [withText('5 ngày làm việc')], '2026-01-05T08:00:00+07:00', 0);
    index.replaceSource('b-second', [withText('theo quy định')], '2026-01-05T08:00:00+07:00', 0);
    const merged = index.get('1.000001')?.procedure;
    expect(merged?.channels[0]?.processingTimeLimit?.value).toBe(5);
    // b-second's unread text is not shown, so neither is its warning.
    expect(merged?.warnings).toEqual([]);
    index.replaceSource('a-first', [withText('theo luật')], '2026-01-05T09:00:00+07:00', 0);
    expect(index.get('1.000001')?.procedure.warnings).toEqual([
      { field: 'channels[0].processingTime', problem: expect.stringContaining('"theo luật"') },
    ]);
  });
});
