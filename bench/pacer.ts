/**
 * In-process sliding-window pacing, the bare baselines' limiter: at most `max` starts in any
 * `per_ms`, each caller awaiting its turn (no Redis, nothing shared between processes).
 */
export function pacer(limit: { max: number; per_ms: number }): () => Promise<void> {
  const grants: number[] = [];
  return async () => {
    const now = Date.now();
    let at = Math.max(now, grants.at(-1) ?? now);
    if (grants.length >= limit.max) at = Math.max(at, (grants[grants.length - limit.max] ?? 0) + limit.per_ms);
    grants.push(at);
    if (grants.length > limit.max * 2) grants.splice(0, grants.length - limit.max);
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  };
}
