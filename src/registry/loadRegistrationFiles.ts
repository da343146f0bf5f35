import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ConnectorKind } from '../../connectors/contract';
import {
  ConfigurationError,
  describeZodIssues,
  formatPath,
  type ConfigurationProblem,
} from '../errors/ConfigurationError';
import { DEFAULT_TTL_SECONDS } from '../domain/cachePolicy';
import { CoverageIndex } from '../domain/CoverageIndex';
import { originLabel, type Registration, type RegistrationOrigin } from './Registration';
import { registrationSchema } from './registrationSchema';

export interface LoadRegistrationOptions {
  /** Connector kinds by name. */
  kinds: ReadonlyMap<string, ConnectorKind<unknown>>;
  /** Values for `${NAME}` references in string fields (the environment, in main.ts). */
  variables: Readonly<Record<string, string | undefined>>;
  /** Said after "refers to ${NAME}, which is not set" (where the values were to come from). */
  unsetHint?: string;
}

/**
 * Reads every `*.yaml`, `*.yml` and `*.json` file of a folder as a static registration. All files
 * are checked before any is returned — envelope, kind config, unique ids, non-overlapping coverage —
 * and every problem is reported with its file and field path, so start-up either registers all of
 * them or none.
 */
export async function loadRegistrationFiles(
  folder: string,
  options: LoadRegistrationOptions,
): Promise<Registration[]> {
  const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    throw new ConfigurationError([
      { file: folder, path: '', message: `cannot read the folder: ${error.code ?? error.message}` },
    ]);
  });
  const files = names.filter((name) => /\.(ya?ml|json)$/i.test(name)).sort();
  const problems: ConfigurationProblem[] = [];
  const registrations: Registration[] = [];
  for (const name of files) {
    const file = join(folder, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      problems.push({
        file,
        path: '',
        message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      });
      continue;
    }
    const result = parseRegistration(text, file, options);
    if (result.ok) registrations.push(result.registration);
    else problems.push(...result.problems);
  }
  problems.push(...crossCheck(registrations));
  if (problems.length > 0) throw new ConfigurationError(problems);
  return registrations;
}

export type Parsed =
  { ok: true; registration: Registration } | { ok: false; problems: ConfigurationProblem[] };

/** Parses and validates one registration document (YAML or JSON text). */
export function parseRegistration(
  text: string,
  file: string,
  options: LoadRegistrationOptions,
  origin: RegistrationOrigin = { type: 'file', file },
): Parsed {
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: false });
  } catch (error) {
    // Position only: the parser's text quotes the offending line, and a line may hold a secret.
    const offset = (error as { pos?: [number, number] }).pos?.[0];
    const before = offset === undefined ? undefined : text.slice(0, offset).split('\n');
    const where =
      before === undefined
        ? ''
        : ` at line ${before.length}, column ${(before.at(-1) as string).length + 1}`;
    return { ok: false, problems: [{ file, path: '', message: `not valid YAML or JSON${where}` }] };
  }
  return parseRegistrationDocument(document, file, options, origin);
}

