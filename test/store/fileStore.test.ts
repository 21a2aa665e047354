import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, promises as fsPromises, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import sinon from 'sinon';
import path from 'node:path';
import { MemoryStorage } from 'botbuilder';
import { FileStore, fileNameForKey } from '../../src/store/fileStore';
import { CREATE_ONLY, isETagConflict, readOne, updateOne, type KeyValueStore } from '../../src/store/kv';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'mfabot-store-'));
}

/** The behaviour every KeyValueStore MfaBot uses must have, run against FileStore and botbuilder's MemoryStorage. */
function contract(name: string, make: () => KeyValueStore): void {
  describe(`${name} as a KeyValueStore`, () => {
    it('reads back what was written, with an eTag, and omits missing keys', async () => {
      const store = make();
      await store.write({ a: { n: 1 } });
      const items = await store.read(['a', 'missing']);
      assert.deepEqual(Object.keys(items), ['a']);
      assert.equal(items.a?.n, 1);
      assert.equal(typeof items.a?.eTag, 'string');
    });

    it('rejects a stale eTag with an "eTag conflict" error and keeps the newer item', async () => {
      const store = make();
      await store.write({ a: { n: 1 } });
      const first = await readOne(store, 'a');
      await store.write({ a: { n: 2, eTag: first?.eTag } });
      await assert.rejects(store.write({ a: { n: 3, eTag: first?.eTag } }), (err: unknown) => isETagConflict(err));
      assert.equal((await readOne(store, 'a'))?.n, 2);
    });

    it('overwrites unconditionally without an eTag or with "*"', async () => {
      const store = make();
      await store.write({ a: { n: 1 } });
      await store.write({ a: { n: 2 } });
      await store.write({ a: { n: 3, eTag: '*' } });
      assert.equal((await readOne(store, 'a'))?.n, 3);
    });

    it('creates with CREATE_ONLY only when the key is absent', async () => {
      const store = make();
      await store.write({ a: { n: 1, eTag: CREATE_ONLY } });
      await assert.rejects(store.write({ a: { n: 2, eTag: CREATE_ONLY } }), (err: unknown) => isETagConflict(err));
      assert.equal((await readOne(store, 'a'))?.n, 1);
    });

    it('deletes keys, ignoring missing ones', async () => {
      const store = make();
      await store.write({ a: { n: 1 }, b: { n: 2 } });
      await store.delete(['a', 'nope']);
      assert.deepEqual(Object.keys(await store.read(['a', 'b'])), ['b']);
    });

    it('loses no update when 30 read-modify-writes race', async () => {
      const store = make();
      await Promise.all(Array.from({ length: 30 }, () => updateOne<{ n: number }>(store, 'counter', (c) => ({ n: (c?.n ?? 0) + 1 }), { sleep: async () => undefined, maxAttempts: 500 })));
      assert.equal((await readOne<{ n: number }>(store, 'counter'))?.n, 30);
    });
  });
}

contract('FileStore', () => new FileStore(tempDir()));
contract('botbuilder MemoryStorage', () => new MemoryStorage());

