/**
 * The key-value port MfaBot persists through. It is structurally identical to botbuilder's `Storage`
 * (read/write/delete with optimistic `eTag` concurrency), so botbuilder's `MemoryStorage` and
 * `BlobsStorage` satisfy it without this folder importing botbuilder (see CREATE_ONLY for the one
 * behaviour BlobsStorage lacks).
 */

/** One stored object; `eTag` is set by the store on read and checked by it on write. */
export interface StoreItem {
  eTag?: string;
  [key: string]: unknown;
}

export type StoreItems = Record<string, StoreItem>;

/**
 * A key-value store with per-item optimistic concurrency.
 *
 * - `read` returns only the keys that exist, each with its current `eTag`.
 * - `write` with an item's `eTag` missing or `'*'` overwrites unconditionally; with any other `eTag`
 *   it fails with an error whose message contains "eTag conflict" when the stored item has a different
 *   one. Writes of several keys are not atomic across keys.
 * - `delete` removes keys; missing keys are ignored.
 */
export interface KeyValueStore {
  read(keys: string[]): Promise<StoreItems>;
  write(changes: StoreItems): Promise<void>;
  delete(keys: string[]): Promise<void>;
}

/**
 * An `eTag` no store ever issues. Written on a key that does not exist yet it creates the item, and
 * on a key that exists it is stale, so the write fails with an eTag conflict: "create only if absent".
 * FileStore, BlobStore (as If-None-Match) and botbuilder's MemoryStorage behave this way. botbuilder's
 * BlobsStorage rejects any eTag on a missing blob, so there a create-only write always conflicts and
 * callers fail closed: use BlobStore for Azure Blob Storage.
 */
export const CREATE_ONLY = 'mfabot:create-only';

/** True for the error a store raises when an item changed since it was read. */
export function isETagConflict(err: unknown): boolean {
  return err instanceof Error && /etag conflict/i.test(err.message);
}

/** The error stores raise on a stale eTag (the message botbuilder's MemoryStorage uses). */
export class ETagConflictError extends Error {
  constructor(readonly key: string) {
    super(`Storage: error writing "${key}" due to eTag conflict.`);
    this.name = 'ETagConflictError';
  }
}

/** Reads one key; undefined when absent. */
export async function readOne<T extends StoreItem>(store: KeyValueStore, key: string): Promise<T | undefined> {
  const items = await store.read([key]);
  return items[key] as T | undefined;
}

export interface UpdateOptions {
  /** Attempts before giving up on a key that keeps changing under us (default 25). */
  maxAttempts?: number;
  /** Waits between attempts; tests may pass a no-op. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Read-modify-write of one key with eTag concurrency, retried on conflict. `change` gets the current
 * item (undefined when absent) and returns the new one, or `undefined` to leave the key as it is.
 * Returns what was written (or the unchanged item).
 */
export async function updateOne<T extends StoreItem>(
  store: KeyValueStore,
  key: string,
  change: (current: T | undefined) => T | undefined,
  opts: UpdateOptions = {},
): Promise<T | undefined> {
  const maxAttempts = opts.maxAttempts ?? 25;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    const current = await readOne<T>(store, key);
    const next = change(current === undefined ? undefined : structuredClone(current));
    if (next === undefined) return current;
    const eTag = current?.eTag ?? CREATE_ONLY;
    try {
      await store.write({ [key]: { ...next, eTag } });
      return next;
    } catch (err) {
      if (!isETagConflict(err) || attempt >= maxAttempts) throw err;
      await sleep(Math.floor(Math.random() * 10 * Math.min(attempt, 5)));
    }
  }
}
