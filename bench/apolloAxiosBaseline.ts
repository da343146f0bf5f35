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
 */
const upstream = axios.create({
  baseURL: process.env.SAMPLE_REST_URL,
  headers: { 'X-Api-Key': process.env.SAMPLE_REST_API_KEY ?? '' },
  httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
  timeout: 3000,
});

const typeDefs = `#graphql
  type Query { dossier(code: String!): Dossier }
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

const resolvers = {
  Query: {
    dossier: async (_: unknown, { code }: { code: string }) => {
      const { data } = await upstream.get<ProvincialRecord>(
        `/api/v1/dossiers/${encodeURIComponent(code)}`,
      );
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
    },
  },
};

async function main(): Promise<void> {
  const server = new ApolloServer({ typeDefs, resolvers });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  process.stdout.write(`BASELINE ${url.replace(/\/$/, '')}\n`);
}

void main();
