import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { BlobStore, blobNameForKey } from '../../src/store/blobStore';
import { AuditLog } from '../../src/store/audit';
import { CREATE_ONLY, isETagConflict, readOne, updateOne } from '../../src/store/kv';
import { OperationLock } from '../../src/store/lock';

/** Azurite's published development account (not a secret). */
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() - started > timeoutMs) throw new Error(`Azurite did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('BlobStore on Azurite (Azure Blob Storage emulator on loopback)', function () {
  this.timeout(60_000);
  let azurite: ChildProcess;
  let connectionString: string;
  let n = 0;
  const container = () => `mfabot-${Date.now()}-${n++}`;
  const store = (name: string) => new BlobStore(BlobServiceClient.fromConnectionString(connectionString).getContainerClient(name));

  before(async () => {
    const port = await freePort();
    const bin = path.resolve(__dirname, '../../node_modules/.bin/azurite-blob');
    azurite = spawn(bin, ['--blobHost', '127.0.0.1', '--blobPort', String(port), '--inMemoryPersistence', '--skipApiVersionCheck', '--loose', '--disableTelemetry', '--silent'], { stdio: 'ignore' });
    await waitForPort(port, 30_000);
    connectionString = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
  });
  after(() => {
    azurite?.kill();
  });

  it('reads, writes with eTag concurrency, creates only once, and deletes', async () => {
    const s = store(container());
    await s.write({ 'audit/head': { page: 0 } });
    const first = await readOne(s, 'audit/head');
    assert.equal(first?.page, 0);
    await s.write({ 'audit/head': { page: 1, eTag: first?.eTag } });
    await assert.rejects(s.write({ 'audit/head': { page: 2, eTag: first?.eTag } }), (e: unknown) => isETagConflict(e));
    await s.write({ k: { v: 1, eTag: CREATE_ONLY } });
    await assert.rejects(s.write({ k: { v: 2, eTag: CREATE_ONLY } }), (e: unknown) => isETagConflict(e));
    await s.delete(['k', 'missing']);
    assert.deepEqual(Object.keys(await s.read(['k', 'audit/head'])), ['audit/head']);
  });

  it('lets exactly one of 20 callers on two instances take the operation lock', async () => {
    const name = container();
    const [one, two] = [new OperationLock(store(name)), new OperationLock(store(name))];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).acquire('policy', `o${i}`, 60_000)));
    assert.equal(results.filter((r) => r.acquired).length, 1);
  });

  it('loses no audit entry or update when two instances write at once', async () => {
    const name = container();
    const [one, two] = [store(name), store(name)];
    await Promise.all(Array.from({ length: 20 }, (_, i) => new AuditLog(i % 2 ? one : two, { pageSize: 4 }).append({
      at: new Date().toISOString(), actor: { id: 'a', name: 'A' }, action: 'x', result: 'y', detail: `e${i}`,
    })));
    assert.equal((await new AuditLog(one, { pageSize: 4 }).latest(100)).length, 20);
    await Promise.all(Array.from({ length: 10 }, (_, i) => updateOne<{ n: number }>(i % 2 ? one : two, 'c', (c) => ({ n: (c?.n ?? 0) + 1 }), { maxAttempts: 200 })));
    assert.equal((await readOne<{ n: number }>(one, 'c'))?.n, 10);
  });

  it('is needed because botbuilder\'s BlobsStorage cannot create-only: the lock would never be taken there', async () => {
    const blobs = new BlobsStorage(connectionString, container());
    await assert.rejects(blobs.write({ k: { v: 1, eTag: CREATE_ONLY } }));
    assert.equal((await new OperationLock(blobs).acquire('policy', 'me', 1_000)).acquired, false);
  });

  it('names blobs so that keys never collide or nest', () => {
    assert.equal(blobNameForKey('audit/page/0'), 'audit%2Fpage%2F0');
    assert.notEqual(blobNameForKey('a.b'), blobNameForKey('a%2Eb'));
    assert.ok(!blobNameForKey('../x').includes('/'));
  });
});
