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
import { hostname } from 'node:os';
import path from 'node:path';
import { ETagConflictError, type KeyValueStore, type StoreItem, type StoreItems } from './kv';

export interface FileStoreOptions {
  /**
   * A lock file older than this is taken to be left by a crashed process and removed (default 10 s).
   * Locks of processes on this host that are gone are taken over at once, whatever their age.
   */
  staleLockMs?: number;
  /** How long a write waits for another process's lock before failing (default and minimum: the stale age plus 5 s). */
  lockTimeoutMs?: number;
}

/** Who holds a lock file: written into it, so a successor can tell a crashed holder from a slow one. */
interface LockOwner {
  pid: number;
  host: string;
  /** Distinguishes this process from an earlier one that had the same PID (a restarted container). */
  token: string;
}

/** This process, as its lock files name it. */
const SELF: LockOwner = { pid: process.pid, host: hostname(), token: randomUUID() };

/** Temp files of an atomic write: `<item file>.<pid>.<uuid>.tmp`. */
const TEMP_FILE = /\.(\d+)\.[0-9a-f-]{36}\.tmp$/;

/** True when a process with this PID exists on this host (EPERM: it exists but belongs to someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | null {
  const [pid, host, token] = text.split('\n').map((l) => l.trim());
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 ? { pid: n, host: host ?? '', token: token ?? '' } : null;
}

/** A lock whose holder certainly no longer runs: a dead PID on this host, or this PID from an earlier life. */
function holderIsGone(owner: LockOwner): boolean {
  if (owner.host !== SELF.host) return false;
  if (owner.pid === SELF.pid) return owner.token !== SELF.token;
  return !processAlive(owner.pid);
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
    this.staleLockMs = opts.staleLockMs ?? 10_000;
    // Waiting less than the stale age would fail on every lock a crash left, before it may be broken.
    this.lockTimeoutMs = Math.max(opts.lockTimeoutMs ?? 0, this.staleLockMs + 5_000);
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
    this.ready ??= fs.mkdir(this.dir, { recursive: true }).then(() => this.sweep());
    return this.ready;
  }

  /**
   * Removes what crashed writers left: temp files of writes that never completed (their process is
   * gone, or they are older than any write could take) and lock files whose holder is gone. Runs once,
   * before this store's first write; a failure here never stops the store.
   */
  private async sweep(): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return;
    }
    await Promise.all(names.map(async (name) => {
      const file = path.join(this.dir, name);
      try {
        const temp = TEMP_FILE.exec(name);
        if (temp) {
          const pid = Number(temp[1]);
          const old = Date.now() - (await fs.stat(file)).mtimeMs > 10 * 60_000;
          if ((pid !== SELF.pid && !processAlive(pid)) || old) await fs.rm(file, { force: true });
        } else if (name.endsWith('.lock')) {
          await this.breakIfStale(file);
        } else if (name.endsWith('.broken')) {
          await fs.rm(file, { force: true });
        }
      } catch {
        // Gone meanwhile, or not ours to judge: the lock logic handles it when the key is written.
      }
    }));
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
    try {
      const handle = await fs.open(temp, 'w');
      try {
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, file);
    } catch (err) {
      // A full disk or an I/O error: the item keeps its old content, and no half-written temp file stays.
      await fs.rm(temp, { force: true }).catch(() => undefined);
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
      if (await this.tryLock(lock)) break;
      await this.breakIfStale(lock);
      if (Date.now() - started > this.lockTimeoutMs) {
        throw new Error(`FileStore: timed out waiting for the lock on "${key}" (${lock})`);
      }
      await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt * 2) + Math.random() * 5));
    }
    try {
      await work();
    } finally {
      await fs.rm(lock, { force: true });
    }
  }

  /** Creates the lock file naming this process; false when another holds it. Leaves nothing behind on failure. */
  private async tryLock(lock: string): Promise<boolean> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(lock, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      // The last line makes every acquisition's content unique, so breakIfStale can tell them apart.
      await handle.writeFile(`${SELF.pid}\n${SELF.host}\n${SELF.token}\n${randomUUID()}\n`);
    } catch (err) {
      // Disk full: a lock naming nobody would block the key until it is stale.
      await handle.close().catch(() => undefined);
      await fs.rm(lock, { force: true }).catch(() => undefined);
      throw err;
    }
    await handle.close();
    return true;
  }

  /**
   * Removes a lock whose holder is gone (at once) or that is older than any holder could need. Two
   * processes may judge the same lock stale; the first to remove it may already have taken a new one
   * when the second acts. So the lock is moved aside (atomic: one mover wins) and deleted only if it is
   * still the lock judged stale; a new holder's lock is put back.
   */
  private async breakIfStale(lock: string): Promise<void> {
    let text: string;
    let ageMs: number;
    try {
      const [stat, content] = await Promise.all([fs.stat(lock), fs.readFile(lock, 'utf8')]);
      text = content;
      ageMs = Date.now() - stat.mtimeMs;
    } catch {
      return;
    }
    const owner = parseOwner(text);
    if (!(owner && holderIsGone(owner)) && ageMs <= this.staleLockMs) return;
    const aside = `${lock}.${randomUUID()}.broken`;
    try {
      await fs.rename(lock, aside);
    } catch {
      return;
    }
    const moved = await fs.readFile(aside, 'utf8').catch(() => null);
    if (moved !== text) await fs.link(aside, lock).catch(() => undefined);
    await fs.rm(aside, { force: true }).catch(() => undefined);
  }
}
