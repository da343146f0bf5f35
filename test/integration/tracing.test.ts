import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runMain } from '../support/runMain';
import { readConfig } from '../../src/config/readConfig';
import { PROJECT_ROOT } from '../support/testGateway';

interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
  status?: { code?: number };
}

/** A real HTTP server in the place of an OpenTelemetry collector (OTLP/HTTP, JSON). */
async function startCollector(): Promise<{ url: string; bodies: string[]; server: Server }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, bodies, server };
}

describe('Tracing (OpenTelemetry, off unless configured)', () => {
  // A gateway process: the OTLP exporter loads node:http by dynamic import, which Jest's module
  // sandbox does not run; a real process is the honest place for it anyway.
  it('sends a span per GraphQL request with a child per upstream call, bounded attributes only', async () => {
    const collector = await startCollector();
    const main = await runMain({
      SAMPLE_SIZE: '300',
      CATALOGUE_SYNC_INTERVAL_MS: '0',
      CACHE: 'none',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    });
    const provincial = main.exampleCodes.find((c) => c.startsWith('000.00.01.H56'));
    const land = main.exampleCodes.find((c) => c.startsWith('000.01.12.H56'));
    try {
      // The same query twice (no cache): Apollo runs the first, the compiled query the second.
      for (const codes of [
        [provincial, land],
        [provincial, land],
      ]) {
        const response = await fetch(`${main.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': main.keys.portal },
          body: JSON.stringify({
            query:
              'query Secret($c: [String!]!) { dossiers(codes: $c) { code dossier { status { code } } } }',
            variables: { c: codes },
          }),
        });
        expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
      }
    } finally {
      expect(await main.stop()).toBe(0); // flushes the spans
      collector.server.close();
    }
    const payload = collector.bodies.join('\n');
    const spans: OtlpSpan[] = collector.bodies.flatMap((body) =>
      (
        JSON.parse(body) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
        }
      ).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
    );
    const attribute = (span: OtlpSpan, key: string) => {
      const value = span.attributes.find((a) => a.key === key)?.value;
      return value?.stringValue ?? value?.intValue;
    };
    const requests = spans.filter((span) => span.name === 'graphql.query dossiers');
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      expect(attribute(request, 'graphql.root_field')).toBe('dossiers');
      const calls = spans.filter(
        (span) => span.name === 'connector.lookup' && span.parentSpanId === request.spanId,
      );
      expect(calls.map((span) => attribute(span, 'connector.id')).sort()).toEqual([
        'thanh-hoa-datdai',
        'thanh-hoa-motcua',
      ]);
      expect(calls.every((span) => span.traceId === request.traceId)).toBe(true);
    }
    // Catalogue pages read at start-up are traced too, as their own traces.
    expect(spans.some((span) => span.name === 'connector.catalogue' && !span.parentSpanId)).toBe(
      true,
    );
    expect(payload).toContain('"dvc-gateway"');
    // No dossier code and no caller-chosen operation name in what leaves the gateway.
    expect(payload).not.toContain(provincial as string);
    expect(payload).not.toContain(land as string);
    expect(payload).not.toContain('Secret');
  });

  it('is off by default, and on with the standard OTLP variables', () => {
    expect(readConfig({}, PROJECT_ROOT).tracing).toBeNull();
    expect(
      readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, PROJECT_ROOT).tracing,
    ).toEqual({ url: 'http://collector:4318/v1/traces', serviceName: 'dvc-gateway' });
    expect(
      readConfig(
        {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom',
          OTEL_SERVICE_NAME: 'dvc-gateway-hn',
        },
        PROJECT_ROOT,
      ).tracing,
    ).toEqual({ url: 'http://c:4318/custom', serviceName: 'dvc-gateway-hn' });
  });
});
