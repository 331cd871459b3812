// exsoak's version, from its package.json (repository or installed package).
import { readFileSync } from 'node:fs';
import { packageFile } from '../shared/module-file.ts';

export const VERSION = (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
