import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const PKG = path.join(ROOT, 'pkg');
export const VECTORS = path.join(ROOT, 'tests/data/evaluation-vectors.json');
