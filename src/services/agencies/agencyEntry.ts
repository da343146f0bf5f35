import { Document, isScalar, isSeq } from 'yaml';
import type { Agency } from '../../domain/AgencyDirectory';
import { describeZodIssues } from '../../errors/ConfigurationError';
import { readYamlMapping } from '../../platform/readYamlMapping';
import type { StoredRegistration } from '../../registry/RegistrationStore';
import { invalidEntry, type DirectoryResult } from './directoryResults';
import { agencyEntrySchema } from './loadAgencyDirectory';

/** Largest entry text accepted: an agency entry is a few hundred bytes. */
export const MAX_ENTRY_BYTES = 16 * 1024;

/**
 * Reads one directory entry submitted as YAML or JSON text (the form of one item of the
 * directory file's `agencies`) into the agency it describes: code canonical, name NFC, defaults
 * filled in; every problem named by field.
 */
export function readAgencyEntry(text: string): DirectoryResult<Agency> {
  const read = readYamlMapping(text, {
    maxBytes: MAX_ENTRY_BYTES,
    label: '(entry)',
    limit: `${MAX_ENTRY_BYTES} an entry`,
    shape:
      'an entry is one mapping (code, name, level, parent, validFrom, validTo, successors, officeHours, tier, lossyStatuses), not a list or the whole file',
  });
  return read.ok ? parseEntry(read.value) : invalidEntry([read.problem]);
}

/** A stored version's entry, as the directory reads it; a problem when it no longer validates. */
export function readStoredEntry(
  stored: StoredRegistration,
): { agency: Agency } | { problem: string } {
  const parsed = parseEntry(stored.document);
  if (!parsed.ok) return { problem: parsed.error.message };
  if (parsed.value.code !== stored.id)
    return { problem: `the entry names ${parsed.value.code}, stored as ${stored.id}` };
  return { agency: parsed.value };
}

/** What a version stores: every field, defaults included. */
export function entryDocument(agency: Agency): Record<string, unknown> {
  return { ...agency };
}

/**
 * The entry as YAML, in the directory file's style: fields left at their default are left out,
 * so it can be edited and sent back as is.
 */
export function entryYaml(agency: Agency): string {
  const shown: Record<string, unknown> = {
    code: agency.code,
    name: agency.name,
    level: agency.level,
  };
  if (agency.tier) shown.tier = agency.tier;
  if (agency.parent !== null) shown.parent = agency.parent;
  if (agency.validFrom !== null) shown.validFrom = agency.validFrom;
  if (agency.validTo !== null) shown.validTo = agency.validTo;
  if (agency.successors.length > 0)
    shown.successors = agency.successors.map(({ code, from, scope }) =>
      scope === null ? { code, from } : { code, from, scope },
    );
  if (agency.officeHours) shown.officeHours = agency.officeHours;
  if (agency.lossyStatuses) shown.lossyStatuses = agency.lossyStatuses;
  const document = new Document(shown);
  // As the file writes them: `officeHours: [["07:30", "11:30"], ["13:00", "17:00"]]`.
  const hours = document.get('officeHours', true);
  if (isSeq(hours)) {
    hours.flow = true;
    for (const period of hours.items) {
      if (!isSeq(period)) continue;
      for (const time of period.items) if (isScalar(time)) time.type = 'QUOTE_DOUBLE';
    }
  }
  return document.toString({ flowCollectionPadding: false });
}

function parseEntry(value: unknown): DirectoryResult<Agency> {
  const parsed = agencyEntrySchema.safeParse(value);
  if (!parsed.success)
    return invalidEntry(
      describeZodIssues('entry', parsed.error).map(
        (problem) => `${problem.path || '(entry)'}: ${problem.message}`,
      ),
    );
  return { ok: true, value: parsed.data };
}
