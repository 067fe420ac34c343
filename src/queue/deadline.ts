/**
 * `work`, or the error `onTimeout` makes once `ms` have passed, whichever comes first. A late
 * outcome of `work` is dropped (its rejection handled), so an abandoned call cannot surface as an
 * unhandled rejection.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
