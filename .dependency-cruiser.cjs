// @ts-check
/**
 * The layer rules, checked by `npm run lint` (and so by `npm test`): `depcruise` reads every
 * import of src/ and connectors/. Layers from the floor up (docs/architecture.md):
 *
 *   errors, platform        nothing of the gateway
 *   domain                  codes, coverage, directory, statuses, cache policy, Vietnam time
 *   redis, cache, events, audit, auth, observability    infrastructure, each on the floor
 *   runtime                 one guarded connector per system
 *   registry                registrations and the runtimes built from them
 *   services                use cases; one folder each, in one direction
 *   graphql                 schema, resolvers, views
 *   server                  the HTTP and WebSocket edge
 *   config, cli, src/*.ts   composition: reads configuration, wires everything
 *
 * A folder may import only the folders its rule allows; no two folders may import each other,
 * at any depth, and no two files either.
 */

/** Folders of src/ a folder may import (its own always); composition may import anything. */
const allowed = {
  errors: [],
  platform: ['errors'],
  domain: ['errors'],
  redis: ['errors', 'platform'],
  cache: ['errors', 'platform', 'domain', 'redis'],
  events: ['errors', 'platform', 'redis'],
  audit: ['errors', 'platform', 'redis'],
  auth: ['errors', 'platform', 'domain', 'redis'],
  observability: ['errors', 'platform', 'domain', 'cache'],
  runtime: ['errors', 'platform', 'domain', 'observability'],
  registry: ['errors', 'platform', 'domain', 'redis', 'audit', 'runtime'],
  services: [
    'errors',
    'platform',
    'domain',
    'redis',
    'cache',
    'events',
    'audit',
    'auth',
    'observability',
    'runtime',
    'registry',
  ],
  graphql: ['errors', 'platform', 'domain', 'auth', 'services'],
  server: [
    'errors',
    'platform',
    'domain',
    'redis',
    'cache',
    'auth',
    'observability',
    'services',
    'graphql',
  ],
};

const layerRules = Object.entries(allowed).map(([folder, may]) => ({
  name: `layer-${folder}`,
  comment: `src/${folder} may import only ${may.length === 0 ? 'nothing of src/' : may.map((f) => `src/${f}`).join(', ')} (.dependency-cruiser.cjs)`,
  severity: /** @type {const} */ ('error'),
  from: { path: `^src/${folder}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${folder}/`, ...may.map((f) => `^src/${f}/`)],
  },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular-files',
      comment: 'No two files import each other, directly or through others.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      comment: 'No two folders import each other, directly or through others, at any depth.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'connectors-never-import-the-gateway',
      comment: 'Connectors receive what they need in ConnectorDeps; they never import src/.',
      severity: 'error',
      from: { path: '^connectors/' },
      to: { path: '^src/' },
    },
    {
      name: 'services-know-nothing-of-graphql',
      comment: 'Services know nothing of GraphQL or HTTP.',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: ['^node_modules/graphql/', '^node_modules/@apollo/', '^node_modules/graphql-'] },
    },
    {
      name: 'resolvers-never-call-a-connector',
      comment: 'Resolvers call services; of connectors/ they read only the model and the contract.',
      severity: 'error',
      from: { path: '^src/graphql/' },
      to: {
        path: '^connectors/',
        pathNot: ['^connectors/model\\.ts$', '^connectors/contract\\.ts$'],
      },
    },
    {
      name: 'no-unresolvable',
      comment: 'Every import resolves.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
