// A module's path beside this one, whether exsoak runs from its TypeScript sources (type
// stripping, in the repository) or from the compiled JavaScript (an installed package): worker
// and child entry points are named by file, so the extension must follow what is running.
import { fileURLToPath } from 'node:url';

export function moduleFile(relativeTs: string, base: string | URL): string {
  const compiled = String(base).endsWith('.js');
  return fileURLToPath(new URL(compiled ? relativeTs.replace(/\.ts$/, '.js') : relativeTs, base));
}

/** A file of the exsoak package by its path from the package root (bin/, schema/, scenarios/, …). */
export function packageFile(relative: string): string {
  // This file is src/shared/module-file.ts in the repository, dist/src/shared/module-file.js installed.
  const root = import.meta.url.endsWith('.js') ? '../../../' : '../../';
  return fileURLToPath(new URL(root + relative, import.meta.url));
}
