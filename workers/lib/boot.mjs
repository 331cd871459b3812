// A probe worker's first module (plain JavaScript, so this thread never loads Node's type
// stripper): a load hook serves the TypeScript modules of the probe from the JavaScript the
// supervisor stripped once (src/supervisor/stripped-workers.ts), then the probe is imported.
import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { workerData } from 'piscina';

const { entry, stripped } = workerData.exsoakBoot;
registerHooks({
  load(url, context, nextLoad) {
    const file = stripped[url];
    if (file === undefined) return nextLoad(url, context);
    return { format: 'module', source: readFileSync(file, 'utf8'), shortCircuit: true };
  },
});

const probe = await import(entry);
export default probe.default;
