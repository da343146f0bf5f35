import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { compileMapping, dossierMappingSchema } from '../../connectors/shared/dossierMapping';
import { ExpressionCompiler } from '../../connectors/shared/expression/ExpressionCompiler';
import { normaliseDossier, recordExpressions } from '../../connectors/shared/normaliseDossier';
import { buildTables, legacyTextSchema, tablesSchema } from '../../connectors/shared/tablesSchema';
import { statusCounts } from '../../src/services/registrations/sampleFindings';
import { statusesVerdict } from '../../src/services/registrations/sampleVerdicts';

/**
 * Tables chosen by the record itself (issue 22, items 5 and 6): a status table selected by a value
 * of the record, and legacy-text rules conditioned on a flag of the record. Read here as the
 * declarative connector reads them: the tables' expressions evaluated with the mapping, once per
 * record, then normalised.
 */
const EXPRESSIONS = new ExpressionCompiler(1000);
const configSchema = z.strictObject({ mapping: dossierMappingSchema, ...tablesSchema });

async function mapRecord(config: unknown, record: unknown) {
  const parsed = configSchema.parse(config);
  const tables = buildTables(parsed);
  const mapping = compileMapping({ ...parsed.mapping, ...recordExpressions(tables) }, EXPRESSIONS);
  return normaliseDossier(await mapping.evaluate(record), tables);
}

const MAPPING = {
  code: 'MaHoSo',
  status: 'TrangThai',
  agencyCode: 'MaDonVi',
  summary: 'TrichYeu',
  applicant: { name: 'ChuHoSo' },
  history: { each: 'QuaTrinh', fields: { status: 'TrangThai', content: 'NoiDung' } },
};

