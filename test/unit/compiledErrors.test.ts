import { ApolloServer } from '@apollo/server';
import { GraphQLError, parse } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { formatExecutionErrors } from '../../src/server/compiledOperations';
import { createErrorFormatter } from '../../src/server/formatError';
import { createTestLogger } from '../support/testLogger';

/**
 * Errors raised while a compiled query runs are formatted as Apollo formats them — including a
 * resolver's plain Error, which graphql-jit wraps in an error with no extensions at all: logged
 * once, answered as INTERNAL_SERVER_ERROR with its path and locations, no internals.
 */
describe('Errors of compiled queries are formatted as Apollo formats them', () => {
  const schema = makeExecutableSchema({
    typeDefs: 'type Query { broken: String, refused: String, fine: String }',
    resolvers: {
      Query: {
        broken: () => {
          throw new TypeError('cannot read properties of undefined (secret internals)');
        },
        refused: () => {
          throw new GraphQLError('not for you', { extensions: { code: 'FORBIDDEN' } });
        },
        fine: () => 'ok',
      },
    },
  });
  const query = '{ fine broken refused }';

  it('a plain Error and a coded GraphQLError: same formatted errors as through Apollo', async () => {
    const compiledLogger = createTestLogger();
    const compiled = compileQuery(schema, parse(query));
    if (!isCompiledQuery(compiled)) throw new Error('did not compile');
    const result = await compiled.query(undefined, {}, {});
    const { errors } = formatExecutionErrors(
      result.errors ?? [],
      createErrorFormatter(compiledLogger),
    );

    const apolloLogger = createTestLogger();
    const apollo = new ApolloServer({
      schema,
      formatError: createErrorFormatter(apolloLogger),
      includeStacktraceInErrorResponses: false,
    });
    await apollo.start();
    const answer = await apollo.executeOperation({ query });
    await apollo.stop();
    const expected =
      answer.body.kind === 'single' ? answer.body.singleResult.errors : 'not a single result';

    expect(errors).toEqual(expected);
    expect(errors[0]).toEqual({
      message: 'Internal server error; the failure is logged',
      locations: [{ line: 1, column: 8 }],
      path: ['broken'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(errors[1]).toMatchObject({ path: ['refused'], extensions: { code: 'FORBIDDEN' } });
    // The failure is logged on both paths, once each.
    const logged = (logger: ReturnType<typeof createTestLogger>) =>
      logger.entries.filter(
        (entry) => entry.message === 'unexpected error while answering a request',
      ).length;
    expect(logged(compiledLogger)).toBe(1);
    expect(logged(apolloLogger)).toBe(1);
  });
});