describe('FileStore', () => {
  it('keeps every item after being reopened on the same directory (a restart)', async () => {
    const dir = tempDir();
    await new FileStore(dir).write({ 'audit/page/0': { entries: [1, 2, 3] }, 'proposals/x': { status: 'pending' } });
    const reopened = new FileStore(dir);
    const items = await reopened.read(['audit/page/0', 'proposals/x']);
    assert.deepEqual(items['audit/page/0']?.entries, [1, 2, 3]);
    assert.equal(items['proposals/x']?.status, 'pending');
  });

  it('detects an eTag conflict between two FileStore instances sharing a directory', async () => {
    const dir = tempDir();
    const one = new FileStore(dir);
    const two = new FileStore(dir);
    await one.write({ lock: { owner: null } });
    const seenByOne = await readOne(one, 'lock');
    const seenByTwo = await readOne(two, 'lock');
    await two.write({ lock: { owner: 'two', eTag: seenByTwo?.eTag } });
    await assert.rejects(one.write({ lock: { owner: 'one', eTag: seenByOne?.eTag } }), /eTag conflict/);
    assert.equal((await readOne(one, 'lock'))?.owner, 'two');
  });

  it('lets only one of two instances create a key with CREATE_ONLY when they race', async () => {
    const dir = tempDir();
    const stores = [new FileStore(dir), new FileStore(dir)];
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => stores[i % 2]?.write({ k: { by: i, eTag: CREATE_ONLY } })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.ok(results.filter((r) => r.status === 'rejected').every((r) => isETagConflict((r as PromiseRejectedResult).reason)));
  });

  it('loses no update when another process writes the same key at the same time', async function () {
    this.timeout(30_000);
    const dir = tempDir();
    const script = path.join(dir, 'child.ts');
    const go = path.join(dir, 'go');
    writeFileSync(script, [
      `const { existsSync } = require('node:fs');`,
      `const { FileStore } = require(${JSON.stringify(path.resolve(__dirname, '../../src/store/fileStore'))});`,
      `const { updateOne } = require(${JSON.stringify(path.resolve(__dirname, '../../src/store/kv'))});`,
      'const store = new FileStore(process.argv[2]);',
      '(async () => {',
      '  process.stdout.write("ready\\n");',
      `  while (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 5));`,
      '  for (let i = 0; i < 300; i++) await updateOne(store, "counter", (c) => ({ n: ((c && c.n) || 0) + 1, by: "child" }), { maxAttempts: 1000 });',
      '})().catch((e) => { console.error(e); process.exit(1); });',
    ].join('\n'));
    const store = new FileStore(dir);
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', script, dir], { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    writeFileSync(go, '');
    // Start once the child is writing, so the two loops overlap.
    while ((await readOne<{ by: string }>(store, 'counter'))?.by !== 'child') await new Promise((r) => setTimeout(r, 2));
    let conflictsSeenByParent = 0;
    for (let i = 0; i < 100; i++) {
      await updateOne<{ n: number; by: string }>(store, 'counter', (c) => {
        if (c?.by === 'child') conflictsSeenByParent++;
        return { n: (c?.n ?? 0) + 1, by: 'parent' };
      }, { maxAttempts: 1000 });
    }
    assert.equal(await exited, 0);
    assert.equal((await readOne<{ n: number }>(store, 'counter'))?.n, 400);
    assert.ok(conflictsSeenByParent > 0, 'the two processes really interleaved');
  });

  it('writes atomically: no temp or lock file is left, and each file is a complete JSON item', async () => {
    const dir = tempDir();
    const store = new FileStore(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.write({ [`k${i % 3}`]: { i, padding: 'x'.repeat(10_000) } })));
    const files = readdirSync(dir);
    assert.deepEqual(files.filter((f) => !f.endsWith('.json')), []);
    for (const f of files) assert.doesNotThrow(() => JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
  });

  it('refuses to read a corrupted item rather than treating it as absent', async () => {
    const dir = tempDir();
    const store = new FileStore(dir);
    await store.write({ a: { n: 1 } });
    writeFileSync(path.join(dir, fileNameForKey('a')), '{"eTag": "x", "item": ');
    await assert.rejects(store.read(['a']), /not a valid item/);
    await assert.rejects(store.write({ a: { n: 2, eTag: CREATE_ONLY } }), /not a valid item/);
  });

  it('maps keys to safe, distinct file names that stay inside the directory', () => {
    assert.equal(fileNameForKey('audit/page/0'), 'audit%2Fpage%2F0.json');
    assert.notEqual(fileNameForKey('a/b'), fileNameForKey('a%2Fb'));
    assert.ok(!fileNameForKey('../../etc/passwd').includes('/'));
    const long = fileNameForKey('k'.repeat(1_000));
    assert.ok(long.length <= 210);
    assert.notEqual(long, fileNameForKey(`${'k'.repeat(999)}j`));
  });

  it('takes over a lock file left behind by a crashed process', async () => {
    const dir = tempDir();
    const store = new FileStore(dir, { staleLockMs: 50 });
    await store.write({ a: { n: 1 } });
    writeFileSync(path.join(dir, `${fileNameForKey('a')}.lock`), '999999\n');
    await new Promise((r) => setTimeout(r, 120));
    await store.write({ a: { n: 2 } });
    assert.equal((await readOne(store, 'a'))?.n, 2);
  });
});