describe('Statuses by record: a value of the record picks the status table', () => {
  const config = {
    mapping: MAPPING,
    statuses: {
      map: { '1': 2, '2': 4, '3': 5, '4': 10 },
      byRecord: {
        select: 'LoaiThuTuc',
        tables: { THUPHI: { map: { '3': 6 } }, '2': { map: { '4': 9 }, lossy: { 9: [10] } } },
      },
    },
  };
  const record = (extra: object) => ({
    MaHoSo: 'H47.01-260101-0001',
    TrangThai: '3',
    QuaTrinh: [
      { TrangThai: '2', NoiDung: 'Tiếp nhận' },
      { TrangThai: '3', NoiDung: 'Chờ' },
    ],
    ...extra,
  });

  it('maps 3 to 6 for one procedure type and to 5 for another, raw kept as the system sent it', async () => {
    const paying = await mapRecord(config, record({ LoaiThuTuc: 'THUPHI' }));
    expect(paying.status).toEqual({ code: 6, raw: '3', lossy: false, mayBe: [] });
    const supplement = await mapRecord(config, record({ LoaiThuTuc: 'BOSUNG' }));
    expect(supplement.status).toEqual({ code: 5, raw: '3', lossy: false, mayBe: [] });
    expect(supplement.warnings).toEqual([]);
  });

  it('reads the record’s history with the record’s table', async () => {
    const paying = await mapRecord(config, record({ LoaiThuTuc: 'THUPHI' }));
    expect(paying.history.map((step) => step.status?.code)).toEqual([4, 6]);
    const other = await mapRecord(config, record({}));
    expect(other.history.map((step) => step.status?.code)).toEqual([4, 5]);
  });

  it('compares the selected value trimmed and in any case; a number selects by its text', async () => {
    expect((await mapRecord(config, record({ LoaiThuTuc: ' thuPhi ' }))).status.code).toBe(6);
    const numbered = await mapRecord(config, record({ LoaiThuTuc: 2, TrangThai: '4' }));
    expect(numbered.status).toEqual({ code: 9, raw: '4', lossy: true, mayBe: [9, 10] });
  });

  it('keeps the registration’s table when the record selects nothing or a value without a table', async () => {
    for (const extra of [{}, { LoaiThuTuc: null }, { LoaiThuTuc: '' }, { LoaiThuTuc: 'KHAC' }]) {
      const dossier = await mapRecord(config, record(extra));
      expect(dossier.status).toEqual({ code: 5, raw: '3', lossy: false, mayBe: [] });
      // No value (a listing's records lacking the field) is said, once; a value without a table
      // is the registration's choice.
      expect(dossier.warnings).toEqual(
        'LoaiThuTuc' in extra && extra.LoaiThuTuc === 'KHAC'
          ? []
          : [
              {
                field: 'status',
                problem:
                  'statuses.byRecord.select gave no value: the status table without byRecord is used',
              },
            ],
      );
    }
  });

  it('warns of no selected value only when the registration selects one', async () => {
    const plain = { ...config, statuses: { map: config.statuses.map } };
    expect((await mapRecord(plain, record({}))).warnings).toEqual([]);
  });

  it('says so when the select gives several values, and keeps the registration’s table', async () => {
    const dossier = await mapRecord(config, record({ LoaiThuTuc: ['THUPHI', 'BOSUNG'] }));
    expect(dossier.status.code).toBe(5);
    expect(dossier.warnings).toEqual([
      {
        field: 'status',
        problem:
          'statuses.byRecord.select gave several values, not one value: the status table without byRecord is used',
      },
    ]);
  });

  it('keeps an unmapped value raw and lossy under the record’s table, as without one', async () => {
    const dossier = await mapRecord(config, record({ LoaiThuTuc: 'THUPHI', TrangThai: '7' }));
    expect(dossier.status).toEqual({ code: null, raw: '7', lossy: true, mayBe: [] });
    expect(dossier.warnings).toEqual([
      { field: 'status', problem: 'status "7" is not in the registration\'s status table' },
    ]);
  });

  it('shows the conformance check each reading of a value, and one left unmapped', async () => {
    const onlyPaying = {
      mapping: MAPPING,
      statuses: {
        map: { '3': 5 },
        byRecord: { select: 'LoaiThuTuc', tables: { THUPHI: { map: { '3': 6, '7': 7 } } } },
      },
    };
    const found = [
      await mapRecord(onlyPaying, record({ LoaiThuTuc: 'THUPHI', QuaTrinh: [] })),
      await mapRecord(onlyPaying, record({ LoaiThuTuc: 'BOSUNG', QuaTrinh: [] })),
      await mapRecord(onlyPaying, record({ LoaiThuTuc: 'THUPHI', TrangThai: '7', QuaTrinh: [] })),
      await mapRecord(onlyPaying, record({ LoaiThuTuc: 'BOSUNG', TrangThai: '7', QuaTrinh: [] })),
    ];
    const counts = statusCounts(found);
    expect(counts).toEqual(
      expect.arrayContaining([
        { field: 'status', raw: '3', count: 1, national: 6 },
        { field: 'status', raw: '3', count: 1, national: 5 },
        { field: 'status', raw: '7', count: 1, national: 7 },
        { field: 'status', raw: '7', count: 1, national: null },
      ]),
    );
    expect(statusesVerdict(found, counts)).toMatchObject({
      verdict: 'FAIL',
      reason: expect.stringContaining('1 of 2 raw statuses not in the status table: "7" ×1'),
    });
  });

  it('puts the record’s table over the agency’s, which is over the registration’s', async () => {
    const layered = {
      mapping: MAPPING,
      statuses: {
        map: { '3': 5, '4': 10, '9': 9 },
        lossy: { 9: [8] },
        byAgency: [{ agencies: ['H47.01'], map: { '3': 8, '4': 9 }, lossy: {} }],
        byRecord: { select: 'LoaiThuTuc', tables: { THUPHI: { map: { '3': 6 } } } },
      },
    };
    const at = (agency: string, type: string, status: string) =>
      mapRecord(
        layered,
        record({ MaDonVi: agency, LoaiThuTuc: type, TrangThai: status, QuaTrinh: [] }),
      ).then((dossier) => dossier.status);
    // The record's entry wins over the agency's for the same value…
    expect((await at('000.01.01.H47', 'THUPHI', '3')).code).toBe(6);
    // …the agency's entries and lossy declarations stay for the others.
    expect(await at('000.01.01.H47', 'THUPHI', '4')).toMatchObject({ code: 9, lossy: false });
    expect(await at('000.01.01.H47', 'THUPHI', '9')).toMatchObject({ lossy: false });
    expect((await at('000.01.01.H47', 'KHAC', '3')).code).toBe(8);
    // Another agency: the registration's table with the record's on top.
    expect((await at('000.01.02.H47', 'THUPHI', '3')).code).toBe(6);
    expect(await at('000.01.02.H47', 'THUPHI', '9')).toMatchObject({ lossy: true, mayBe: [8, 9] });
    expect((await at('000.01.02.H47', 'KHAC', '3')).code).toBe(5);
  });

  it('refuses two tables for the same value, no tables, and a select that is no expression', () => {
    const issues = (byRecord: unknown) =>
      configSchema.safeParse({ mapping: MAPPING, statuses: { map: { '3': 5 }, byRecord } }).error
        ?.issues;
    expect(
      issues({ select: 'LoaiThuTuc', tables: { THUPHI: { map: {} }, ' thuphi': { map: {} } } }),
    ).toEqual([
      expect.objectContaining({
        path: ['statuses', 'byRecord', 'tables', ' thuphi'],
        message: '" thuphi" names the same table as "THUPHI" (values compare trimmed, in any case)',
      }),
    ]);
    expect(issues({ select: 'LoaiThuTuc', tables: {} })).toEqual([
      expect.objectContaining({
        path: ['statuses', 'byRecord', 'tables'],
        message: 'at least one table',
      }),
    ]);
    expect(issues({ select: 'LoaiThuTuc = ', tables: { A: { map: {} } } })).toEqual([
      expect.objectContaining({
        path: ['statuses', 'byRecord', 'select'],
        message: expect.stringMatching(/^JSONata syntax error/),
      }),
    ]);
    expect(
      issues({ select: 'LoaiThuTuc', tables: { A: { map: { '3': 11 } } } })?.[0]?.path,
    ).toEqual(['statuses', 'byRecord', 'tables', 'A', 'map', '3']);
  });
});