/** Validates one registration already parsed from YAML or JSON. */
export function parseRegistrationDocument(
  document: unknown,
  file: string,
  options: LoadRegistrationOptions,
  origin: RegistrationOrigin = { type: 'file', file },
): Parsed {
  const substituted = substituteVariables(document, options.variables, options.unsetHint);
  if (substituted.problems.length > 0)
    return {
      ok: false,
      problems: substituted.problems.map((problem) => ({ file, ...problem })),
    };
  const resolved = substituted.value;

  // The envelope and the kind's config are checked independently, so one run reports both.
  const envelope = registrationSchema.safeParse(resolved);
  const kindName = (resolved as { kind?: unknown } | null)?.kind;
  const kind = typeof kindName === 'string' ? options.kinds.get(kindName) : undefined;
  const problems = envelope.success ? [] : describeZodIssues(file, envelope.error);
  if (kind === undefined && typeof kindName === 'string') {
    problems.push({
      file,
      path: 'kind',
      message: `unknown connector kind "${kindName}"; known kinds: ${[...options.kinds.keys()].join(', ')}`,
    });
  }
  const config = kind?.configSchema.safeParse((resolved as { config?: unknown }).config ?? {});
  if (config !== undefined && !config.success) {
    problems.push(...describeZodIssues(file, config.error, ['config']));
  }
  if (!envelope.success || kind === undefined || config === undefined || !config.success) {
    return { ok: false, problems };
  }
  // Changes read since an instant need the kind's request for them.
  if (
    envelope.data.changes?.modified !== undefined &&
    kind.declaresChangedSince?.(config.data) === false
  ) {
    return {
      ok: false,
      problems: [
        {
          file,
          path: 'changes.modified',
          message: `reads the changes since an instant, but config has no changedSince request (the ${kind.kind} kind's config.changedSince): declare one, or read changes with listing or recheck`,
        },
      ],
    };
  }

  const { id, name, description, coverage, upstream, cache, push, changes } = envelope.data;
  return {
    ok: true,
    registration: {
      id,
      kind: kind.kind,
      name,
      description,
      coverage,
      upstream,
      ttl: { ...DEFAULT_TTL_SECONDS, ...stripUndefined(cache.ttlSeconds) },
      freshness: {
        hardLifetimeFactor: cache.hardLifetimeFactor,
        maxStaleSeconds: cache.maxStaleSeconds,
        notFoundTtlSeconds: cache.notFoundTtlSeconds,
        softDeadlineMs: cache.softDeadlineMs,
      },
      push:
        push === undefined
          ? undefined
          : {
              secret: push.secret,
              codes: push.codes ?? (push.records === undefined ? 'codes' : undefined),
              records: push.records,
            },
      changes:
        changes === undefined
          ? undefined
          : {
              everySeconds: changes.everySeconds,
              listing: changes.listing,
              recheck: changes.recheck,
              modified: changes.modified,
            },
      config: config.data,
      configInput: (resolved as { config?: unknown }).config ?? {},
      origin,
    },
  };
}

/** Ids used once, coverage claimed once, across every registration (files and runtime). */
export function crossCheck(registrations: readonly Registration[]): ConfigurationProblem[] {
  const problems: ConfigurationProblem[] = [];
  const seen = new Map<string, string>();
  for (const registration of registrations) {
    const first = seen.get(registration.id);
    if (first !== undefined) {
      problems.push({
        file: originLabel(registration),
        path: 'id',
        message: `id "${registration.id}" is already used by ${first}`,
      });
    }
    seen.set(registration.id, originLabel(registration));
  }
  for (const conflict of CoverageIndex.conflicts(registrations)) {
    const second = registrations.find((r) => r.id === conflict.second);
    const file = second === undefined ? '' : originLabel(second);
    problems.push({
      file,
      path: 'coverage',
      message: `${conflict.key} is already covered by registration "${conflict.first}"`,
    });
  }
  return problems;
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * A registration document with `${NAME}` and `${NAME:-default}` replaced inside string values
 * (never in keys), and one problem per reference to a variable that is not set (as in the shell,
 * an empty one counts as unset), at its field path. The one rule for registration files at start
 * and for the connectors command line, which fills a runtime document from the caller's shell.
 */
export function substituteVariables(
  document: unknown,
  variables: Readonly<Record<string, string | undefined>>,
  unsetHint = '',
): { value: unknown; problems: Array<{ path: string; message: string }> } {
  const problems: Array<{ path: string; message: string }> = [];
  const value = substitute(
    document,
    [],
    (path, message) => problems.push({ path: formatPath(path), message: `${message}${unsetHint}` }),
    variables,
  );
  return { value, problems };
}

function substitute(
  value: unknown,
  path: PropertyKey[],
  report: (path: PropertyKey[], message: string) => void,
  variables: Readonly<Record<string, string | undefined>>,
): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (_whole, name: string, fallback: string | undefined) => {
      // As in the shell, an empty variable counts as unset.
      const value = variables[name];
      const found = value === undefined || value === '' ? fallback : value;
      if (found === undefined) {
        report(path, `refers to \${${name}}, which is not set`);
        return '';
      }
      return found;
    });
  }
  if (Array.isArray(value))
    return value.map((item, index) => substitute(item, [...path, index], report, variables));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        substitute(item, [...path, key], report, variables),
      ]),
    );
  }
  return value;
}

function stripUndefined<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(record).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
