import type { Agency } from '../src/domain/AgencyDirectory';
import { createAgencyDirectory } from '../src/services/agencies/loadAgencyDirectory';
import { CoverageIndex } from '../src/domain/CoverageIndex';
import { routeDossierCode } from '../src/domain/routeDossierCode';
import { coverageSchema } from '../src/registry/registrationSchema';

/**
 * Routing scale (issue 10): the cost of routing one dossier code (parse, directory lookup,
 * coverage probe per hierarchy level) with 10, 1 000 and 100 000 registered agency codes, each
 * covered by its own registration. Runs in this process, the sizes interleaved round by round;
 * every route is checked (the code must reach its own registration). Prints ns per route and
 * the ratio to the smallest size: flat means the directory and coverage lookups do not scan.
 */
const SIZES = [10, 1_000, 100_000];
const ROUTES = 1_000_000;
const ROUNDS = 5;
const TODAY = '2026-11-26';

/** `NNN.NN.NN.H99`-style codes: level-3 units under 100 provinces. */
function agencyCode(i: number): string {
  const province = `H${String(i % 100).padStart(2, '0')}`;
  const unit = String(Math.floor(i / 100) % 1000).padStart(3, '0');
  const group = String(Math.floor(i / 100_000) % 100).padStart(2, '0');
  return `${unit}.${group}.01.${province}`;
}

function setup(size: number) {
  const agencies: Agency[] = Array.from({ length: size }, (_, i) => ({
    code: agencyCode(i),
    name: `Đơn vị ${i}`,
    level: 3,
    parent: null,
    validFrom: '2020-01-01',
    validTo: null,
    successors: [],
  }));
  const directory = createAgencyDirectory(agencies);
  const coverage = new CoverageIndex(
    agencies.map((agency, i) => ({
      id: `system-${i}`,
      coverage: coverageSchema.parse({ agencies: [agency.code] }),
    })),
  );
  // 10 000 dossier codes: over the same 10 agencies whatever the size (the registry's size alone
  // changes), and spread over every registered agency (memory locality changes too).
  const codesOver = (agencyCount: number) =>
    Array.from({ length: 10_000 }, (_, i) => {
      const which = (i * 7919) % agencyCount;
      return {
        code: `${agencyCode(which)}-261126-${String(i).padStart(4, '0')}`,
        id: `system-${which}`,
      };
    });
  return {
    same: { directory, coverage, codes: codesOver(10) },
    spread: { directory, coverage, codes: codesOver(size) },
  };
}

function run(setupOf: ReturnType<typeof setup>['same']): number {
  const { directory, coverage, codes } = setupOf;
  const started = process.hrtime.bigint();
  for (let i = 0; i < ROUTES; i += 1) {
    const { code, id } = codes[i % codes.length] as { code: string; id: string };
    const routed = routeDossierCode(code, directory, coverage, TODAY);
    if (!routed.ok || routed.route.connectorId !== id)
      throw new Error(`${code} routed wrong: ${JSON.stringify(routed)}`);
  }
  return Number(process.hrtime.bigint() - started) / ROUTES;
}

function main(): void {
  const setups = SIZES.map((size) => setup(size));
  const same = SIZES.map(() => [] as number[]);
  const spread = SIZES.map(() => [] as number[]);
  for (const s of setups) run(s.same); // warm-up
  for (let round = 0; round < ROUNDS; round += 1)
    for (const [i, s] of setups.entries()) {
      same[i]?.push(run(s.same));
      spread[i]?.push(run(s.spread));
    }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const baseSame = median(same[0] as number[]);
  const baseSpread = median(spread[0] as number[]);
  const lines = SIZES.map((size, i) => {
    const a = median(same[i] as number[]);
    const b = median(spread[i] as number[]);
    return `| ${size.toLocaleString('en')} | ${a.toFixed(0)} | ${(a / baseSame).toFixed(2)} | ${b.toFixed(0)} | ${(b / baseSpread).toFixed(2)} |`;
  });
  process.stdout.write(
    [
      `Routing scale: ${ROUTES.toLocaleString('en')} routes per run, ${ROUNDS} interleaved rounds, medians; every route checked (the code reaches its own registration).`,
      'Same codes: 10 000 codes over the same 10 agencies at every size (the registry size alone changes);',
      'spread: the codes over every registered agency (the lookups also touch 10 000 times more memory at 100 000).',
      '',
      '| registered agency codes | ns per route, same codes | ratio | ns per route, spread | ratio |',
      '|---:|---:|---:|---:|---:|',
      ...lines,
      '',
    ].join('\n'),
  );
}

main();
