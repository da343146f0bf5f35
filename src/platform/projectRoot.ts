import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder holding package.json, schema/ and data/: the parent of src/ when run from source
 * (`tsx src/main.ts`), and also when compiled into dist/src/ or copied flat into an image.
 */
export function projectRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schema'))) return dir;
    if (dirname(dir) === dir)
      throw new Error(`No project root (package.json beside schema/) above ${from}`);
  }
}