/** A process that existed and is gone: its PID names nobody any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  assert.ok(child.pid);
  return child.pid;
}

describe('FileStore after a crash or a full disk', () => {
  // Without the holder check these writes would wait out the stale age (60 s) and time out the test.
  const patient = { staleLockMs: 60_000 };

  it('takes over at once the lock of a process on this host that is gone', async () => {
    const dir = tempDir();
    const store = new FileStore(dir, patient);
    await store.write({ a: { n: 1 } });
    writeFileSync(path.join(dir, `${fileNameForKey('a')}.lock`), `${await deadPid()}\n${hostname()}\nsome-token\nsome-nonce\n`);
    await store.write({ a: { n: 2 } });
    assert.equal((await readOne(store, 'a'))?.n, 2);
  });

  it('takes over at once a lock with its own PID from an earlier life (a restarted container)', async () => {
    const dir = tempDir();
    const store = new FileStore(dir, patient);
    writeFileSync(path.join(dir, `${fileNameForKey('a')}.lock`), `${process.pid}\n${hostname()}\nthe-previous-process\nnonce\n`);
    await store.write({ a: { n: 1 } });
    assert.equal((await readOne(store, 'a'))?.n, 1);
  });

  it('waits for a lock whose holder is alive, and goes on when it is released', async () => {
    const dir = tempDir();
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const lock = path.join(dir, `${fileNameForKey('a')}.lock`);
      writeFileSync(lock, `${holder.pid}\n${hostname()}\nholder\nnonce\n`);
      let done = false;
      const write = new FileStore(dir, patient).write({ a: { n: 1 } }).then(() => { done = true; });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(done, false, 'a live holder keeps its lock');
      rmSync(lock);
      await write;
      assert.equal(done, true);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('loses no update when several writers break the same dead lock at once', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, `${fileNameForKey('counter')}.lock`), `${await deadPid()}\n${hostname()}\nx\ny\n`);
    const stores = Array.from({ length: 4 }, () => new FileStore(dir, patient));
    await Promise.all(Array.from({ length: 24 }, (_, i) => updateOne<{ n: number }>(stores[i % 4] as FileStore, 'counter', (c) => ({ n: (c?.n ?? 0) + 1 }), { maxAttempts: 500 })));
    assert.equal((await readOne<{ n: number }>(stores[0] as FileStore, 'counter'))?.n, 24);
  });

  it('leaves no lock file and no open handle when the disk is full while locking', async () => {
    const dir = tempDir();
    const store = new FileStore(dir, patient);
    await store.write({ a: { n: 1 } });
    const open = fsPromises.open.bind(fsPromises);
    const closed: string[] = [];
    const stub = sinon.stub(fsPromises, 'open').callsFake(async (file, flags, mode) => {
      const handle = await open(file, flags, mode);
      if (!String(file).endsWith('.lock')) return handle;
      sinon.stub(handle, 'writeFile').rejects(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      const close = handle.close.bind(handle);
      sinon.stub(handle, 'close').callsFake(async () => { closed.push(String(file)); await close(); });
      return handle;
    });
    try {
      await assert.rejects(store.write({ a: { n: 2 } }), /ENOSPC/);
    } finally {
      stub.restore();
    }
    assert.equal(closed.length, 1, 'the lock file handle was closed');
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.lock')), [], 'no lock is left to block the key');
    await store.write({ a: { n: 3 } });
    assert.equal((await readOne(store, 'a'))?.n, 3, 'the next write goes through at once');
  });

  it('leaves no temp file and keeps the old item when the disk is full while writing', async () => {
    const dir = tempDir();
    const store = new FileStore(dir, patient);
    await store.write({ a: { n: 1 } });
    const open = fsPromises.open.bind(fsPromises);
    const stub = sinon.stub(fsPromises, 'open').callsFake(async (file, flags, mode) => {
      const handle = await open(file, flags, mode);
      if (String(file).endsWith('.tmp')) sinon.stub(handle, 'sync').rejects(Object.assign(new Error('ENOSPC: no space left on device, fsync'), { code: 'ENOSPC' }));
      return handle;
    });
    try {
      await assert.rejects(store.write({ a: { n: 2 } }), /ENOSPC/);
    } finally {
      stub.restore();
    }
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock')), []);
    assert.equal((await readOne(store, 'a'))?.n, 1);
  });

  it('sweeps what crashed writers left when it starts: their temp files and locks, not a live writer\'s', async () => {
    const dir = tempDir();
    const gone = await deadPid();
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const item = fileNameForKey('a');
      writeFileSync(path.join(dir, `${item}.${gone}.${randomUUID()}.tmp`), '{"half":');
      writeFileSync(path.join(dir, `${fileNameForKey('b')}.lock`), `${gone}\n${hostname()}\nt\nn\n`);
      const live = `${item}.${holder.pid}.${randomUUID()}.tmp`;
      writeFileSync(path.join(dir, live), '{"in progress":');
      await new FileStore(dir, patient).write({ c: { n: 1 } });
      assert.deepEqual(readdirSync(dir).filter((f) => f !== fileNameForKey('c')).sort(), [live]);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
