import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsonata from 'jsonata';
import { parse } from 'yaml';
import {
  compileMapping,
  listingMappingSpec,
  mappingSource,
  type DossierMappingSpec,
} from '../../connectors/shared/dossierMapping';
import { markPath, objectMapper, type Mapper } from '../../connectors/shared/objectMapper';
import { NATIONAL_MAPPING } from '../../connectors/national-sync/nationalMapping';
import { nationalSyncKind } from '../../connectors/national-sync/nationalSyncKind';
import { parseSoapResponse } from '../../connectors/soap/parseSoapResponse';
import { landDataset } from '../../samples/land-soap/startLandSoap';
import { renderLand } from '../../samples/land-soap/renderLand';
import { ministryDataset } from '../../samples/ministry-national/startMinistryNational';
import { renderNational } from '../../samples/ministry-national/renderNational';
import { provincialDataset } from '../../samples/provincial-rest/startProvincialRest';
import { renderProvincial } from '../../samples/provincial-rest/renderProvincial';
import { DEFAULT_DIRECTORY_FILE } from '../../samples/startSampleSystems';
import type { SampleDataset } from '../../samples/generator/SampleDataset';
import { ODD_RECORDS, ODD_SPEC } from '../support/oddMappingRecords';
import { PROJECT_ROOT } from '../support/testGateway';
import { ExpressionCompiler } from '../../connectors/shared/expression/ExpressionCompiler';

const EXPRESSIONS = new ExpressionCompiler(1000);

