import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigurationError, describeZodIssues } from '../../errors/ConfigurationError';
import { AgencyDirectory, type Agency } from '../../domain/AgencyDirectory';
import { canonicalAgencyCode, isAgencyCode } from '../../../connectors/shared/agencyCode';
import { AGENCY_TIERS } from '../../domain/agencyTier';

const date = z.iso.date({ error: 'a date written yyyy-MM-dd' });
const code = z
  .string()
  .refine(isAgencyCode, 'an agency code of digits, A–Z and dots, at most 35 characters')
  .transform(canonicalAgencyCode);

/**
 * One agency of the directory, as the file lists it and as an administrator puts it at runtime
 * (src/services/agencies/DirectoryEntries.ts): code canonical, name NFC, defaults filled in.
 */
export const agencyEntrySchema = z.strictObject({
  code,
  name: z
    .string()
    .min(1)
    .transform((name) => name.normalize('NFC')),
  level: z.number().int().min(1).max(4),
  /** The tier a report groups it under, when the rule in agencyTier.ts would guess wrong. */
  tier: z.enum(AGENCY_TIERS).nullable().default(null),
  parent: code.nullable().default(null),
  validFrom: date.nullable().default(null),
  validTo: date.nullable().default(null),
  successors: z
    .array(z.strictObject({ code, from: date, scope: z.string().nullable().default(null) }))
    .default([]),
  /** Office hours when they differ from 07:00–11:30, 13:30–17:00: `[["07:30", "11:30"], …]`. */
  officeHours: z
    .array(
      z.tuple([
        z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:mm'),
        z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:mm'),
      ]),
    )
    .min(1)
    .refine(
      (periods) =>
        periods.every(
          ([from, to], i) =>
            from < to && (i === 0 || (periods[i - 1] as [string, string])[1] <= from),
        ),
      'periods must be increasing and not overlap',
    )
    .nullable()
    .default(null),
  /**
   * Statuses it reports lossily, for it and its units: national code → the other codes it may
   * stand for (`{ 9: [5, 6, 8] }`). Whichever system answers, such a status is marked lossy.
   */
  lossyStatuses: z
    .record(
      z.string().regex(/^(10|[1-9])$/, 'a national status code 1–10'),
      z.array(z.number().int().min(1).max(10)).min(1),
    )
    .nullable()
    .default(null),
});

const directorySchema = z.strictObject({ agencies: z.array(agencyEntrySchema) });

/**
 * Reads the agency directory from a YAML or JSON file and checks it whole: unique codes, parents
 * and successors that exist, successors only on closed codes, no successor or parent cycles.
 */
export async function loadAgencyDirectory(file: string): Promise<AgencyDirectory> {
  return new AgencyDirectory(await readAgencyDirectoryFile(file));
}

/** The agencies of a directory file, checked whole (as `loadAgencyDirectory`). */
export async function readAgencyDirectoryFile(file: string): Promise<Agency[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new ConfigurationError([
      { file, path: '', message: `cannot read: ${error.code ?? error.message}` },
    ]);
  });
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new ConfigurationError([
      { file, path: '', message: `not YAML: ${(error as Error).message}` },
    ]);
  }
  const parsed = directorySchema.safeParse(data);
  if (!parsed.success) throw new ConfigurationError(describeZodIssues(file, parsed.error));
  const agencies = parsed.data.agencies;
  const problems = directoryProblems(agencies);
  if (problems.length > 0) throw directoryError(file, problems);
  return agencies;
}

export function createAgencyDirectory(
  agencies: Agency[],
  file = 'agency directory',
): AgencyDirectory {
  const problems = directoryProblems(agencies);
  if (problems.length > 0) throw directoryError(file, problems);
  return new AgencyDirectory(agencies);
}

function directoryError(file: string, problems: DirectoryProblem[]): ConfigurationError {
  return new ConfigurationError(
    problems.map(({ index, field, message }) => ({
      file,
      path: `agencies[${index}].${field}`,
      message,
    })),
  );
}

/** What is wrong with one agency of a directory: its index in the list, the field, why. */
export interface DirectoryProblem {
  index: number;
  /** `code`, `parent`, `successors`, `successors[0].code`. */
  field: string;
  message: string;
}

/**
 * What is wrong with a whole directory: codes listed twice, parents and successors that do not
 * exist, successors on an agency still open, successor cycles, parent cycles. Empty: it holds.
 */
export function directoryProblems(agencies: readonly Agency[]): DirectoryProblem[] {
  const problems: DirectoryProblem[] = [];
  const known = new Map<string, number>();
  agencies.forEach((agency, index) => {
    if (known.has(agency.code)) {
      problems.push({ index, field: 'code', message: `${agency.code} is listed twice` });
    }
    known.set(agency.code, index);
  });
  agencies.forEach((agency, index) => {
    if (agency.parent !== null && !known.has(agency.parent)) {
      problems.push({ index, field: 'parent', message: `unknown agency ${agency.parent}` });
    }
    if (agency.successors.length > 0 && agency.validTo === null) {
      problems.push({
        index,
        field: 'successors',
        message: 'only a closed agency (validTo set) has successors',
      });
    }
    agency.successors.forEach((successor, s) => {
      if (!known.has(successor.code)) {
        problems.push({
          index,
          field: `successors[${s}].code`,
          message: `unknown agency ${successor.code}`,
        });
      }
    });
  });
  const byCode = new Map(agencies.map((agency) => [agency.code, agency]));
  for (const agency of agencies) {
    const cycle = findSuccessorCycle(agency.code, byCode);
    if (cycle !== null) {
      problems.push({
        index: known.get(agency.code) as number,
        field: 'successors',
        message: `successor cycle ${cycle.join(' → ')}`,
      });
      break;
    }
  }
  for (const agency of agencies) {
    const cycle = findParentCycle(agency.code, byCode);
    if (cycle !== null) {
      problems.push({
        index: known.get(agency.code) as number,
        field: 'parent',
        message: `parent cycle ${cycle.join(' → ')}`,
      });
      break;
    }
  }
  return problems;
}

/** The parent chain from `start` back to itself, if it comes back. */
function findParentCycle(start: string, byCode: ReadonlyMap<string, Agency>): string[] | null {
  const path = [start];
  let code = byCode.get(start)?.parent ?? null;
  while (code !== null) {
    path.push(code);
    if (code === start) return path;
    // A cycle above `start` that does not pass through it: named from one of its own agencies.
    if (path.indexOf(code) < path.length - 1) return null;
    code = byCode.get(code)?.parent ?? null;
  }
  return null;
}

function findSuccessorCycle(start: string, byCode: ReadonlyMap<string, Agency>): string[] | null {
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (code: string): string[] | null => {
    if (onPath.has(code)) return [...path.slice(path.indexOf(code)), code];
    onPath.add(code);
    path.push(code);
    for (const successor of byCode.get(code)?.successors ?? []) {
      const cycle = visit(successor.code);
      if (cycle !== null) return cycle;
    }
    path.pop();
    onPath.delete(code);
    return null;
  };
  return visit(start);
}
