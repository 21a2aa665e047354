/**
 * A named lease held in storage with eTag-conditional writes, so it excludes other callers in this
 * process, in other processes sharing a FileStore directory and in other instances sharing any
 * KeyValueStore with eTag concurrency. A lease expires after its TTL, after which anyone may take it
 * over (a crashed holder cannot block the operation forever).
 */
import { CREATE_ONLY, isETagConflict, readOne, type KeyValueStore, type StoreItem } from './kv';

interface LockItem extends StoreItem {
  name: string;
  /** Null when released. */
  owner: string | null;
  acquiredAt: string | null;
  expiresAt: string | null;
}

export type LockResult =
  | {
      acquired: true;
      release(): Promise<void>;
      /**
       * Confirms the lease is still held and extends it by the TTL from now; false when it has run out
       * and someone else took it (or it was released). Call it just before an irreversible step.
       */
      renew(): Promise<boolean>;
    }
  | { acquired: false; owner: string; expiresAt: string };

export class OperationLock {
  constructor(
    private readonly store: KeyValueStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  static key(name: string): string {
    return `locks/${name}`;
  }

  /**
   * Tries once to take the lease `name` for `owner` (a unique id per attempt). Never waits: a lease
   * held by someone else, or a lost race for a free one, is reported as not acquired.
   */
  async acquire(name: string, owner: string, ttlMs: number): Promise<LockResult> {
    const key = OperationLock.key(name);
    const current = await readOne<LockItem>(this.store, key);
    const now = this.now();
    if (current?.owner && current.expiresAt && Date.parse(current.expiresAt) > now.getTime() && current.owner !== owner) {
      return { acquired: false, owner: current.owner, expiresAt: current.expiresAt };
    }
    const item: LockItem = {
      name,
      owner,
      acquiredAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
      eTag: current?.eTag ?? CREATE_ONLY,
    };
    try {
      await this.store.write({ [key]: item });
    } catch (err) {
      if (!isETagConflict(err)) throw err;
      const winner = await readOne<LockItem>(this.store, key);
      return { acquired: false, owner: winner?.owner ?? 'unknown', expiresAt: winner?.expiresAt ?? now.toISOString() };
    }
    return { acquired: true, release: () => this.release(name, owner), renew: () => this.renew(name, owner, ttlMs) };
  }

  /** Extends the lease if `owner` still holds it (in one conditional write); false when it does not. */
  async renew(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const key = OperationLock.key(name);
    const current = await readOne<LockItem>(this.store, key);
    if (!current || current.owner !== owner) return false;
    const now = this.now();
    try {
      await this.store.write({
        [key]: { name, owner, acquiredAt: current.acquiredAt, expiresAt: new Date(now.getTime() + ttlMs).toISOString(), eTag: current.eTag },
      });
      return true;
    } catch (err) {
      if (isETagConflict(err)) return false;
      throw err;
    }
  }

  /** Releases the lease if `owner` still holds it; a lease already taken over is left alone. */
  async release(name: string, owner: string): Promise<void> {
    const key = OperationLock.key(name);
    const current = await readOne<LockItem>(this.store, key);
    if (!current || current.owner !== owner) return;
    try {
      await this.store.write({ [key]: { name, owner: null, acquiredAt: null, expiresAt: null, eTag: current.eTag } });
    } catch (err) {
      if (!isETagConflict(err)) throw err;
    }
  }
}