/** A bundled registration's lookup mapping (national-sync's built-in one when it gives none). */
/** A bundled registration's dossier mapping, as its kind reads it (national-sync: over its defaults). */
function mappingOf(file: string): DossierMappingSpec {
  const { kind, config } = parse(
    readFileSync(join(PROJECT_ROOT, 'examples', 'registrations', file), 'utf8'),
  ) as { kind: string; config: { mapping?: DossierMappingSpec } };
  if (kind !== 'national-sync') return config.mapping ?? NATIONAL_MAPPING;
  const parsed = nationalSyncKind.configSchema.safeParse(config);
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.message}`);
  return parsed.data.mapping as DossierMappingSpec;
}

function records(
  dataset: SampleDataset,
  render: (dossier: NonNullable<ReturnType<SampleDataset['get']>>, broken: boolean) => unknown,
): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  for (const code of dataset.codes()) {
    const dossier = dataset.get(code);
    if (dossier !== undefined) out.push(render(dossier, i % 50 === 0));
    i += 1;
    if (out.length === 400) break;
  }
  return out;
}

/**
 * A result as JSON text: keys in order, no undefined keys (JSONata marks its arrays as sequences
 * with extra properties; the values and their order are what must match).
 */
const same = (value: unknown) => JSON.stringify(value) ?? 'undefined';

const options = { size: 2000, seed: 77, directoryFile: DEFAULT_DIRECTORY_FILE };
const LAND_NS = 'http://motcua.thanhhoa.gov.vn/datdai';

/** Land records as the SOAP engine reads them: parsed from an envelope of many, one by one. */
function landRecords(): unknown[] {
  const xml = records(landDataset(options), (d, broken) => renderLand(d, broken)) as string[];
  const answer = parseSoapResponse(
    `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><TraCuuHoSoResponse xmlns="${LAND_NS}"><TraCuuHoSoResult>${xml.join('')}</TraCuuHoSoResult></TraCuuHoSoResponse></soap:Body></soap:Envelope>`,
  );
  if (!answer.ok) throw new Error('unreadable land sample');
  const body = answer.body as {
    TraCuuHoSoResponse: { TraCuuHoSoResult: { HoSo: unknown[] } };
  };
  return body.TraCuuHoSoResponse.TraCuuHoSoResult.HoSo;
}

/**
 * Mapping fields that only pick values are read as plain property paths instead of through
 * JSONata (issue 10's uncached path, issue 9's listings): the result must be JSONata's, key for
 * key, for every record.
 */
describe('Plain-path mapping equals JSONata', () => {
  const systems: Array<[string, string, () => unknown[]]> = [
    [
      'provincial REST',
      'thanh-hoa-motcua.yaml',
      () => records(provincialDataset(options), (d, b) => renderProvincial(d, b)),
    ],
    [
      'ministry national',
      'bo-noi-vu-dvc.yaml',
      () => records(ministryDataset(options), (d, b) => renderNational(d, b)),
    ],
    ['land SOAP', 'thanh-hoa-datdai.yaml', landRecords],
  ];

  it.each(systems)('%s: lookup and listing mappings, 400 records each', async (_, file, read) => {
    const spec = mappingOf(file);
    const all = read();
    expect(all.length).toBe(400);
    for (const used of [spec, listingMappingSpec(spec)]) {
      const compiled = compileMapping(used, EXPRESSIONS);
      expect(compiled.plainFields).toBeGreaterThan(5);
      const reference = jsonata(mappingSource(used));
      for (const record of all)
        expect(same(await compiled.evaluate(record))).toBe(same(await reference.evaluate(record)));
    }
  });

  it('leaves to JSONata what its sequence rules read differently', async () => {
    const spec = ODD_SPEC;
    const compiled = compileMapping(spec, EXPRESSIONS);
    // code, status, history, summary, flag, none (the constant null: each record then goes to
    // JSONata whole) and computed; rooted, parent and bound whole.
    expect(compiled.plainFields).toBe(7);
    const reference = jsonata(mappingSource(spec));
    const odd = ODD_RECORDS;
    for (const record of odd)
      expect([record, same(await compiled.evaluate(record))]).toEqual([
        record,
        same(await reference.evaluate(record)),
      ]);
  });

  it('a list item JSONata fails on, beside one it cannot read plainly: the failure is the mapping’s, never unhandled', async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const spec = {
        code: 'a',
        status: 's',
        fees: { each: 'items', fields: { amount: '$number(x)' } },
      };
      const compiled = compileMapping(spec, EXPRESSIONS);
      const reference = jsonata(mappingSource(spec));
      const record = { a: '1', s: '2', items: [{ x: '12 trang' }, null] };
      const outcome = async (evaluate: () => Promise<unknown>) =>
        evaluate().then(
          (value) => ({ value }),
          (error: { code?: string }) => ({ error: error.code }),
        );
      expect(await outcome(() => compiled.evaluate(record))).toEqual(
        await outcome(() => reference.evaluate(record)),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});

describe('Plain-path mapping: generated code', () => {
  it('writes keys and steps into the code as string literals only: a key written as code stays a key', async () => {
    const key = 'x"]; globalThis.injected = true; out["y';
    const spec = { code: 'a', status: 's', [key]: 'b.c', 'd\u2028e': 'b' };
    const compiled = compileMapping(spec, EXPRESSIONS);
    const mapped = await compiled.evaluate({ a: '1', s: '2', b: { c: 'kept' } });
    expect(mapped).toEqual({ code: '1', status: '2', [key]: 'kept', 'd\u2028e': { c: 'kept' } });
    expect((globalThis as { injected?: boolean }).injected).toBeUndefined();
  });

  it('writes short paths into the code, and leaves long paths and very large objects to closures', () => {
    // A path the way dossierMapping.ts compiles one: its own reader, marked with its steps.
    const path = (steps: string[]): Mapper =>
      markPath((record) => {
        let value: unknown = record;
        for (const step of steps)
          value = (value as Record<string, unknown> | undefined)?.[step] ?? undefined;
        return value;
      }, steps);
    const short = objectMapper([['name', path(['applicant', 'name'])]]);
    expect(short.toString()).toContain('hasOwn(c, "applicant")');
    expect(short({ applicant: { name: 'Nguyễn Văn An' } })).toEqual({ name: 'Nguyễn Văn An' });

    // 50 fields of 2 000 steps each, as a hostile registration may write them (each path passes
    // the expression check): ~20 MB of code if written out; the closures read them.
    const deep = Array.from({ length: 2_000 }, () => 'a');
    let record: unknown = 'end';
    for (let i = 0; i < deep.length; i += 1) record = { a: record };
    const long = objectMapper(
      Array.from({ length: 50 }, (_, i): [string, Mapper] => [`f${i}`, path(deep)]),
    );
    expect(long.toString().length).toBeLessThan(64 * 1024);
    // One path of 300 steps would still fit the size cap: it is a closure's all the same.
    const one = objectMapper([['f', path(deep.slice(0, 300))]]);
    expect(one.toString().length).toBeLessThan(2_000);
    expect(long(record)).toEqual(
      Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, 'end'])),
    );

    // 400 short fields: past the size where generated code is kept; closures, the same answer.
    const many = objectMapper(
      Array.from({ length: 400 }, (_, i): [string, Mapper] => [`f${i}`, path([`k${i}`])]),
    );
    expect(many.toString()).not.toContain('hasOwn');
    expect(many({ k7: 'x', k399: 'y' })).toEqual({ f7: 'x', f399: 'y' });
  });

  it('maps the same in a process that refuses code from strings (the closures run there), odd records too', () => {
    const run = (flags: string[]) => {
      const child = spawnSync(
        process.execPath,
        [...flags, '--import', 'tsx', join(__dirname, '..', 'support', 'mapInChild.ts'), '150'],
        { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      );
      if (child.status !== 0)
        throw new Error(
          `mapInChild failed (${child.error?.message ?? child.signal ?? `exit ${child.status}`}): ${child.stderr}`,
        );
      return JSON.parse(child.stdout) as {
        codeFromStrings: boolean;
        mapped: unknown[];
        odd: unknown[];
      };
    };
    const generated = run([]);
    const closures = run(['--disallow-code-generation-from-strings']);
    expect(generated.codeFromStrings).toBe(true);
    expect(closures.codeFromStrings).toBe(false);
    expect(closures.mapped).toHaveLength(150);
    expect(closures.mapped).toEqual(generated.mapped);
    // Arrays mid-path, lists of non-objects, null and non-object records, keys left undefined.
    expect(closures.odd).toHaveLength(2 * ODD_RECORDS.length);
    expect(closures.odd).toEqual(generated.odd);
  }, 90_000);
});
