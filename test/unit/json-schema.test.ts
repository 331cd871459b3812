// The shipped JSON Schema is the zod schema's own export and is current (npm run schema).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { scenarioJsonSchema } from '../../src/scenario/json-schema.ts';

test('schema/scenario.schema.json is generated from the current zod schema', () => {
  const shipped = JSON.parse(readFileSync(new URL('../../schema/scenario.schema.json', import.meta.url), 'utf8'));
  assert.deepEqual(shipped, scenarioJsonSchema(), 'schema/scenario.schema.json is stale: run `npm run schema`');
});

test('it describes the file as written: durations as strings, kinds from the registry, module keys', () => {
  const schema = scenarioJsonSchema() as { properties: Record<string, any>; additionalProperties?: unknown; required?: string[] };
  assert.deepEqual(schema.properties.duration.type, ['string', 'number']);
  assert.equal(schema.additionalProperties, false, 'unknown top-level keys are flagged in the editor too');
  const probe = schema.properties.probes.additionalProperties;
  assert.ok(probe.properties.kind.enum.includes('module'));
  assert.ok(probe.properties.module && probe.properties.counters && probe.properties.variants);
  assert.ok(schema.required?.includes('probes'));
});
