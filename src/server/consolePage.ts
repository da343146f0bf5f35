import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../platform/projectRoot';
import type { StaticAsset } from './graphiql';

/** The console's files (src/console/assets), read once at start-up, by path under /console. */
export function loadConsoleAssets(): ReadonlyMap<string, StaticAsset> {
  const folder = join(projectRoot(), 'src', 'console', 'assets');
  const read = (file: string, type: string): StaticAsset => ({
    body: readFileSync(join(folder, file)),
    type,
  });
  return new Map([
    ['/console', read('index.html', 'text/html; charset=utf-8')],
    ['/console/', read('index.html', 'text/html; charset=utf-8')],
    ['/console/console.js', read('console.js', 'text/javascript; charset=utf-8')],
    ['/console/console.css', read('console.css', 'text/css; charset=utf-8')],
  ]);
}

/** Nothing but the gateway itself: no inline script, no other origin, no framing. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
