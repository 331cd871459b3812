// The language runtimes a spawned process probe can have, first match wins. Adding one (e.g.
// CPython through a tracemalloc agent) is one module implementing LanguageRuntime and one line here.
import type { ProcessProbeSpec } from '../../../probes/process-spec.ts';
import { NO_RUNTIME, type LanguageRuntime, type RuntimeContext, type RuntimeFactory } from './runtime.ts';
import { pythonRuntime } from './python-tracemalloc.ts';
import { v8Runtime } from './v8-inspector.ts';

const RUNTIMES: RuntimeFactory[] = [v8Runtime, pythonRuntime];

/** The probe's runtime, or NO_RUNTIME (RSS and CPU only). */
export function runtimeFor(spec: ProcessProbeSpec, ctx: RuntimeContext): LanguageRuntime {
  for (const make of RUNTIMES) {
    const runtime = make(spec, ctx);
    if (runtime) return runtime;
  }
  return NO_RUNTIME;
}
