// The import rules of docs/ARCHITECTURE.md and docs/DEVELOPING.md, checked by `npm run lint` (part of `npm test`), not by review.
const CONSUMERS = ['results', 'metrics', 'progress', 'verdict', 'snapshot'];

// The folders of src/ in layers, bottom first: a folder imports only from layers below its own,
// so no two folders can import each other (no folder cycles). Folders in one layer are peers.
const LAYERS = [
  ['shared', 'bus'],
  ['stats', 'exchanges', 'sim'],
  ['probes'],
  ['scenario'],
  ['sampling', ...CONSUMERS],
  ['supervisor'],
  ['cli'],
];
const layerRules = LAYERS.flatMap((layer, i) =>
  layer.map((folder) => {
    const notBelow = LAYERS.slice(i).flat().filter((f) => f !== folder);
    return {
      name: `layer-${folder}`,
      comment: `src/${folder} may import only folders in layers below it (${LAYERS.slice(0, i).flat().join(', ') || 'none'})`,
      severity: 'error',
      from: { path: `^src/${folder}/` },
      to: { path: `^src/(${notBelow.join('|')})/` },
    };
  }),
);

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'exchanges-are-libraries',
      comment: 'A client is a library a trading team could use without exsoak: src/exchanges imports nothing else of exsoak.',
      severity: 'error',
      from: { path: '^src/exchanges/' },
      to: { path: '^(src/(?!exchanges/)|workers/)' },
    },
    {
      name: 'sim-and-clients-share-nothing',
      comment: 'Simulators and clients are independent readings of the exchange docs: a misreading in one fails against the other.',
      severity: 'error',
      from: { path: '^src/sim/' },
      to: { path: '^src/exchanges/' },
    },
    {
      name: 'clients-do-not-import-simulators',
      severity: 'error',
      from: { path: '^src/exchanges/' },
      to: { path: '^src/sim/' },
    },
    ...CONSUMERS.map((name) => ({
      name: `bus-consumer-${name}-independent`,
      comment: 'Bus consumers never import each other; what they share lives in src/bus or src/shared.',
      severity: 'error',
      from: { path: `^src/${name}/` },
      to: { path: `^src/(${CONSUMERS.filter((c) => c !== name).join('|')})/` },
    })),
    {
      name: 'sampling-does-not-know-the-supervisor',
      severity: 'error',
      from: { path: '^src/sampling/' },
      to: { path: '^src/supervisor/' },
    },
    {
      name: 'workers-talk-through-their-port',
      comment: 'Workers reach the supervisor only through the MessagePort protocol (src/bus/protocol.ts); they may use clients, option types and the SDK runtime.',
      severity: 'error',
      from: { path: '^workers/' },
      to: { path: '^src/(?!(bus/protocol|exchanges/|probes/|shared/))' },
    },
    {
      name: 'node-http-from-shared-builtins',
      comment: "An ESM import of node:http evaluates Node 24's lazy http.WebSocket, which loads undici and http2 (~13 MB RSS per process or worker): take it from src/shared/builtins.ts.",
      severity: 'error',
      from: { path: '^(src|workers)/' },
      to: { path: '^(node:)?https?$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'prom-client-through-its-adapter',
      comment: "prom-client's index loads the Pushgateway (TLS, zlib) and @opentelemetry/api: src/metrics/prom.ts loads the parts exsoak uses.",
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/metrics/prom\\.ts$' },
      to: { path: 'node_modules/prom-client/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'ws-on-demand-in-the-supervisor',
      comment: 'ws requires https, TLS and zlib (~10 MB RSS): outside the clients and simulators it is imported where a connection is made.',
      severity: 'error',
      from: { path: '^src/(?!(sim|exchanges)/)' },
      to: { path: 'node_modules/ws/', dependencyTypesNot: ['type-only', 'dynamic-import'] },
    },
    {
      name: 'shared-is-the-bottom-layer',
      severity: 'error',
      from: { path: '^src/(shared|bus)/' },
      to: { path: '^src/(?!(shared|bus)/)' },
    },
    {
      name: 'no-circular',
      comment: 'No module cycles (folder cycles are ruled out by the layers above); a type naming its schema is no cycle at run time.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: false,
    // typescript 7 (the native compiler this project typechecks with) has no JS API yet: parse with swc.
    parser: 'swc',
    moduleSystems: ['es6', 'cjs'],
  },
};
