// Writes schema/scenario.schema.json from the zod schema (test/unit/json-schema.test.ts checks it is current).
import { writeFileSync } from 'node:fs';
import { scenarioJsonSchema } from '../src/scenario/json-schema.ts';

const file = new URL('../schema/scenario.schema.json', import.meta.url);
writeFileSync(file, JSON.stringify(scenarioJsonSchema(), null, 2) + '\n');
process.stdout.write(`wrote ${file.pathname}\n`);
