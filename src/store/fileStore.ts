/**
 * KeyValueStore on the local file system: one JSON file per key under a data directory.
 *
 * - Writes are atomic: a temp file is written, fsynced and renamed over the item's file, so a crash
 *   leaves either the old or the new item, never half of one.
 * - Every write checks the caller's eTag against the file on disk while holding a per-key lock file
 *   created with O_EXCL, so two processes sharing the directory conflict exactly as two callers in one
 *   process do. Within a process, writes to one key are also queued behind an in-process mutex, so the
 *   lock file is contended only across processes.
 * - Semantics match botbuilder's MemoryStorage: no eTag or `'*'` overwrites; a stale eTag on an
 *   existing item is an "eTag conflict"; an eTag on a missing item creates it (see CREATE_ONLY).
 */
import { randomUUID, createHash } from 'node:crypto';
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { ETagConflictError, type KeyValueStore, type StoreItem, type StoreItems } from './kv';

export interface FileStoreOptions {
  /** A lock file older than this is taken to be left by a crashed process and removed (default 30 s). */
  staleLockMs?: number;
  /** How long a write waits for another process's lock before failing (default 10 s). */
  lockTimeoutMs?: number;
}

/** What one file holds. */
interface Envelope {
  key: string;
  eTag: string;
  item: Record<string, unknown>;
}

const MAX_FILE_NAME = 200;

/**
 * File name for a key: letters, digits, `_` and `-` stay, everything else is %-escaped (so names
 * never collide and never leave the directory); very long keys end in a hash.
 */
export function fileNameForKey(key: string): string {
  const escaped = Array.from(Buffer.from(key, 'utf8'))
    .map((b) => (/[A-Za-z0-9_-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
  if (escaped.length <= MAX_FILE_NAME) return `${escaped}.json`;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 32);
  return `${escaped.slice(0, MAX_FILE_NAME - 33)}~${hash}.json`;
}

export class FileStore implements KeyValueStore {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly staleLockMs: number;
  private readonly lockTimeoutMs: number;
  private ready: Promise<void> | null = null;

  constructor(readonly dir: string, opts: FileStoreOptions = {}) {
    this.staleLockMs = opts.staleLockMs ?? 30_000;
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 10_000;
  }

  async read(keys: string[]): Promise<StoreItems> {
    const out: StoreItems = {};
    await Promise.all(keys.map(async (key) => {
      const envelope = await this.load(key);
      if (envelope) out[key] = { ...envelope.item, eTag: envelope.eTag };
    }));
    return out;
  }

  async write(changes: StoreItems): Promise<void> {
    await this.ensureDir();
    // Sequential, as MemoryStorage: a conflict on one key leaves the earlier keys written.
    for (const [key, item] of Object.entries(changes)) {
      await this.serialised(key, () => this.writeOne(key, item));
    }
  }

  async delete(keys: string[]): Promise<void> {
    await this.ensureDir();
    for (const key of keys) {
      await this.serialised(key, () => this.withLock(key, async () => {
        await fs.rm(this.fileOf(key), { force: true });
      }));
    }
  }

  private fileOf(key: string): string {
    return path.join(this.dir, fileNameForKey(key));
  }

  private ensureDir(): Promise<void> {
    this.ready ??= fs.mkdir(this.dir, { recursive: true }).then(() => undefined);
    return this.ready;
  }

  private async load(key: string): Promise<Envelope | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.fileOf(key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as Envelope;
      if (typeof parsed?.eTag !== 'string' || typeof parsed.item !== 'object' || parsed.item === null) throw new Error('not an item');
      return parsed;
    } catch (err) {
      // Never treat an unreadable item as absent: that would let a create-only write clobber it.
      throw new Error(`FileStore: ${this.fileOf(key)} is not a valid item (${(err as Error).message})`);
    }
  }

  private async writeOne(key: string, item: StoreItem): Promise<void> {
    await this.withLock(key, async () => {
      const { eTag, ...rest } = item;
      if (eTag !== undefined && eTag !== '*') {
        const current = await this.load(key);
        if (current && current.eTag !== eTag) throw new ETagConflictError(key);
      }
      const envelope: Envelope = { key, eTag: randomUUID(), item: JSON.parse(JSON.stringify(rest)) as Record<string, unknown> };
      await this.atomicWrite(this.fileOf(key), JSON.stringify(envelope));
    });
  }

  private async atomicWrite(file: string, content: string): Promise<void> {
    const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(temp, file);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
    await this.syncDir();
  }

  /** Makes the rename itself durable; not every platform can fsync a directory, which is then skipped. */
  private async syncDir(): Promise<void> {
    let dir: fs.FileHandle | undefined;
    try {
      dir = await fs.open(this.dir, 'r');
      await dir.sync();
    } catch {
      // Best effort: the data file itself was fsynced.
    } finally {
      await dir?.close().catch(() => undefined);
    }
  }

  /** Runs `work` after every earlier operation on the same key in this process. */
  private serialised(key: string, work: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.then(() => undefined, () => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }

  /** Holds the key's lock file (O_EXCL) across processes while `work` runs. */
  private async withLock(key: string, work: () => Promise<void>): Promise<void> {
    const lock = `${this.fileOf(key)}.lock`;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await fs.open(lock, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY);
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        await this.breakIfStale(lock);
        if (Date.now() - started > this.lockTimeoutMs) {
          throw new Error(`FileStore: timed out waiting for the lock on "${key}" (${lock})`);
        }
        await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt * 2) + Math.random() * 5));
      }
    }
    try {
      await work();
    } finally {
      await fs.rm(lock, { force: true });
    }
  }

  private async breakIfStale(lock: string): Promise<void> {
    try {
      const stat = await fs.stat(lock);
      if (Date.now() - stat.mtimeMs > this.staleLockMs) await fs.rm(lock, { force: true });
    } catch {
      // Released meanwhile.
    }
  }
}
