import { DateTime } from 'luxon';

/**
 * Inter-agency dossiers (một cửa liên thông) spread over the sample systems: one matter, a part in
 * each agency's system, each part a dossier of its own. The provincial one-stop system receives
 * the matter and returns the result; the land registration office (and, for one procedure, the
 * ministry) does its part in between. The provincial and land systems name the other parts and a
 * shared reference; the ministry's system names nothing — the gateway finds its part through the
 * per-procedure configuration (data/inter-agency.yaml), under the same code as the provincial
 * part. Fixed, hand-written chains, so that the tests can state what the trace must show.
 */
export type SampleSystemName = 'provincial' | 'land' | 'ministry';

export interface ChainPart {
  system: SampleSystemName;
  agencyCode: string;
  code: string;
  /** When the part was received (handed over) and when its processing ended (null: not yet). */
  receivedAt: DateTime;
  endedAt: DateTime | null;
  /** Its own time limit, in working days from receipt. */
  days: number;
  /** Whether this system names the chain's other parts and reference. */
  links: boolean;
  /** The provincial part's steps in the middle: handed over, result received back. */
  handedOverAt?: DateTime;
  resultBackAt?: DateTime;
}

export interface Chain {
  reference: string;
  procedureCode: string;
  procedureName: string;
  parts: ChainPart[];
  /** A part another names that does not exist in its system (to show as missing). */
  missing?: { system: SampleSystemName; agencyCode: string; code: string };
}

const at = (iso: string) => DateTime.fromISO(iso, { zone: 'Asia/Ho_Chi_Minh' });

export const INTER_AGENCY_PROCEDURE = {
  code: '1.012345',
  name: 'Đăng ký biến động đất đai liên thông với cơ quan thuế',
};
export const CONFIGURED_PROCEDURE = {
  code: '1.012346',
  name: 'Cấp giấy chứng nhận quyền sử dụng đất liên thông với Bộ',
};

export const CHAINS: readonly Chain[] = [
  {
    // The land office takes longer than its 3 days: the matter is late because of it.
    reference: 'LT-H56-2026-0001',
    ...names(INTER_AGENCY_PROCEDURE),
    parts: [
      {
        system: 'provincial',
        agencyCode: '000.00.01.H56',
        code: '000.00.01.H56-260907-9001',
        receivedAt: at('2026-09-07T08:00:00'),
        handedOverAt: at('2026-09-07T10:00:00'),
        resultBackAt: at('2026-09-14T09:00:00'),
        endedAt: at('2026-09-14T10:00:00'),
        days: 5,
        links: true,
      },
      {
        system: 'land',
        agencyCode: '000.01.12.H56',
        code: '000.01.12.H56-260907-9001',
        receivedAt: at('2026-09-07T10:00:00'),
        endedAt: at('2026-09-11T16:00:00'),
        days: 3,
        links: true,
      },
    ],
  },
  {
    reference: 'LT-H56-2026-0002',
    ...names(INTER_AGENCY_PROCEDURE),
    parts: [
      {
        system: 'provincial',
        agencyCode: '000.00.01.H56',
        code: '000.00.01.H56-260921-9002',
        receivedAt: at('2026-09-21T08:30:00'),
        handedOverAt: at('2026-09-21T09:30:00'),
        resultBackAt: at('2026-09-23T14:00:00'),
        endedAt: at('2026-09-23T15:00:00'),
        days: 5,
        links: true,
      },
      {
        system: 'land',
        agencyCode: '000.01.12.H56',
        code: '000.01.12.H56-260921-9002',
        receivedAt: at('2026-09-21T09:30:00'),
        endedAt: at('2026-09-23T10:00:00'),
        days: 3,
        links: true,
      },
    ],
  },
  {
    // Three agencies; the ministry's system does not link: found through the configuration.
    reference: 'LT-H56-2026-0003',
    ...names(CONFIGURED_PROCEDURE),
    parts: [
      {
        system: 'provincial',
        agencyCode: '000.00.01.H56',
        code: '000.00.01.H56-261005-9003',
        receivedAt: at('2026-10-05T08:00:00'),
        handedOverAt: at('2026-10-05T09:00:00'),
        resultBackAt: at('2026-10-16T09:00:00'),
        endedAt: at('2026-10-16T10:00:00'),
        days: 10,
        links: true,
      },
      {
        system: 'land',
        agencyCode: '000.01.12.H56',
        code: '000.01.12.H56-261005-9003',
        receivedAt: at('2026-10-05T09:00:00'),
        endedAt: at('2026-10-08T15:00:00'),
        days: 4,
        links: true,
      },
      {
        system: 'ministry',
        agencyCode: '000.00.20.G09',
        code: '000.00.01.H56-261005-9003',
        receivedAt: at('2026-10-08T15:30:00'),
        endedAt: at('2026-10-15T16:00:00'),
        days: 5,
        links: false,
      },
    ],
  },
  {
    // The provincial system names a land part that the land system does not have.
    reference: 'LT-H56-2026-0004',
    ...names(INTER_AGENCY_PROCEDURE),
    parts: [
      {
        system: 'provincial',
        agencyCode: '000.00.01.H56',
        code: '000.00.01.H56-261012-9004',
        receivedAt: at('2026-10-12T08:00:00'),
        handedOverAt: at('2026-10-12T09:00:00'),
        endedAt: null,
        days: 5,
        links: true,
      },
    ],
    missing: { system: 'land', agencyCode: '000.01.12.H56', code: '000.01.12.H56-261012-9004' },
  },
];

function names(procedure: { code: string; name: string }) {
  return { procedureCode: procedure.code, procedureName: procedure.name };
}

/** The chain parts one system holds, by code. */
export function partsOf(
  system: SampleSystemName,
): ReadonlyMap<string, { chain: Chain; part: ChainPart }> {
  const parts = new Map<string, { chain: Chain; part: ChainPart }>();
  for (const chain of CHAINS) {
    for (const part of chain.parts)
      if (part.system === system) parts.set(part.code, { chain, part });
  }
  return parts;
}

/** What a linking system says about the other parts of its part's chain. */
export function linksOf(
  chain: Chain,
  part: ChainPart,
): Array<{ code: string; agencyCode: string }> {
  const named = chain.parts
    .filter((other) => other !== part && other.links && other.code !== part.code)
    .map((other) => ({ code: other.code, agencyCode: other.agencyCode }));
  if (chain.missing !== undefined && part.system === 'provincial')
    named.push({ code: chain.missing.code, agencyCode: chain.missing.agencyCode });
  return named;
}
