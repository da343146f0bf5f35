import { z } from 'zod';
import { expressionProblems } from './checkExpression';

/**
 * A JSONata expression in a registration: valid, and within what registrations may run
 * (`expressionProblems`). Problems that make it unsafe carry `params.unsafeExpression`, so that a
 * stored registration failing only on them can be reported as quarantined rather than invalid.
 */
export const expression = z
  .string()
  .min(1, 'an empty JSONata expression')
  .superRefine((source, ctx) => {
    for (const problem of expressionProblems(source)) {
      ctx.addIssue({
        code: 'custom',
        message: problem.message,
        ...(problem.unsafe ? { params: { unsafeExpression: true } } : {}),
      });
    }
  });
