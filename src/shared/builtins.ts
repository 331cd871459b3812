// Built-in modules whose ESM import costs memory for nothing we use. An ESM `import` of a
// built-in evaluates every export, lazy getters included: for node:http that is Node 24's
// http.WebSocket, which loads undici and http2 (measured: bare Node 42 MB RSS, +
// `import 'node:http'` 59 MB, + the CommonJS object 46 MB). Every process and worker of the
// harness pays it once, so the supervisor, probes and simulators take node:http from here.
// node:https (TLS) is taken where it is needed, with `httpsModule()`, for the same reason.
export const http = process.getBuiltinModule('node:http');

/** node:https, loaded on first use: only an https URL needs TLS (~8 MB of RSS). */
export function httpsModule(): typeof import('node:https') {
  return process.getBuiltinModule('node:https');
}
