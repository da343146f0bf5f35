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

/**
 * The `Dossier` object for one answer; `agency` and `source.connectorName` resolve lazily. Each
 * field is read from the answer when a query reads it (most read a dozen of its forty), and the
 * objects it builds (status, applicant, source…) once: a list of dossiers allocates only what
 * its selection shows.
 */
export function dossierView(answer: DossierAnswer): DossierView {
  return new DossierView(answer);
}

export class DossierView {
  readonly #answer: DossierAnswer;
  readonly #dossier: DossierAnswer['dossier'];
  #status?: ReturnType<typeof statusView>;
  #channel?: ReturnType<typeof channelView>;
  #applicant?: Omit<DossierAnswer['dossier']['applicant'], 'type'> & {
    type: ReturnType<typeof applicantType>;
  };
  #history?: Array<HistoryView>;
  #interAgency?: {
    reference: string | null;
    parts: Array<{ code: string; agency: string | null }>;
  };
  #source?: {
    connector: string;
    registrationVersion: DossierAnswer['source']['registrationVersion'];
    fetchedAt: string;
    cached: boolean;
    stale: boolean;
    staleReason: DossierAnswer['source']['staleReason'];
    staleSince: DossierAnswer['source']['staleSince'];
    routedVia: DossierAnswer['source']['via'];
    warnings: DossierAnswer['dossier']['warnings'];
  };

  constructor(answer: DossierAnswer) {
    this.#answer = answer;
    this.#dossier = answer.dossier;
  }

  get code() {
    return this.#dossier.code;
  }
  get codeAsked() {
    return this.#answer.codeAsked;
  }
  /** Found by a code in another case (a registration whose codes are case-insensitive). */
  get codeCaseDiffers() {
    return this.#dossier.code !== this.#answer.codeAsked;
  }
  get procedureCode() {
    return this.#dossier.procedureCode;
  }
  get procedureName() {
    return this.#dossier.procedureName;
  }
  get fieldCode() {
    return this.#dossier.fieldCode;
  }
  get fieldName() {
    return this.#dossier.fieldName;
  }
  get agencyCode() {
    return this.#answer.source.agencyCode ?? this.#dossier.agencyCode;
  }
  /** The successor the code was routed to when its agency closed, else the agency itself. */
  get heldByCode() {
    const { source } = this.#answer;
    return source.via.at(-1) ?? source.agencyCode ?? this.#dossier.agencyCode;
  }
  get handlingUnit() {
    return this.#dossier.agencyName;
  }
  get channel() {
    if (this.#channel === undefined) this.#channel = channelView(this.#dossier.channel);
    return this.#channel;
  }
  get applicant() {
    const applicant = this.#dossier.applicant;
    this.#applicant ??= { ...applicant, type: applicantType(applicant.type) };
    return this.#applicant;
  }
  get summary() {
    return this.#dossier.summary;
  }
  get files() {
    return this.#dossier.files;
  }
  get receivedAt() {
    return this.#dossier.receivedAt;
  }
  get dueAt() {
    return this.#dossier.dueAt;
  }
  get finishedAt() {
    return this.#dossier.finishedAt;
  }
  get returnedAt() {
    return this.#dossier.returnedAt;
  }
  get status() {
    this.#status ??= statusView(this.#dossier.status);
    return this.#status;
  }
  get history(): Array<HistoryView> {
    this.#history ??= this.#dossier.history.map((step) => ({
      ...step,
      status: step.status === null ? null : statusView(step.status),
    }));
    return this.#history;
  }
  get fees() {
    return this.#dossier.fees;
  }
  get results() {
    return this.#dossier.results;
  }
  get supplements() {
    return this.#dossier.supplements;
  }
  get digital() {
    return this.#dossier.digital ?? NO_DIGITAL_FACTS;
  }
  /** The dossier's own dates given without a time (the resolver shows every path). */
  get datesWithoutTime() {
    return this.#dossier.datesWithoutTime ?? [];
  }
  get interAgency() {
    const { reference, parts } = this.#dossier.interAgency;
    this.#interAgency ??= {
      reference,
      parts: parts.map((part) => ({ code: part.code, agency: part.agencyCode })),
    };
    return this.#interAgency;
  }
  get personalDataMasked() {
    return this.#answer.masked;
  }
  get source() {
    const { source } = this.#answer;
    this.#source ??= {
      connector: source.connectorId,
      registrationVersion: source.registrationVersion,
      fetchedAt: source.fetchedAt,
      cached: source.cached,
      stale: source.stale,
      staleReason: source.staleReason,
      staleSince: source.staleSince,
      routedVia: source.via,
      warnings: this.#dossier.warnings,
    };
    return this.#source;
  }
}
