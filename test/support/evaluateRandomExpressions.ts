import { readFileSync } from 'node:fs';
import { compileBoundedExpression } from '../../connectors/shared/expression/compileBoundedExpression';
import { DEFAULT_EXPRESSION_LIMITS } from '../../connectors/shared/expression/ExpressionLimits';
import { ExpressionLimitError } from '../../connectors/shared/expression/ExpressionLimitError';
import { RANDOM_RECORD } from './randomExpressions';

/**
 * Run as its own process with a small heap (`node --max-old-space-size=… --import tsx`, see
 * evaluateInSmallHeap): evaluates the expressions of a JSON file (`{ expressions, timeoutMs }`) one
 * after another on RANDOM_RECORD within the default limits, bypassing validation, and prints what
 * each came to as a JSON list: `value`, `limit:<kind>` or `error:<JSONata code>`. A process that
 * runs out of memory dies instead.
 */
async function main(): Promise<void> {
  const { expressions, timeoutMs } = JSON.parse(
    readFileSync(process.argv[2] as string, 'utf8'),
  ) as {
    expressions: string[];
    timeoutMs: number;
  };
  const limits = { ...DEFAULT_EXPRESSION_LIMITS, timeoutMs };
  const outcomes: string[] = [];
  for (const source of expressions) {
    try {
      await compileBoundedExpression(source, limits).evaluate(RANDOM_RECORD);
      outcomes.push('value');
    } catch (error) {
      outcomes.push(
        error instanceof ExpressionLimitError
          ? `limit:${error.limit}`
          : `error:${(error as { code?: string }).code ?? (error as Error).name}`,
      );
    }
  }
  process.stdout.write(`${JSON.stringify(outcomes)}\n`);
}

void main();
