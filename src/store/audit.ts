/**
 * The append-only audit trail: every create/enforce attempt, decision and refusal. Entries are kept
 * in pages of a fixed size under their own keys (never one ever-growing item), with a head item
 * pointing at the page being filled. Appends use eTag-conditional writes, so concurrent appends from
 * several handlers or instances never lose an entry.
 */
import type { AuditEntry } from '../domain/audit';
import { CREATE_ONLY, isETagConflict, readOne, type KeyValueStore, type StoreItem } from './kv';

export type { AuditEntry };

interface HeadItem extends StoreItem {
  /** Number of the page being filled. */
  page: number;
}

interface PageItem extends StoreItem {
  entries: AuditEntry[];
}

export const AUDIT_PAGE_SIZE = 50;
const HEAD_KEY = 'audit/head';
const pageKey = (n: number): string => `audit/page/${n}`;

export interface AuditLogOptions {
  pageSize?: number;
  maxAttempts?: number;
}

export class AuditLog {
  private readonly pageSize: number;
  private readonly maxAttempts: number;

  constructor(private readonly store: KeyValueStore, opts: AuditLogOptions = {}) {
    this.pageSize = Math.max(1, opts.pageSize ?? AUDIT_PAGE_SIZE);
    this.maxAttempts = opts.maxAttempts ?? 200;
  }

  /** Appends one entry; retries when another append got there first. */
  async append(entry: AuditEntry): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const head = await readOne<HeadItem>(this.store, HEAD_KEY);
        const pageNo = head?.page ?? 0;
        const page = await readOne<PageItem>(this.store, pageKey(pageNo));
        const entries = page?.entries ?? [];
        if (entries.length >= this.pageSize) {
          // The page is full: move the head on (only one of several racing appenders wins).
          await this.store.write({ [HEAD_KEY]: { page: pageNo + 1, eTag: head?.eTag ?? CREATE_ONLY } });
          continue;
        }
        await this.store.write({ [pageKey(pageNo)]: { entries: [...entries, entry], eTag: page?.eTag ?? CREATE_ONLY } });
        return;
      } catch (err) {
        if (!isETagConflict(err) || attempt >= this.maxAttempts) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(20, attempt * 2)));
      }
    }
  }

  /**
   * The newest `n` entries that `keep` accepts (all by default), newest first. At most `maxPages`
   * pages are read, so a log full of skipped entries cannot make one look-up read all of storage.
   */
  async latest(n: number, keep: (entry: AuditEntry) => boolean = () => true, maxPages = 40): Promise<AuditEntry[]> {
    const head = await readOne<HeadItem>(this.store, HEAD_KEY);
    const out: AuditEntry[] = [];
    const last = head?.page ?? 0;
    for (let pageNo = last; pageNo >= 0 && pageNo > last - maxPages && out.length < n; pageNo--) {
      const page = await readOne<PageItem>(this.store, pageKey(pageNo));
      const entries = page?.entries ?? [];
      for (let i = entries.length - 1; i >= 0 && out.length < n; i--) {
        const entry = entries[i] as AuditEntry;
        if (keep(entry)) out.push(entry);
      }
    }
    return out;
  }
}