describe('Legacy text by a record’s flag: rules decode, leave, or detect', () => {
  const config = {
    mapping: MAPPING,
    statuses: { map: { '3': 5 } },
    legacyText: [
      { encoding: 'vni', fields: ['applicant.name', 'summary'], when: 'FontChu = "VNI"' },
      { encoding: 'tcvn3', fields: ['history[].content'] },
    ],
  };
  const record = (extra: object) => ({
    MaHoSo: 'H47.01-260101-0001',
    TrangThai: '3',
    ...extra,
  });

  it('decodes the rule’s fields when the flag says VNI, even text detection leaves', async () => {
    // "Hồ Thị Lan" in VNI reads as the Unicode words "Hoà Thò Lan": no detection can tell.
    const dossier = await mapRecord(
      config,
      record({ FontChu: 'VNI', ChuHoSo: 'Hoà Thò Lan', TrichYeu: 'Caáp giaáy pheùp' }),
    );
    expect(dossier.applicant.name).toBe('Hồ Thị Lan');
    expect(dossier.summary).toBe('Cấp giấy phép');
    expect(dossier.warnings).toEqual([
      { field: 'applicant.name', problem: 'decoded from VNI' },
      { field: 'summary', problem: 'decoded from VNI' },
    ]);
  });

  it('leaves the fields as sent when the flag says Unicode, even text that looks VNI', async () => {
    const dossier = await mapRecord(
      config,
      record({ FontChu: 'UNICODE', ChuHoSo: 'Nguyeãn Vaên Taùm' }),
    );
    expect(dossier.applicant.name).toBe('Nguyeãn Vaên Taùm');
    expect(dossier.warnings).toEqual([]);
  });

  it('falls back to detection without a predicate, or when it gives no boolean', async () => {
    const rule = config.legacyText[0] as object;
    const withWhen = (when: string | undefined) => ({ ...config, legacyText: [{ ...rule, when }] });
    const threeWay = withWhen('FontChu = "VNI" ? true : FontChu = "UNICODE" ? false : null');
    for (const [setup, extra] of [
      [withWhen(undefined), { FontChu: 'UNICODE' }],
      [threeWay, {}],
      [threeWay, { FontChu: 'KHAC' }],
      [withWhen('FontChu'), { FontChu: 'VNI' }],
    ] as const) {
      const legacy = await mapRecord(setup, record({ ...extra, ChuHoSo: 'Nguyeãn Minh An' }));
      expect(legacy.applicant.name).toBe('Nguyễn Minh An');
      const unicode = await mapRecord(setup, record({ ...extra, ChuHoSo: 'Hoà Bình' }));
      expect(unicode.applicant.name).toBe('Hoà Bình');
    }
    // JSONata compares a missing field as false: `FontChu = "VNI"` leaves such records as sent.
    const missing = await mapRecord(config, record({ ChuHoSo: 'Nguyeãn Minh An' }));
    expect(missing.applicant.name).toBe('Nguyeãn Minh An');
  });

  it('applies each rule to its own fields with its own encoding', async () => {
    const dossier = await mapRecord(
      config,
      record({
        FontChu: 'UNICODE',
        ChuHoSo: 'Nguyeãn Vaên Taùm',
        QuaTrinh: [{ TrangThai: '3', NoiDung: 'TiÕp nhËn hå s¬' }],
      }),
    );
    expect(dossier.applicant.name).toBe('Nguyeãn Vaên Taùm');
    expect(dossier.history[0]?.content).toBe('Tiếp nhận hồ sơ');
  });

  it('still reads one rule written alone, as before', () => {
    const rules = legacyTextSchema.parse({ encoding: 'tcvn3', fields: ['summary'] });
    expect(rules).toEqual([
      { encoding: 'tcvn3', fields: new Set(['summary']), mode: 'detect', when: null },
    ]);
  });

  it('refuses a field in two rules, naming it, and an unsafe predicate, marked unsafe', () => {
    const twice = legacyTextSchema.safeParse([
      { encoding: 'vni', fields: ['summary', 'applicant.name'] },
      { encoding: 'tcvn3', fields: ['applicant.name'] },
    ]);
    expect(twice.error?.issues).toEqual([
      expect.objectContaining({
        path: [1, 'fields', 0],
        message: 'applicant.name is already decoded by legacyText[0]: a field has one rule',
      }),
    ]);
    const unsafe = legacyTextSchema.safeParse({
      encoding: 'vni',
      fields: ['summary'],
      when: '$eval(FontChu)',
    });
    expect(unsafe.error?.issues).toEqual([
      expect.objectContaining({ path: ['when'], params: { unsafeExpression: true } }),
    ]);
    expect(legacyTextSchema.safeParse([]).error?.issues[0]?.message).toMatch(/>=1 items/);
  });
});

