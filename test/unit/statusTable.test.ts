import {
  createStatusTable,
  mapStatus,
  nationalStatusTable,
  statusTableFor,
} from '../../connectors/shared/statusTable';
import { statusesSchema } from '../../connectors/shared/tablesSchema';

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

describe('Statuses by agency: some units of a system mean something else by the same value', () => {
  const table = createStatusTable({ '5': 5, '6': 6, '8': 8, '9': 9, 'Hoàn thành': 10 }, {}, [
    // The district branches collapse 5, 6 and 8 into 9.
    { agencies: ['H56.12.21'], map: {}, lossy: { 9: [5, 6, 8] } },
    // One branch also says "Hoàn thành" for finished (9), not returned (10), and is exact.
    { agencies: ['000.04.21.H56'], map: { 'Hoàn thành': 9 }, lossy: {} },
  ]);
  const status = (agency: string | null, raw: string) =>
    mapStatus(raw, statusTableFor(table, agency));

  it('uses the table of the most specific agency or unit declared above the dossier’s agency', () => {
    expect(status('000.21.12.H56', '9')).toMatchObject({
      code: 9,
      lossy: true,
      mayBe: [5, 6, 8, 9],
    });
    expect(status('001.21.12.H56', '9')).toMatchObject({ code: 9, lossy: true });
    expect(status('000.04.21.H56', '9')).toMatchObject({ code: 9, lossy: false });
    expect(status('000.04.21.H56', 'Hoàn thành')).toMatchObject({ code: 9, lossy: false });
  });

  it('keeps the registration’s table for every other agency, and when the agency is unknown', () => {
    expect(status('000.01.12.H56', '9')).toEqual({ code: 9, raw: '9', lossy: false, mayBe: [] });
    expect(status('000.01.12.H56', 'Hoàn thành')).toMatchObject({ code: 10, lossy: false });
    expect(status(null, '9')).toMatchObject({ lossy: false });
    expect(status('G09.20', '9')).toMatchObject({ lossy: false });
  });

  it('matches a declared code outside the standard form exactly', () => {
    const odd = createStatusTable({ '9': 9 }, {}, [
      { agencies: ['BNV.VP'], map: {}, lossy: { 9: [8] } },
    ]);
    expect(mapStatus('9', statusTableFor(odd, 'BNV.VP'))).toMatchObject({ lossy: true });
    expect(mapStatus('9', statusTableFor(odd, 'BNV.TC'))).toMatchObject({ lossy: false });
  });

  it('refuses an agency declared twice, and a value that is not an agency code', () => {
    const twice = statusesSchema.safeParse({
      map: { '9': 9 },
      byAgency: [
        { agencies: ['H56.12.21'], lossy: { 9: [5] } },
        { agencies: ['000.21.12.H56'], lossy: { 9: [6] } },
      ],
    });
    expect(twice.success).toBe(false);
    expect(twice.error?.issues[0]).toMatchObject({
      path: ['byAgency', 1, 'agencies', 0],
      message: '000.21.12.H56 (H56.12.21) is already in byAgency[0]: each agency has one table',
    });
    const bad = statusesSchema.safeParse({ map: {}, byAgency: [{ agencies: ['h56 12'] }] });
    expect(bad.error?.issues[0]?.message).toMatch(/an agency code/);
  });
});

describe('Statuses by agency and by record: tables cost their sum, never their product', () => {
  // 400 agency entries, 400 record tables and 400 values in the registration's table: a 23 KB
  // document that, built combination by combination, held 64 million entries (many GB).
  const N = 400;
  const document = () => ({
    map: Object.fromEntries(Array.from({ length: N }, (_, i) => [`s${i}`, (i % 10) + 1])),
    lossy: { 9: [5, 6, 8] },
    byAgency: Array.from({ length: N }, (_, i) => ({
      agencies: [`A${i}`],
      map: { s1: 3, [`a${i}`]: 7 },
      ...(i % 2 === 0 ? { lossy: {} } : {}),
    })),
    byRecord: {
      select: 'Loai',
      tables: Object.fromEntries(
        Array.from({ length: N }, (_, i) => [`R${i}`, { map: { s1: 4, [`r${i}`]: 8 } }]),
      ),
    },
  });

  it('reads such a document with little memory, and looks each value up through its layers', () => {
    const source = document();
    const before = process.memoryUsage().heapUsed;
    const statuses = statusesSchema.parse(source);
    const table = createStatusTable(
      statuses.map,
      statuses.lossy,
      statuses.byAgency,
      statuses.byRecord?.tables,
    );
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown).toBeLessThan(50 * 1024 * 1024);
    const code = (agency: string | null, record: string | null, raw: string) =>
      mapStatus(raw, statusTableFor(table, agency, record)).code;
    // The record's table, then the agency's, then the registration's.
    expect(code('A7', 'R9', 's1')).toBe(4);
    expect(code('A7', null, 's1')).toBe(3);
    expect(code(null, null, 's1')).toBe(2);
    expect(code('A7', 'R9', 'a7')).toBe(7);
    expect(code('A7', 'R9', 'r9')).toBe(8);
    expect(code('A7', 'R9', 's18')).toBe(9);
    expect(code('A8', 'R9', 'a7')).toBeNull();
    expect(code('A7', 'R8', 'r9')).toBeNull();
    expect(code('A7', 'NONE', 's1')).toBe(3);
    // Lossy: the first layer declaring any (agency 7 declares none, agency 8 declares `{}`).
    expect(mapStatus('s8', statusTableFor(table, 'A7', 'R1')).mayBe).toEqual([5, 6, 8, 9]);
    expect(mapStatus('s8', statusTableFor(table, 'A8', 'R1')).lossy).toBe(false);
    // The same agency and record share one table (and so one built status per value).
    expect(statusTableFor(table, 'A7', 'R9')).toBe(statusTableFor(table, 'A7', ' r9 '));
  });
});
