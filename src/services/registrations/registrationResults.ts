import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';

/**
 * What every registration operation answers: its value, or the error the API shows. Refusals are
 * values, not exceptions: a provincial engineer's mistake is the normal case here.
 */
export type RegistryResult<T> = { ok: true; value: T } | { ok: false; error: ErrorDetail };

type Refusal = { ok: false; error: ErrorDetail };

/** The document is wrong; every problem named by field path. */
export function invalid(problems: string[]): Refusal {
  return {
    ok: false,
    error: errorDetail(
      'BAD_USER_INPUT',
      `invalid registration, nothing changed: ${problems.join('; ')}`,
    ),
  };
}

export function conflict(message: string): Refusal {
  return { ok: false, error: errorDetail('CONFLICT', message) };
}

/** Someone else changed the registration since the caller read `expected`. */
export function stale(id: string, expected: number, current: number): Refusal {
  return conflict(
    `${id} is at version ${current}, not ${expected}: someone changed it meanwhile; read it again and redo your change`,
  );
}

/** Also the answer for a registration the caller may not see: it does not learn that it exists. */
export function notFound(id: string): Refusal {
  return {
    ok: false,
    error: errorDetail('NOT_FOUND', `no connector "${id.slice(0, 64)}" that you may see`),
  };
}

/** Coverage outside the caller's scope. */
export function forbidden(message: string): Refusal {
  return { ok: false, error: errorDetail('FORBIDDEN', message) };
}
