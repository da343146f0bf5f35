import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { createSchema } from '../src/graphql/schema/createSchema';

/**
 * `npm run schema:release`: records the current schema as the released one. The schema test then
 * fails on any breaking change against it.
 */
const root = join(__dirname, '..');
const printed = printSchema(lexicographicSortSchema(createSchema(join(root, 'schema'))));
writeFileSync(join(root, 'test', 'fixtures', 'released-schema.graphql'), `${printed}\n`);
process.stdout.write('test/fixtures/released-schema.graphql updated\n');
