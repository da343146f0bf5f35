import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$/;

/** ISO 8601 with offset; values are produced by the connectors' normalisation, passed as is. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (value) => value,
  parseValue: (value) => checked(value, DATE_TIME, 'DateTime', '2025-03-14T08:30:00+07:00'),
  parseLiteral: (ast) =>
    checked(
      ast.kind === Kind.STRING ? ast.value : null,
      DATE_TIME,
      'DateTime',
      '2025-03-14T08:30:00+07:00',
    ),
});

export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  serialize: (value) => value,
  parseValue: (value) => checked(value, DATE, 'Date', '2025-07-01'),
  parseLiteral: (ast) =>
    checked(ast.kind === Kind.STRING ? ast.value : null, DATE, 'Date', '2025-07-01'),
});

function checked(value: unknown, pattern: RegExp, name: string, example: string): string {
  if (typeof value !== 'string' || !pattern.test(value) || !isCalendarDate(value.slice(0, 10))) {
    throw new GraphQLError(
      `${name} must be a string like ${example}, got ${JSON.stringify(value)}`,
      {
        extensions: { code: 'BAD_USER_INPUT' },
      },
    );
  }
  return value;
}

/** `2025-06-31` matches the pattern but is no day: Date would roll it over to 1 July. */
function isCalendarDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}
