import { z } from 'zod';
import type {
  ChannelValue,
  Fee,
  MappingWarning,
  OnlineLevel,
  ProcessingTimeLimit,
  Procedure,
  PublicationState,
  TableValue,
} from '../model';
import { listSpec } from './dossierMapping';
import { expression } from './expression/expressionSchema';
import { feeAmountFields } from './feeAmount';
import type { NormalisationTables } from './normaliseDossier';
import { readProcessingTime } from './processingTime';
import { foldText, normaliseText } from './text';

/**
 * Declarative mapping from one upstream catalogue record to the national procedure model
 * (docs/domain.md §4), in the same JSONata form as the dossier mapping.
 */
export const procedureMappingSchema = z.strictObject({
  code: expression,
  name: expression,
  fieldCode: expression.optional(),
  fieldName: expression.optional(),
  onlineLevel: expression.optional(),
  state: expression.optional(),
  implementingAgencies: listSpec(['code', 'name']).optional(),
  channels: z
    .strictObject({
      each: expression,
      fields: z.strictObject({
        channel: expression.optional(),
        processingTime: expression.optional(),
        processingDays: expression.optional(),
        fees: listSpec(['name', 'amount']).optional(),
      }),
    })
    .optional(),
  documents: listSpec(['name', 'formName', 'formUrl']).optional(),
  legalBases: listSpec(['number', 'title']).optional(),
});

export type ProcedureMappingSpec = z.output<typeof procedureMappingSchema>;

/** Words seen for the online level: Decree 42/2022's terms and the older levels 1–4. */
export const DEFAULT_ONLINE_LEVELS: Readonly<Record<string, OnlineLevel>> = {
  'toan trinh': 'FULL',
  'mot phan': 'PARTIAL',
  'muc do 4': 'FULL',
  'muc do 3': 'PARTIAL',
  'muc do 2': 'NONE',
  'muc do 1': 'NONE',
  '4': 'FULL',
  '3': 'PARTIAL',
  '2': 'NONE',
  '1': 'NONE',
};

export const DEFAULT_PUBLICATION_STATES: Readonly<Record<string, PublicationState>> = {
  'dang cong khai': 'PUBLISHED',
  'cong khai': 'PUBLISHED',
  'bai bo': 'ABOLISHED',
  'da bai bo': 'ABOLISHED',
  'tam dung': 'SUSPENDED',
  'tam ngung': 'SUSPENDED',
};

export interface ProcedureTables {
  /** Keys compared folded (no diacritics, lower case): "Toàn trình" = "toan trinh". */
  onlineLevels: ReadonlyMap<string, OnlineLevel>;
  states: ReadonlyMap<string, PublicationState>;
  channels: NormalisationTables['channels'];
  /**
   * True when the catalogue mapping names no channel (`channels.fields.channel` absent): each entry
   * is then for every channel (`'ALL'`), not of an unknown one.
   */
  everyChannel?: boolean;
}

export function procedureTables(
  onlineLevels: Record<string, OnlineLevel> | undefined,
  states: Record<string, PublicationState> | undefined,
  channels: NormalisationTables['channels'],
  everyChannel = false,
): ProcedureTables {
  const folded = <T>(entries: Record<string, T>) =>
    new Map(Object.entries(entries).map(([raw, value]) => [foldText(raw), value]));
  return {
    onlineLevels: folded({ ...DEFAULT_ONLINE_LEVELS, ...onlineLevels }),
    states: folded({ ...DEFAULT_PUBLICATION_STATES, ...states }),
    channels,
    everyChannel,
  };
}

type Raw = Record<string, unknown>;