describe('The guides’ worked examples of tables chosen by the record', () => {
  /** The YAML blocks of a guide that declare `statuses.byRecord` or `legacyText` rules, as data. */
  const examples = (guide: string) =>
    [
      ...readFileSync(join(__dirname, '..', '..', 'docs', guide), 'utf8').matchAll(
        /```yaml\n([\s\S]*?)```/g,
      ),
    ]
      .map((match) => match[1] as string)
      .filter((block) => /^ *(byRecord|legacyText):/m.test(block))
      // Blocks inside a numbered step are indented by three spaces.
      .map(
        (block) =>
          parse(block.startsWith('   ') ? block.replace(/^ {3}/gm, '') : block) as Record<
            string,
            unknown
          >,
      )
      .filter((example) => 'statuses' in example || Array.isArray(example.legacyText));

  it('load in both guides, and are the same example', async () => {
    const english = examples('provincial-it-guide.md');
    expect(english).toHaveLength(2);
    expect(examples('huong-dan-dang-ky-ket-noi.md')).toEqual(english);
    const [statuses, legacy] = english as [Record<string, unknown>, Record<string, unknown>];
    const config = { mapping: MAPPING, ...statuses, ...legacy };
    const dossier = await mapRecord(config, {
      MaHoSo: 'H47.01-260101-0001',
      TrangThai: '3',
      LoaiThuTuc: 'THUPHI',
      FontChu: 'VNI',
      ChuHoSo: 'Hoà Thò Lan',
    });
    expect(dossier.status).toEqual({ code: 6, raw: '3', lossy: false, mayBe: [] });
    expect(dossier.applicant.name).toBe('Hồ Thị Lan');
  });
});
