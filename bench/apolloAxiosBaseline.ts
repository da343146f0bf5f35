import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import axios from 'axios';
import { Agent } from 'node:http';

/**
 * The uncached lookup's baseline (issue 10): what a team would write by hand — Apollo Server 5's
 * standalone server with one resolver that asks the sample provincial REST system with axios
 * (keep-alive, its API key) and maps the record to the same fields the bench's query asks of the
 * gateway. No routing, cache, masking, date parsing, guards or metrics: the floor a gateway's
 * extra work is compared with. SAMPLE_REST_URL and SAMPLE_REST_API_KEY as the samples print them.
 *
 * `dossier(code)` is one GET per field (a hand-written server has no batching across fields, so 50
 * aliased fields are 50 calls); `dossiers(codes)` (issue 23) is one bulk `POST
 * /api/v1/dossiers/_search` per 50 codes, in parallel, each record mapped as `dossier` maps it; a
 * code the system does not answer is an item with `error { code: "NOT_FOUND" }`, as the gateway's.
 */
const upstream = axios.create({
  baseURL: process.env.SAMPLE_REST_URL,
  headers: { 'X-Api-Key': process.env.SAMPLE_REST_API_KEY ?? '' },
  httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
  timeout: 3000,
});

const typeDefs = `#graphql
  type Query { dossier(code: String!): Dossier, dossiers(codes: [String!]!): [DossierResult!]! }
  type DossierResult { code: String! dossier: Dossier error: ItemError }
  type ItemError { code: String! }
  type Dossier {
    code: String! procedureName: String agency: Agency status: Status
    receivedAt: String dueAt: String finishedAt: String returnedAt: String
    applicant: Applicant source: Source
  }
  type Agency { code: String name: String }
  type Status { value: String code: Int label: String raw: String lossy: Boolean }
  type Applicant { name: String phone: String }
  type Source { connector: String fetchedAt: String cached: Boolean routedVia: [String!] }
`;

interface ProvincialRecord {
  dossierNo: string;
  serviceName: string;
  govAgencyCode: string;
  govAgencyName: string;
  dossierStatus: string;
  receiveDate: string;
  dueDate: string;
  finishDate: string;
  releaseDate: string;
  applicantName: string;
  contactTelNo: string;
}

/** A record as the fields the bench asks (the same for `dossier` and `dossiers`). */
export function baselineDossier(data: ProvincialRecord) {
  return {
    code: data.dossierNo,
    procedureName: data.serviceName,
    agency: { code: data.govAgencyCode, name: data.govAgencyName },
    status: { value: null, code: null, label: null, raw: data.dossierStatus, lossy: false },
    receivedAt: data.receiveDate || null,
    dueAt: data.dueDate || null,
    finishedAt: data.finishDate || null,
    returnedAt: data.releaseDate || null,
    applicant: { name: data.applicantName, phone: data.contactTelNo },
    source: {
      connector: 'thanh-hoa-motcua',
      fetchedAt: new Date().toISOString(),
      cached: false,
      routedVia: [],
    },
  };
}

/** Most codes per bulk search (the system's limit). */
const MAX_BULK = 50;

const resolvers = {
  Query: {
    dossier: async (_: unknown, { code }: { code: string }) => {
      const { data } = await upstream.get<ProvincialRecord>(
        `/api/v1/dossiers/${encodeURIComponent(code)}`,
      );
      return baselineDossier(data);
    },
    dossiers: async (_: unknown, { codes }: { codes: string[] }) => {
      const chunks: string[][] = [];
      for (let i = 0; i < codes.length; i += MAX_BULK) chunks.push(codes.slice(i, i + MAX_BULK));
      const answers = await Promise.all(
        chunks.map((dossierNos) =>
          upstream.post<{ data: ProvincialRecord[] }>('/api/v1/dossiers/_search', { dossierNos }),
        ),
      );
      const found = new Map<string, ProvincialRecord>();
      for (const { data } of answers)
        for (const record of data.data) found.set(record.dossierNo, record);
      return codes.map((code) => {
        const record = found.get(code);
        return record === undefined
          ? { code, dossier: null, error: { code: 'NOT_FOUND' } }
          : { code, dossier: baselineDossier(record), error: null };
      });
    },
  },
};

async function main(): Promise<void> {
  const server = new ApolloServer({ typeDefs, resolvers });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  process.stdout.write(`BASELINE ${url.replace(/\/$/, '')}\n`);
}

// Run as a server; imported (bench/dossierStages.ts), only its mapping is used.
if (require.main === module) void main();
