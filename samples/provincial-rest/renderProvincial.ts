import type { DateTime } from 'luxon';
import type { SampleDossier } from '../generator/SampleDataset';

/** OpenCPS-style status words (docs/domain.md §3). */
const WORDS: Record<number, string> = {
  1: 'receiving',
  2: 'new',
  3: 'denied',
  4: 'processing',
  5: 'waiting',
  6: 'paying',
  7: 'cancelled',
  8: 'unresolved',
  9: 'releasing',
  10: 'done',
};

const CHANNELS = { 1: 'DIRECT', 2: 'ONLINE', 3: 'POSTAL' } as const;

const date = (value: DateTime | null) =>
  value === null ? '' : value.toFormat('dd/MM/yyyy HH:mm:ss');

/**
 * The provincial system's own word for a status. Its former district desks (units under
 * `.22.H56`) report "waiting" and "paying" as "processing" — the registration declares 4 lossy;
 * inter-agency dossiers in processing show "interoperating" and results sent by post "posting",
 * which have no national equivalent.
 */
export function provincialStatus(dossier: SampleDossier, status: number): string {
  if ((status === 5 || status === 6) && dossier.agency.code.includes('.22.H56'))
    return 'processing';
  if (status === 4 && dossier.procedure.fieldCode === 'G14-DD' && dossier.code.endsWith('3'))
    return 'interoperating';
  if (status === 10 && dossier.channel === 3) return 'posting';
  return WORDS[status] as string;
}

/** A dossier as the sample provincial REST system answers it. */
export function renderProvincial(dossier: SampleDossier, broken: boolean): Record<string, unknown> {
  const record: Record<string, unknown> = {
    dossierNo: dossier.code,
    serviceCode: `${dossier.procedure.code}.000.00.00.H56`,
    serviceName: dossier.procedure.name,
    domainCode: dossier.procedure.fieldCode,
    domainName: dossier.procedure.fieldName,
    govAgencyCode: dossier.agency.code,
    govAgencyName: dossier.agency.name,
    applicantName: dossier.applicant.name,
    applicantIdType: dossier.applicant.type === 1 ? 'citizen' : 'business',
    applicantIdNo: dossier.applicant.idNumber,
    contactTelNo: dossier.applicant.phone,
    contactEmail: dossier.applicant.email ?? '',
    address: dossier.applicant.address,
    dossierStatus: provincialStatus(dossier, dossier.status),
    applicantChannel: CHANNELS[dossier.channel],
    briefNote: dossier.summary,
    receiveDate: date(dossier.receivedAt),
    dueDate: date(dossier.dueAt),
    finishDate: date(dossier.finishedAt),
    releaseDate: date(dossier.returnedAt),
    dossierFiles: dossier.files.map((file) => ({ displayName: file.name, fileUrl: file.url })),
    dossierActions: dossier.history.map((step) => ({
      createDate: date(step.at),
      actionUser: step.actor,
      actionUserJob: step.title,
      stepName: step.department,
      actionNote: step.content,
      dossierStatus: provincialStatus(dossier, step.status),
      dueDate: date(step.dueAt),
    })),
    payments: dossier.fees.map((fee) => ({ paymentFee: fee.name, feeAmount: fee.amount })),
    // Một cửa liên thông: the shared reference and the other agencies' dossiers.
    ...(dossier.interAgency === undefined
      ? {}
      : {
          interAgencyRef: dossier.interAgency.reference,
          linkedDossiers: dossier.interAgency.parts.map((part) => ({
            dossierNo: part.code,
            govAgencyCode: part.agencyCode,
          })),
        }),
    dossierDocuments: dossier.results.map((result) => ({
      documentName: result.name,
      documentNo: result.number,
      createDate: date(result.issuedAt),
      fileUrl: result.url,
    })),
    supplements: dossier.supplements.map((round) => ({
      requestDate: date(round.requestedAt),
      oldDueDate: date(round.dueBefore),
      newDueDate: date(round.dueAfter),
      note: round.reason,
    })),
  };
  if (broken) {
    delete record.dossierStatus;
    record.receiveDate = '31/02/2025 25:61:00';
  }
  return record;
}
