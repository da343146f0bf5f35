import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

/**
 * The reference: a bare node:http server answering the exact bytes the gateway answers to the
 * cached lookup — the practical limit of this machine for that response.
 */
const body = readFileSync(process.argv[2] as string);
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
    });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `REFERENCE http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
