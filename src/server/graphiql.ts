import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * GraphiQL served from the project's own packages (these machines cannot reach a CDN): GraphiQL 3
 * ships a browser bundle that runs on React 18's UMD builds; nothing is fetched from elsewhere,
 * which the Content-Security-Policy below enforces.
 */
const ASSETS: Record<string, { pkg: string; file: string; type: string }> = {
  'react.js': {
    pkg: 'react',
    file: 'umd/react.production.min.js',
    type: 'text/javascript; charset=utf-8',
  },
  'react-dom.js': {
    pkg: 'react-dom',
    file: 'umd/react-dom.production.min.js',
    type: 'text/javascript; charset=utf-8',
  },
  'graphiql.js': {
    pkg: 'graphiql',
    file: 'graphiql.min.js',
    type: 'text/javascript; charset=utf-8',
  },
  'graphiql.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css; charset=utf-8' },
};

export interface StaticAsset {
  body: Buffer;
  type: string;
}

/** Reads GraphiQL's files once, at start-up. */
export function loadGraphiqlAssets(): ReadonlyMap<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  for (const [name, { pkg, file, type }] of Object.entries(ASSETS)) {
    // Package exports hide the UMD files from require.resolve; the package root does not.
    const root = dirname(require.resolve(`${pkg}/package.json`));
    assets.set(name, { body: readFileSync(join(root, file)), type });
  }
  assets.set('init.js', { body: Buffer.from(INIT_SCRIPT), type: 'text/javascript; charset=utf-8' });
  return assets;
}

export const GRAPHIQL_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const DEFAULT_QUERY = `# Look up dossiers from both bundled sample systems: press Run, or change the codes
# in Variables below. The closed district and ministry codes show routing by successor.
query LookUp($codes: [String!]!) {
  dossiers(codes: $codes) {
    code
    dossier {
      procedureName
      agency { code name }
      status { value label raw lossy mayBe }
      receivedAt
      dueAt
      applicant { name phone }
      source { connector connectorName fetchedAt cached routedVia }
    }
    error { code message connector retryable }
  }
}
`;

/**
 * The GraphiQL page. `headers` pre-fills the headers pane (the embedded default puts its demo
 * portal key there, so that the first query runs at once).
 */
export function graphiqlHtml(
  exampleCodes: readonly string[],
  headers: Readonly<Record<string, string>> = {},
): string {
  const variables = JSON.stringify({ codes: exampleCodes }, null, 2);
  const config = JSON.stringify({
    query: DEFAULT_QUERY,
    variables,
    headers: Object.keys(headers).length === 0 ? undefined : JSON.stringify(headers, null, 2),
  }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL — Cổng kết nối hồ sơ TTHC</title>
<link rel="stylesheet" href="/graphiql/graphiql.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Đang tải GraphiQL… (loading)</div>
<script id="graphiql-config" type="application/json">${config}</script>
<script src="/graphiql/react.js"></script>
<script src="/graphiql/react-dom.js"></script>
<script src="/graphiql/graphiql.js"></script>
<script src="/graphiql/init.js"></script>
</body>
</html>
`;
}

const INIT_SCRIPT = `(function () {
  var config = JSON.parse(document.getElementById('graphiql-config').textContent);
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: config.query,
    // GraphiQL 3 takes initial variables from this prop only, not from defaultTabs.
    variables: config.variables,
    headers: config.headers,
    defaultEditorToolsVisibility: 'variables',
    shouldPersistHeaders: false,
  }));
})();
`;
