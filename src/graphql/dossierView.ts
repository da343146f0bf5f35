import {
  NO_DIGITAL_FACTS,
  type ApplicantTypeCode,
  type ChannelValue,
  type StatusValue,
} from '../../connectors/model';
import type { DossierAnswer } from '../services/dossiers/DossierService';
import { nationalStatus } from '../domain/nationalStatuses';

/** GraphQL shape of a status (schema/dossier.graphql `DossierStatus`). */
export function statusView(status: StatusValue) {
  const national = status.code === null ? null : nationalStatus(status.code);
  return {
    value: national?.name ?? null,
    code: status.code,
    label: national?.label ?? null,
    raw: status.raw,
    lossy: status.lossy,
    mayBe: status.mayBe.map((code) => nationalStatus(code).name),
  };
}

const CHANNELS = { 1: 'IN_PERSON', 2: 'ONLINE', 3: 'POSTAL', ALL: 'ALL' } as const;

const APPLICANT_TYPES = {
  1: 'CITIZEN',
  2: 'ENTERPRISE',
  3: 'STATE_AGENCY',
  4: 'OTHER_ORGANISATION',
} as const;

function channelView(channel: ChannelValue | null) {
  if (channel === null) return null;
  return {
    value: channel.code === null ? null : CHANNELS[channel.code],
    // `ALL` has no national number.
    code: typeof channel.code === 'number' ? channel.code : null,
    raw: channel.raw,
  };
}

function applicantType(type: ApplicantTypeCode | null) {
  return type === null ? null : APPLICANT_TYPES[type];
}

type HistoryView = Omit<DossierAnswer['dossier']['history'][number], 'status'> & {
  status: ReturnType<typeof statusView> | null;
};

/** The `Dossier` object for one answer; `agency` and `source.connectorName` resolve lazily. */
export function dossierView(answer: DossierAnswer) {
  const { dossier, source } = answer;
  let history: Array<HistoryView> | undefined;
  return {
    code: dossier.code,
    codeAsked: answer.codeAsked,
    // Found by a code in another case (a registration whose codes are case-insensitive).
    codeCaseDiffers: dossier.code !== answer.codeAsked,
    procedureCode: dossier.procedureCode,
    procedureName: dossier.procedureName,
    fieldCode: dossier.fieldCode,
    fieldName: dossier.fieldName,
    agencyCode: source.agencyCode ?? dossier.agencyCode,
    // The successor the code was routed to when its agency closed, else the agency itself.
    heldByCode: source.via.at(-1) ?? source.agencyCode ?? dossier.agencyCode,
    handlingUnit: dossier.agencyName,
    channel: channelView(dossier.channel),
    applicant: { ...dossier.applicant, type: applicantType(dossier.applicant.type) },
    summary: dossier.summary,
    files: dossier.files,
    receivedAt: dossier.receivedAt,
    dueAt: dossier.dueAt,
    finishedAt: dossier.finishedAt,
    returnedAt: dossier.returnedAt,
    status: statusView(dossier.status),
    /** Built when read (most lookups do not ask for the history), once. */
    get history(): Array<HistoryView> {
      history ??= dossier.history.map((step) => ({
        ...step,
        status: step.status === null ? null : statusView(step.status),
      }));
      return history;
    },
    fees: dossier.fees,
    results: dossier.results,
    supplements: dossier.supplements,
    digital: dossier.digital ?? NO_DIGITAL_FACTS,
    /** The dossier's own dates given without a time (the resolver shows every path). */
    datesWithoutTime: dossier.datesWithoutTime ?? [],
    interAgency: {
      reference: dossier.interAgency.reference,
      parts: dossier.interAgency.parts.map((part) => ({
        code: part.code,
        agency: part.agencyCode,
      })),
    },
    personalDataMasked: answer.masked,
    source: {
      connector: source.connectorId,
      registrationVersion: source.registrationVersion,
      fetchedAt: source.fetchedAt,
      cached: source.cached,
      stale: source.stale,
      staleReason: source.staleReason,
      staleSince: source.staleSince,
      routedVia: source.via,
      warnings: dossier.warnings,
    },
  };
}

export type DossierView = ReturnType<typeof dossierView>;
