/**
 * Collects the calls made within one event-loop tick and runs them as one batch (under load, one
 * Redis command or round trip for many requests instead of one each). Every caller gets its own
 * item's result, or the batch's error.
 */
export function tickBatch<I, R>(run: (items: I[]) => Promise<R[]>): (item: I) => Promise<R> {
  let pending: { item: I; resolve: (result: R) => void; reject: (err: unknown) => void }[] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    run(batch.map((p) => p.item)).then(
      (results) => batch.forEach((p, i) => p.resolve(results[i] as R)),
      (err: unknown) => batch.forEach((p) => p.reject(err ?? new Error('batch failed'))),
    );
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ item, resolve, reject });
    });
}
