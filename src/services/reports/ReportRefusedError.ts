import type { ErrorCode } from '../../errors/ErrorCode';

/**
 * A report that must not be finished: its figures would be wrong in a way the report cannot show
 * (listed dossiers whose unit cannot be told, from a system that lists every unit's). The job
 * ends FAILED with `CODE: message` among its problems, and is not tried again (it would be refused
 * again the same way).
 */
export class ReportRefusedError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** Why, without the code. */
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
    this.name = 'ReportRefusedError';
  }
}
