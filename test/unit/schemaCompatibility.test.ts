import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, findBreakingChanges } from 'graphql';
import { createSchema } from '../../src/graphql/schema/createSchema';
import { PROJECT_ROOT } from '../support/testGateway';

describe('Schema: changes to the released API are deliberate', () => {
  it('has no breaking change against test/fixtures/released-schema.graphql', () => {
    const released = buildSchema(
      readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'released-schema.graphql'), 'utf8'),
    );
    const current = createSchema(join(PROJECT_ROOT, 'schema'));
    // A deliberate break: record it with `npm run schema:release` and say so in the change note.
    expect(
      findBreakingChanges(released, current).map(
        (change) => `${change.type}: ${change.description}`,
      ),
    ).toEqual([]);
  });
});