/** The output of a procedure mapping as a national procedure; a record without code or name is unreadable. */
export function normaliseProcedure(mapped: unknown, tables: ProcedureTables): Procedure | null {
  if (!isRecord(mapped)) return null;
  const warnings: MappingWarning[] = [];
  const code = scalar(mapped.code);
  const name = normaliseText(scalar(mapped.name));
  if (code === null || name === null) return null;
  const lookup = <T>(
    field: string,
    raw: string | null,
    table: ReadonlyMap<string, T>,
  ): TableValue<T> | null => {
    if (raw === null) return null;
    const value = table.get(foldText(raw)) ?? null;
    if (value === null)
      warnings.push({ field, problem: `"${raw}" is not in the registration's table` });
    return { value, raw };
  };
  return {
    code,
    name,
    fieldCode: scalar(mapped.fieldCode),
    fieldName: normaliseText(scalar(mapped.fieldName)),
    onlineLevel: lookup('onlineLevel', scalar(mapped.onlineLevel), tables.onlineLevels),
    state: lookup('state', scalar(mapped.state), tables.states),
    implementingAgencies: list(mapped.implementingAgencies).map((agency) => ({
      code: scalar(agency.code),
      name: normaliseText(scalar(agency.name)),
    })),
    channels: list(mapped.channels).map((channel, index) => {
      const raw = scalar(channel.channel);
      const code =
        raw === null
          ? null
          : (tables.channels.get(raw.normalize('NFC').trim().toLowerCase()) ?? null);
      if (raw !== null && code === null)
        warnings.push({
          field: `channels[${index}].channel`,
          problem: `channel "${raw}" is not in the registration's channel table`,
        });
      const at = `channels[${index}].`;
      const processingTime = normaliseText(scalar(channel.processingTime));
      const reading = processingTime === null ? null : readProcessingTime(processingTime);
      if (reading !== null && !reading.ok)
        warnings.push({ field: `${at}processingTime`, problem: reading.problem });
      const limit = reading?.ok === true ? reading.limit : null;
      const rawDays = scalar(channel.processingDays);
      const processingDays =
        rawDays !== null && /^\d+(\.\d+)?$/.test(rawDays) ? Number(rawDays) : null;
      if (rawDays !== null && processingDays === null)
        warnings.push({
          field: `${at}processingDays`,
          problem: `processingDays "${rawDays.slice(0, 40)}" is not a number of days`,
        });
      else if (processingDays !== null && limit !== null && !agrees(processingDays, limit))
        warnings.push({
          field: `${at}processingDays`,
          problem: `processingDays ${processingDays} does not agree with processingTime "${limit.text.slice(0, 120)}"`,
        });
      return {
        channel:
          raw !== null
            ? ({ code, raw } satisfies ChannelValue)
            : tables.everyChannel === true
              ? ({ code: 'ALL', raw: 'ALL' } satisfies ChannelValue)
              : null,
        processingTime,
        processingTimeLimit: limit,
        processingDays,
        fees: list(channel.fees).map((fee, feeIndex): Fee => {
          const { fields, problem } = feeAmountFields(scalar(fee.amount));
          if (problem !== null) warnings.push({ field: `${at}fees[${feeIndex}].amount`, problem });
          return { name: normaliseText(scalar(fee.name)), ...fields };
        }),
      };
    }),
    documents: list(mapped.documents).map((document) => ({
      name: normaliseText(scalar(document.name)),
      formName: normaliseText(scalar(document.formName)),
      formUrl: scalar(document.formUrl),
    })),
    legalBases: list(mapped.legalBases).map((basis) => ({
      number: scalar(basis.number),
      title: normaliseText(scalar(basis.title)),
    })),
    warnings,
  };
}

/**
 * Whether a number of days the system sends beside its text says the same: only a limit in days
 * (working or calendar) is compared, and a range holds every number within it.
 */
function agrees(days: number, limit: ProcessingTimeLimit): boolean {
  if (limit.unit !== 'WORKING_DAYS' && limit.unit !== 'DAYS') return true;
  return days >= (limit.rangeStart ?? limit.value) && days <= limit.value;
}

function scalar(value: unknown): string | null {
  if (Array.isArray(value)) return value.length === 0 ? null : scalar(value[0]);
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function list(value: unknown): Raw[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter(isRecord);
}

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
