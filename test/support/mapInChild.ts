import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileMapping, type DossierMappingSpec } from '../../connectors/shared/dossierMapping';
import { ExpressionCompiler } from '../../connectors/shared/expression/ExpressionCompiler';
import { renderProvincial } from '../../samples/provincial-rest/renderProvincial';
import { provincialDataset } from '../../samples/provincial-rest/startProvincialRest';
import { DEFAULT_DIRECTORY_FILE } from '../../samples/startSampleSystems';
import { ODD_PLAIN_SPEC, ODD_RECORDS, ODD_SPEC } from './oddMappingRecords';

/**
 * Run as its own process (`node [--disallow-code-generation-from-strings] --import tsx`, see
 * plainPathMapping.test.ts): maps `count` records of the sample provincial system with the bundled
 * Thanh Hóa registration's mapping, then the odd records with both of their mappings (oddMappingRecords.ts),
 * and prints `{ codeFromStrings, mapped, odd }` as JSON, where `codeFromStrings` says whether this
 * process allows `new Function` at all. Keys whose value is undefined are printed as
 * `"(undefined)"`, failures as `{ failed: <JSONata code> }`, so that neither is lost in JSON.
 */
async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100);
  let codeFromStrings = true;
  try {
    new Function('return 1')();
  } catch {
    codeFromStrings = false;
  }
  const file = join(__dirname, '..', '..', 'examples', 'registrations', 'thanh-hoa-motcua.yaml');
  const { config } = parse(readFileSync(file, 'utf8')) as {
    config: { mapping: DossierMappingSpec };
  };
  const mapping = compileMapping(config.mapping, new ExpressionCompiler(1000));
  const dataset = provincialDataset({
    size: count * 2,
    seed: 7,
    directoryFile: DEFAULT_DIRECTORY_FILE,
  });
  const mapped: unknown[] = [];
  for (const code of dataset.codes()) {
    const dossier = dataset.get(code);
    if (dossier === undefined) continue;
    mapped.push(await mapping.evaluate(renderProvincial(dossier, false)));
    if (mapped.length === count) break;
  }
  const odd: unknown[] = [];
  for (const spec of [ODD_SPEC, ODD_PLAIN_SPEC]) {
    const oddMapping = compileMapping(spec, new ExpressionCompiler(1000));
    for (const record of ODD_RECORDS)
      odd.push(
        await oddMapping.evaluate(record).then(
          (value) => value,
          (error: { code?: string }) => ({ failed: error.code ?? 'unknown' }),
        ),
      );
  }
  const shown = (_key: string, value: unknown) => (value === undefined ? '(undefined)' : value);
  process.stdout.write(JSON.stringify({ codeFromStrings, mapped, odd }, shown));
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exitCode = 1;
});
