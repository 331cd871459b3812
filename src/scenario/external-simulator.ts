// A simulator run elsewhere (`exsoak sim`), named by its base URL in a scenario's `simulators:`.
// Both the schema and the supervisor read it; it has no schema library in it.

/** `http(s)://host:port` or `ws(s)://host:port` (nothing after the port) -> { secure, authority }. */
export function externalSimulatorOrigin(url: string): { secure: boolean; authority: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) return undefined;
  if (parsed.pathname !== '/' || parsed.search || parsed.hash || parsed.username || parsed.password) return undefined;
  return { secure: parsed.protocol === 'https:' || parsed.protocol === 'wss:', authority: parsed.host };
}
