import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * `npm run watch -- CODE [CODE…]`: subscribes to dossierStatusChanged over graphql-ws and prints
 * each pushed change as it arrives. GATEWAY_URL (default http://127.0.0.1:4000) names the gateway,
 * GATEWAY_API_KEY the key to connect with (any role; `npm start` prints demo keys).
 */
const codes = process.argv.slice(2);
if (codes.length === 0) {
  process.stderr.write('usage: npm run watch -- <dossier code> [<dossier code> …]\n');
  process.exit(2);
}
const gateway = new URL(process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000');
gateway.protocol = gateway.protocol === 'https:' ? 'wss:' : 'ws:';
gateway.pathname = '/graphql';

const apiKey = process.env.GATEWAY_API_KEY;
if (apiKey === undefined || apiKey === '') {
  process.stderr.write('set GATEWAY_API_KEY to an API key (npm start prints demo keys)\n');
  process.exit(2);
}
const client = createClient({
  url: gateway.toString(),
  webSocketImpl: WebSocket,
  retryAttempts: 0,
  connectionParams: { apiKey },
});
const query = `subscription ($codes: [String!]!) {
  dossierStatusChanged(codes: $codes) {
    code connector changedAt
    dossier { status { code label } dueAt finishedAt source { fetchedAt stale } }
    error { code message }
  }
}`;

process.stdout.write(`Watching ${codes.join(', ')} on ${gateway.toString()} (Ctrl+C to stop)\n`);
client.subscribe(
  { query, variables: { codes } },
  {
    next: (result) => process.stdout.write(`${JSON.stringify(result.errors ?? result.data)}\n`),
    error: (error: unknown) => {
      const message =
        error instanceof Error
          ? error.message
          : Array.isArray(error)
            ? error.map((e: { message?: string }) => e.message).join('; ')
            : `connection closed (${(error as { code?: number }).code ?? '?'} ${(error as { reason?: string }).reason ?? ''})`;
      process.stderr.write(`subscription ended: ${message}\n`);
      process.exit(1);
    },
    complete: () => process.exit(0),
  },
);
process.on('SIGINT', () => {
  void client.dispose();
  process.exit(0);
});
