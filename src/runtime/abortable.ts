/**
 * Waits for `promise` unless `signal` ends first; then settles with `onAbort()` instead (its value,
 * or what it throws). Listeners are removed once either happens, so a long-lived signal does not
 * collect them.
 */
export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  onAbort: () => T,
): Promise<T> {
  const aborted = (resolve: (value: T) => void, reject: (error: unknown) => void) => {
    try {
      resolve(onAbort());
    } catch (error) {
      reject(error);
    }
  };
  if (signal.aborted) return new Promise(aborted);
  return new Promise<T>((resolve, reject) => {
    const listener = () => aborted(resolve, reject);
    signal.addEventListener('abort', listener, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', listener);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', listener);
        reject(error);
      },
    );
  });
}
