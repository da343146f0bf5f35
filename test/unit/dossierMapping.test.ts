import { compileMapping, dossierMappingSchema } from '../../connectors/shared/dossierMapping';
import {
  normaliseDossier,
  NATIONAL_APPLICANT_TYPES,
  NATIONAL_CHANNELS,
} from '../../connectors/shared/normaliseDossier';
import { VIETNAM_ZONE } from '../../connectors/shared/parseUpstreamDate';
import { createStatusTable } from '../../connectors/shared/statusTable';
import { LEGACY_TEXT_FIELDS } from '../../connectors/shared/tablesSchema';
import { ExpressionCompiler } from '../../connectors/shared/expression/ExpressionCompiler';

const EXPRESSIONS = new ExpressionCompiler(1000);

const tables = {
  statuses: createStatusTable({ dang_xu_ly: 4, da_tra: 10 }, {}),
  channels: NATIONAL_CHANNELS,
  applicantTypes: NATIONAL_APPLICANT_TYPES,
  dates: { formats: ['dd/MM/yyyy HH:mm:ss'], zone: VIETNAM_ZONE },
  legacyText: [],
  historyOrder: 'oldestFirst' as const,
};

describe('Mapping: JSONata picks values out, tables normalise them', () => {
  it('gives the history oldest first, whatever order the system sends it in', async () => {
    const step = (luc: string | null, noiDung: string) => ({ luc, tt: 'dang_xu_ly', noiDung });
    const history = (buoc: unknown[], order: 'oldestFirst' | 'newestFirst') =>
      compileMapping(spec, EXPRESSIONS)
        .evaluate({ ma: 'X-2', trangThai: 'dang_xu_ly', buoc })
        .then(
          (mapped) =>
            normaliseDossier(mapped, { ...tables, historyOrder: order }).history.map(
              (s) => s.content,
            ) as string[],
        );
    // Every step dated: sorted by time, ties in the order sent (here newest first, declared).
    const dated = [
      step('27/10/2023 10:00:00', 'Thẩm định'),
      step('27/10/2023 08:15:00', 'Tiếp nhận'),
      step('28/10/2023 09:00:00', 'Trả kết quả'),
    ];
    expect(await history(dated, 'oldestFirst')).toEqual(['Tiếp nhận', 'Thẩm định', 'Trả kết quả']);
    const tied = [step('27/10/2023 08:15:00', 'Bổ sung'), step('27/10/2023 08:15:00', 'Tiếp nhận')];
    expect(await history(tied, 'newestFirst')).toEqual(['Tiếp nhận', 'Bổ sung']);
    expect(await history(tied, 'oldestFirst')).toEqual(['Bổ sung', 'Tiếp nhận']);
    // A step without a time: the declared order alone decides.
    const undated = [step(null, 'Trả kết quả'), step('27/10/2023 08:15:00', 'Tiếp nhận')];
    expect(await history(undated, 'newestFirst')).toEqual(['Tiếp nhận', 'Trả kết quả']);
  });

  const spec = dossierMappingSchema.parse({
    code: 'ma',
    status: 'trangThai',
    procedureName: 'thuTuc.ten',
    receivedAt: 'ngayNhan',
    dueAt: 'ngayHen',
    applicant: {
      name: 'chuHoSo.hoTen',
      ids: { each: 'chuHoSo.giayTo', fields: { type: 'loai', number: 'so' } },
    },
    history: { each: 'buoc', fields: { at: 'luc', status: 'tt', content: 'noiDung' } },
    fees: { each: 'phi', fields: { name: 'ten', amount: 'tien' } },
  });

  it('maps a record, with decomposed text brought to NFC and identifiers untouched', async () => {
    const record = {
      ma: '000.00.06.H56-231027-0361',
      trangThai: 'dang_xu_ly',
      thuTuc: { ten: 'Đăng ký kinh doanh'.normalize('NFD') },
      ngayNhan: '27/10/2023 08:15:00',
      ngayHen: '30/10/2023 16:30:00',
      chuHoSo: { hoTen: 'Nguyễn Việt Anh', giayTo: [{ loai: '1', so: '038012345678' }] },
      buoc: [{ luc: '27/10/2023 08:15:00', tt: 'dang_xu_ly', noiDung: 'Tiếp nhận' }],
      phi: { ten: 'Lệ phí', tien: '50.000' },
    };
    const dossier = normaliseDossier(
      await compileMapping(spec, EXPRESSIONS).evaluate(record),
      tables,
    );
    expect(dossier.code).toBe('000.00.06.H56-231027-0361');
    expect(dossier.procedureName).toBe('Đăng ký kinh doanh'.normalize('NFC'));
    expect(dossier.procedureName).not.toBe('Đăng ký kinh doanh'.normalize('NFD'));
    expect(dossier.receivedAt).toBe('2023-10-27T08:15:00+07:00');
    expect(dossier.applicant.ids).toEqual([{ type: '1', number: '038012345678' }]);
    expect(dossier.history).toHaveLength(1);
    expect(dossier.history[0]?.status?.code).toBe(4);
    expect(dossier.fees).toEqual([
      { name: 'Lệ phí', amount: 50000, charged: true, text: '50.000' },
    ]);
    expect(dossier.warnings).toEqual([]);
  });

  it('reads "Không thu" as no fee (not an amount of 0), and warns of an amount it cannot read', async () => {
    const dossier = normaliseDossier(
      await compileMapping(spec, EXPRESSIONS).evaluate({
        ma: 'X-1',
        trangThai: 'da_tra',
        phi: [
          { ten: 'Lệ phí', tien: 'Không thu' },
          { ten: 'Phí chứng thực', tien: '2.000 đồng/trang' },
          { ten: 'Phí thẩm định', tien: 0 },
        ],
      }),
      tables,
    );
    expect(dossier.fees).toEqual([
      { name: 'Lệ phí', amount: null, charged: false, text: 'Không thu' },
      { name: 'Phí chứng thực', amount: null, charged: null, text: '2.000 đồng/trang' },
      { name: 'Phí thẩm định', amount: 0, charged: false, text: '0' },
    ]);
    expect(dossier.warnings).toEqual([
      {
        field: 'fees[1].amount',
        problem: expect.stringContaining('"2.000 đồng/trang" is not an amount'),
      },
    ]);
  });

  it('keeps the object entries of a list, warns of the others, and leaves the mapped lists as they were', () => {
    const history = [
      { at: '01/10/2026 08:00:00', status: 'dang_xu_ly', content: 'Tiếp nhận' },
      'a step as text',
      { at: '02/10/2026 08:00:00', status: 'da_tra', content: 'Trả kết quả' },
    ];
    const files = [{ name: 'Đơn', url: 'https://example.test/1' }];
    const mapped = { code: 'X-1', status: 'da_tra', history, files };
    const dossier = normaliseDossier(mapped, tables);
    expect(dossier.history.map((step) => step.content)).toEqual(['Tiếp nhận', 'Trả kết quả']);
    expect(dossier.files).toEqual([{ name: 'Đơn', url: 'https://example.test/1' }]);
    expect(dossier.warnings).toEqual([
      { field: 'history', problem: '1 entries are not objects; ignored' },
    ]);
    expect(history).toHaveLength(3);
    expect(mapped.files).toBe(files);
    expect(files).toEqual([{ name: 'Đơn', url: 'https://example.test/1' }]);
    // Lists absent from the record are empty in every dossier, each its own.
    const bare = normaliseDossier({ code: 'X-2', status: 'da_tra' }, tables);
    expect(bare.fees).toEqual([]);
    expect(bare.fees).not.toBe(bare.results);
    // A history of objects only, sent newest first: answered oldest first, the mapped list untouched.
    const steps = [
      { at: '02/10/2026 08:00:00', status: 'da_tra', content: 'Trả kết quả' },
      { at: '01/10/2026 08:00:00', status: 'dang_xu_ly', content: 'Tiếp nhận' },
    ];
    const newest = normaliseDossier(
      { code: 'X-3', status: 'da_tra', history: steps },
      { ...tables, historyOrder: 'newestFirst' },
    );
    expect(newest.history.map((step) => step.content)).toEqual(['Tiếp nhận', 'Trả kết quả']);
    expect(steps.map((step) => step.content)).toEqual(['Trả kết quả', 'Tiếp nhận']);
  });

  it('reports a date it cannot read as a warning on that field, and keeps the rest', async () => {
    const record = {
      ma: 'X-1',
      trangThai: 'da_tra',
      ngayNhan: '2023-10-27',
      ngayHen: '30/10/2023 16:30:00',
    };
    const dossier = normaliseDossier(
      await compileMapping(spec, EXPRESSIONS).evaluate(record),
      tables,
    );
    expect(dossier.receivedAt).toBeNull();
    expect(dossier.dueAt).toBe('2023-10-30T16:30:00+07:00');
    expect(dossier.warnings).toEqual([
      {
        field: 'receivedAt',
        problem: '"2023-10-27" matches none of the accepted date formats (dd/MM/yyyy HH:mm:ss)',
      },
    ]);
  });

  it('reads the 2022 indicator fields: yes/no in the forms systems write, anything else a warning', async () => {
    const withFacts = dossierMappingSchema.parse({
      code: 'ma',
      status: 'trangThai',
      digital: {
        submittedVia: 'noiNop',
        digitised: 'soHoa',
        vneidVerified: 'vneid',
        paidOnline: 'thanhToan',
        electronicResult: 'kqDienTu',
      },
    });
    const read = async (values: Record<string, unknown>) =>
      normaliseDossier(
        await compileMapping(withFacts, EXPRESSIONS).evaluate({
          ma: 'X-1',
          trangThai: 'da_tra',
          ...values,
        }),
        tables,
      );
    const yes = await read({
      noiNop: 'DVCQG',
      soHoa: '1',
      vneid: true,
      thanhToan: 'Có',
      kqDienTu: 'không',
    });
    expect(yes.digital).toEqual({
      submittedVia: 'DVCQG',
      digitised: true,
      vneidVerified: true,
      paidOnline: true,
      electronicResult: false,
      syncedToPortal: null,
    });
    expect(yes.warnings).toEqual([]);
    const odd = await read({ soHoa: 'maybe' });
    expect(odd.digital?.digitised).toBeNull();
    expect(odd.warnings).toEqual([
      {
        field: 'digital.digitised',
        problem: '"maybe" is not a yes/no value (1/0, true/false, có/không)',
      },
    ]);
  });

  it('refuses a record without a status', async () => {
    const mapped = await compileMapping(spec, EXPRESSIONS).evaluate({ ma: 'X-1' });
    expect(() => normaliseDossier(mapped, tables)).toThrow('the record for X-1 has no status');
  });

  it('rejects a JSONata syntax error with the field path', () => {
    const parsed = dossierMappingSchema.safeParse({
      code: 'ma',
      status: 'trangThai',
      applicant: { name: 'chuHoSo.(' },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['applicant', 'name']);
    expect(parsed.error?.issues[0]?.message).toMatch(/JSONata syntax error/);
  });

  it('rejects an unknown mapping field', () => {
    const parsed = dossierMappingSchema.safeParse({ code: 'ma', status: 's', recievedAt: 'x' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/recievedAt/);
  });

  it('stops an expression that runs too long (time, not depth or size)', async () => {
    const slow = dossierMappingSchema.parse({
      code: 'ma',
      status: '$sum([1..100000].($ * 2 + $ * 3 + $ * 4 + $ * 5))',
    });
    await expect(
      compileMapping(slow, new ExpressionCompiler(50)).evaluate({ ma: 'x' }),
    ).rejects.toMatchObject({ name: 'ExpressionLimitError', limit: 'time' });
  });

  it('decodes declared legacy fields that look legacy, with a warning, and leaves Unicode alone', async () => {
    const legacy = {
      ...tables,
      legacyText: [
        {
          encoding: 'tcvn3' as const,
          fields: new Set(['summary', 'history[].content']),
          mode: 'detect' as const,
          when: null,
        },
      ],
    };
    const spec2 = dossierMappingSchema.parse({
      code: 'ma',
      status: 'trangThai',
      summary: 'tomTat',
      procedureName: 'ten',
      history: { each: 'buoc', fields: { content: 'noiDung' } },
    });
    const record = {
      ma: 'X-1',
      trangThai: 'da_tra',
      tomTat: 'CÊp giÊy phÐp x©y dùng',
      ten: 'CÊp giÊy phÐp',
      buoc: [{ noiDung: 'TiÕp nhËn' }, { noiDung: 'Trả kết quả' }],
    };
    const dossier = normaliseDossier(
      await compileMapping(spec2, EXPRESSIONS).evaluate(record),
      legacy,
    );
    expect(dossier.summary).toBe('Cấp giấy phép xây dựng');
    expect(dossier.procedureName).toBe('CÊp giÊy phÐp'); // not declared: left as sent
    expect(dossier.history.map((step) => step.content)).toEqual(['Tiếp nhận', 'Trả kết quả']);
    expect(dossier.warnings).toEqual([
      { field: 'summary', problem: 'decoded from TCVN3' },
      { field: 'history[0].content', problem: 'decoded from TCVN3' },
    ]);
  });

  it.each(LEGACY_TEXT_FIELDS)(
    'legacy text declared as %s is decoded there, with a warning naming each place',
    (field) => {
      const [list, key] = field.includes('[].') ? field.split('[].') : [null, field];
      const raw: Record<string, unknown> = { code: 'X-1', status: 'da_tra' };
      const put = (path: string, value: string) => {
        const [head, tail] = path.split('.') as [string, string | undefined];
        if (tail === undefined) raw[head] = value;
        else raw[head] = { ...(raw[head] as object), [tail]: value };
      };
      if (list === null) put(key as string, 'CÊp phÐp');
      else raw[list] = [{ [key as string]: 'TiÕp nhËn' }, { [key as string]: 'TiÕp nhËn' }];
      const dossier = normaliseDossier(raw, {
        ...tables,
        legacyText: [{ encoding: 'tcvn3', fields: new Set([field]), mode: 'detect', when: null }],
      });
      expect(dossier.warnings).toEqual(
        list === null
          ? [{ field, problem: 'decoded from TCVN3' }]
          : [0, 1].map((i) => ({ field: `${list}[${i}].${key}`, problem: 'decoded from TCVN3' })),
      );
      expect(JSON.stringify(dossier)).not.toMatch(/Ê|Õ/);
    },
  );
});
