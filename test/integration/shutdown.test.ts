import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { runMain } from '../support/runMain';

/**
 * SIGTERM as an orchestrator sends it: the gateway stops accepting, lets the request in flight
 * finish with its answer, closes subscriptions with 1001 (going away: clients reconnect to
 * another replica), closes its stores, and exits 0.
 */
describe('Graceful shutdown', () => {
  it('drains a request in flight, closes subscriptions with 1001, refuses new connections, exits 0', async () => {
    const main = await runMain({ SAMPLE_SIZE: '300', CATALOGUE_SYNC_INTERVAL_MS: '0' });
    const provincial = /Sample provincial REST system\s+(http:\/\/\S+)/.exec(main.stdout())?.[1];
    const code = main.exampleCodes.find((c) => c.includes('.H56-') && c.startsWith('000.00.01'));
    expect(provincial).toBeDefined();
    expect(code).toBeDefined();
    // The provincial system answers slowly, so the lookup is still in flight at SIGTERM.
    await fetch(`${provincial}/__sample/faults`, {
      method: 'POST',
      body: JSON.stringify({ delayMs: 1500 }),
    });

    const closed = new Promise<number>((resolve) => {
      const client = createClient({
        url: `${main.url.replace(/^http/, 'ws')}/graphql`,
        connectionParams: { apiKey: main.keys.portal },
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        on: { closed: (event) => resolve((event as { code: number }).code) },
      });
      client.subscribe(
        {
          query: `subscription ($c: [String!]!) { dossierStatusChanged(codes: $c) { code } }`,
          variables: { c: [code] },
        },
        { next: () => undefined, error: () => undefined, complete: () => undefined },
      );
    });
    // Connected and subscribed before the signal.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const started = Date.now();
    const inFlight = fetch(`${main.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': main.keys.portal },
      body: JSON.stringify({
        query: 'query ($c: String!) { dossier(code: $c) { code status { code } } }',
        variables: { c: code },
      }),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exit = main.stop();

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as {
      data?: { dossier: { code: string } };
      errors?: unknown;
    };
    expect(body.errors).toBeUndefined();
    expect(body.data?.dossier.code).toBe(code);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(await closed).toBe(1001);
    await expect(fetch(`${main.url}/healthz`)).rejects.toThrow();
    expect(await exit).toBe(0);
  }, 30_000);
});
