import type { SampleDataset, SampleDossier } from '../../samples/generator/SampleDataset';

/** The first `count` codes of a dataset (of one agency, if given) whose dossier satisfies `accept`. */
export function findCodes(
  dataset: SampleDataset,
  count: number,
  accept: (dossier: SampleDossier) => boolean = () => true,
  agencyCode?: string,
): string[] {
  const found: string[] = [];
  for (const code of dataset.codes()) {
    if (agencyCode !== undefined && !code.startsWith(`${agencyCode}-`)) continue;
    const dossier = dataset.get(code);
    if (dossier !== undefined && accept(dossier)) found.push(code);
    if (found.length === count) return found;
  }
  throw new Error(
    `the sample dataset has fewer than ${count} matching dossiers (found ${found.length})`,
  );
}
