import { serverAudits } from 'graphql-http';
import { startTestGateway, type TestGateway } from '../support/testGateway';

/** The GraphQL-over-HTTP specification's audits (graphql-http), run against the real gateway. */
describe('GraphQL over HTTP: every MUST audit passes', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => {
    await t.close();
  });

  const audits = serverAudits({ url: () => `${t.url}/graphql`, fetchFn: fetch });
  for (const audit of audits.filter((a) => a.name.startsWith('MUST'))) {
    it(audit.name, async () => {
      const result = await audit.fn();
      if (result.status !== 'ok')
        throw new Error(`${result.reason}\n${JSON.stringify(result.response?.status)}`);
    });
  }

  // Apollo Server answers parse, validation and coercion failures with 400 even to
  // `Accept: application/json` clients; the specification prefers 200 there. Known and accepted.
  const APOLLO_STATUS_CHOICES = [
    'SHOULD use 200 status code on document parsing failure when accepting application/json',
    'SHOULD use 200 status code on document validation failure when accepting application/json',
    'SHOULD use a status code of 200 on variable coercion failure when accepting application/json',
  ];

  it("passes every SHOULD audit but Apollo's documented status-code choices", async () => {
    const failing: string[] = [];
    for (const audit of audits.filter((a) => a.name.startsWith('SHOULD'))) {
      if ((await audit.fn()).status !== 'ok') failing.push(audit.name);
    }
    expect(failing).toEqual(APOLLO_STATUS_CHOICES);
  });
});
