// The scenario file's JSON Schema, from the zod schema itself (zod 4's export), for editors:
// `# yaml-language-server: $schema=…` in a scenario completes and checks its keys. It describes
// what a file may contain (the input side: "30s" where the parsed scenario has 30000).
import { z } from 'zod';
import { ScenarioSchema } from './schema.ts';
import { probeKinds } from '../probes/index.ts';
import { requireProbeValidation } from '../probes/validation/index.ts';

export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ScenarioSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' }) as Record<string, unknown>;
  // A probe's kind is checked against the registry at load time; editors get the list too.
  const probe = ((schema.properties as Record<string, { additionalProperties?: { properties?: Record<string, Record<string, unknown>> } }>).probes?.additionalProperties);
  if (probe?.properties?.kind) probe.properties.kind = { type: 'string', enum: probeKinds() };
  // The keys some kinds add to a probe's block (`module:`, `counters:`, …), all optional here.
  // A key several kinds share (`env:`, `inheritEnv:`) names them all.
  const kindsOf = new Map<string, { kinds: string[]; value: Record<string, unknown> }>();
  for (const name of probeKinds()) {
    const own = requireProbeValidation(name).specSchema;
    if (!own || !probe?.properties) continue;
    const props = (z.toJSONSchema(own, { io: 'input', unrepresentable: 'any', target: 'draft-7' }) as { properties?: Record<string, Record<string, unknown>> }).properties ?? {};
    for (const [key, value] of Object.entries(props)) {
      if (key in probe.properties && !kindsOf.has(key)) continue;
      const entry = kindsOf.get(key) ?? { kinds: [], value };
      entry.kinds.push(name);
      kindsOf.set(key, entry);
      probe.properties[key] = { ...entry.value, description: `(kind: ${entry.kinds.join(', ')}) ${String(entry.value.description ?? '')}`.trim() };
    }
  }
  return { title: 'exsoak scenario', ...schema };
}
