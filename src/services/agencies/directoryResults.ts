import { errorDetail, type ErrorDetail } from '../../errors/GatewayError';

/**
 * What every change of the directory's runtime entries answers: its value, or the error the API
 * shows. Refusals are values, as for registrations (registrations/registrationResults.ts).
 */
export type DirectoryResult<T> = { ok: true; value: T } | { ok: false; error: ErrorDetail };

type Refusal = { ok: false; error: ErrorDetail };

/** The entry, or the directory with it, is wrong: every problem named. */
export function invalidEntry(problems: string[]): Refusal {
  return {
    ok: false,
    error: errorDetail(
      'BAD_USER_INPUT',
      `invalid directory entry, nothing changed: ${problems.join('; ')}`,
    ),
  };
}

/** Someone else changed the code's runtime entry since the caller read `expected`. */
export function staleEntry(code: string, expected: number, current: number): Refusal {
  return {
    ok: false,
    error: errorDetail(
      'CONFLICT',
      `the runtime entry of ${code} is at version ${current}, not ${expected}: someone changed it meanwhile (or send the version the agency shows); read it again and redo your change`,
    ),
  };
}

export function noRuntimeEntry(code: string): Refusal {
  return {
    ok: false,
    error: errorDetail(
      'NOT_FOUND',
      `${code.slice(0, 40)} has no runtime entry to delete (an entry of the directory file changes with the file)`,
    ),
  };
}

/** The store could not be read (the reason is logged, not sent): nothing changed. */
export function storeUnavailable(): Refusal {
  return {
    ok: false,
    error: errorDetail(
      'UNAVAILABLE',
      'the directory store cannot be read now; nothing changed, try again shortly',
    ),
  };
}
