import { z } from 'zod';
import type { ConnectorKind } from '../contract';
import { restJsonConfigSchema, type RestJsonConfig } from '../rest-json/configSchema';
import { restJsonKind } from '../rest-json/restJsonKind';
import { NATIONAL_STATUS_CODES } from '../shared/statusTable';
import { NATIONAL_MAPPING, NATIONAL_PROCEDURE_MAPPING } from './nationalMapping';

/**
 * `national-sync`: a system that already speaks the portal's sync format — every value a string,
 * dates `yyyyMMddHHmmss` in Vietnam time, national status codes. It is `rest-json` with national
 * defaults, so a registration names only its endpoints and, where its system differs, overrides.
 */
export const nationalSyncKind: ConnectorKind<RestJsonConfig> = {
  kind: 'national-sync',
  configSchema: z.preprocess(withNationalDefaults, restJsonConfigSchema),
  create: (config, deps) => restJsonKind.create(config, deps),
  declaresChangedSince: (config) => config.changedSince !== undefined,
};

const NATIONAL_DEFAULTS = {
  bulk: { method: 'POST', body: '{"DanhSachMaHoSo": $codes}', records: 'data' },
  single: { method: 'GET', record: 'data' },
};

const NATIONAL_CATALOGUE: Record<string, unknown> = {
  method: 'GET',
  query: { cursor: '$cursor', limit: '$size' },
  records: 'data',
  pagination: { type: 'cursor', next: 'next_cursor' },
  mapping: NATIONAL_PROCEDURE_MAPPING,
};

function withNationalDefaults(input: unknown): unknown {
  if (!isObject(input)) return input;
  const lookup = isObject(input.lookup) ? input.lookup : {};
  const mapping = isObject(input.mapping) ? input.mapping : {};
  const statuses = isObject(input.statuses) ? input.statuses : {};
  return {
    ...input,
    lookup: {
      ...lookup,
      ...(isObject(lookup.bulk) ? { bulk: { ...NATIONAL_DEFAULTS.bulk, ...lookup.bulk } } : {}),
      ...(isObject(lookup.single)
        ? { single: { ...NATIONAL_DEFAULTS.single, ...lookup.single } }
        : {}),
    },
    // Deep: overriding `applicant.address` keeps the preset applicant name, phone and ids.
    mapping: mergeDeep(NATIONAL_MAPPING as unknown as Record<string, unknown>, mapping),
    statuses: {
      map: Object.fromEntries(NATIONAL_STATUS_CODES.map((code) => [String(code), code])),
      ...statuses,
    },
    // `yyyyMMdd`: a date sent without a time (as the gateway's own sync record writes one).
    dates: {
      formats: ['yyyyMMddHHmmss', 'yyyyMMdd'],
      ...(isObject(input.dates) ? input.dates : {}),
    },
    // A catalogue in the national format, paged by cursor, unless the registration says otherwise.
    ...(isObject(input.catalogue)
      ? {
          catalogue: {
            ...mergeDeep(NATIONAL_CATALOGUE, input.catalogue),
            // A pagination given is taken whole: its type decides which fields it has.
            pagination: input.catalogue.pagination ?? NATIONAL_CATALOGUE.pagination,
          },
        }
      : {}),
  };
}

function mergeDeep(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const preset = merged[key];
    merged[key] = isObject(preset) && isObject(value) ? mergeDeep(preset, value) : value;
  }
  return merged;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
