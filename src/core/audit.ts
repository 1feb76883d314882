import type { Redis } from 'ioredis';

/** What happened, by whom, to what: one entry of the append-only audit stream (DESIGN §8). */
export interface AuditEntry {
  id?: string;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details?: Record<string, unknown>;
}

/** An entry to append: the time defaults to now, the id is the stream's. */
export type AuditInput = Omit<AuditEntry, 'at' | 'id'> & { at?: string };

export interface Audit {
  append(entry: AuditInput): Promise<string>;
  /** Oldest first; `since` keeps entries appended at or after it, `count` the newest N of those. */
  list(options?: { count?: number; action?: string; since?: Date }): Promise<AuditEntry[]>;
}

/** Keeps roughly this many entries; older ones are trimmed by Redis. */
export const AUDIT_MAX_ENTRIES = 1_000_000;

/** An entry as the stream's field, value pairs (also for scripts that append in the same step as their write). */
export function auditFields(entry: AuditInput): string[] {
  const fields = ['at', entry.at ?? new Date().toISOString(), 'actor', entry.actor, 'action', entry.action, 'subject', entry.subject];
  if (entry.details) fields.push('details', JSON.stringify(entry.details));
  return fields;
}

/** Entries read per round trip when only the newest few are wanted. */
const AUDIT_PAGE = 500;

export function createAudit(redis: Redis, streamKey: string): Audit {
  return {
    async append(entry) {
      const id = await redis.xadd(streamKey, 'MAXLEN', '~', String(AUDIT_MAX_ENTRIES), '*', ...auditFields(entry));
      return id ?? '';
    },
    async list(options = {}) {
      const keep = (e: AuditEntry) => !options.action || e.action === options.action;
      // Stream ids start with the append time in ms, so `since` is a range bound, not a scan.
      const start = options.since ? String(Math.max(0, options.since.getTime())) : '-';
      if (!options.count) return (await redis.xrange(streamKey, start, '+')).map(([id, flat]) => toEntry(id, flat)).filter(keep);
      // The newest `count` entries, read backwards a page at a time instead of the whole stream.
      const found: AuditEntry[] = [];
      let end = '+';
      while (found.length < options.count) {
        const page = await redis.xrevrange(streamKey, end, start, 'COUNT', AUDIT_PAGE);
        for (const [id, flat] of page) {
          const entry = toEntry(id, flat);
          if (keep(entry)) found.push(entry);
          if (found.length === options.count) break;
        }
        if (page.length < AUDIT_PAGE) break;
        end = `(${page[page.length - 1]![0]}`;
      }
      return found.reverse();
    },
  };
}

function toEntry(id: string, flat: string[]): AuditEntry {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i] as string, flat[i + 1] as string);
  const details = map.get('details');
  return {
    id,
    at: map.get('at') ?? '',
    actor: map.get('actor') ?? '',
    action: map.get('action') ?? '',
    subject: map.get('subject') ?? '',
    ...(details ? { details: JSON.parse(details) as Record<string, unknown> } : {}),
  };
}
