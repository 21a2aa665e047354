import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileStore } from '../../src/store/fileStore';
import { NudgeStore, type QueuedNudge } from '../../src/store/nudges';

const BATCH = (n: number): string => `b0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ID = (n: number): string => `a0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function entry(n: number, userIds: string[] = [ID(n)]): QueuedNudge {
  return {
    batchId: BATCH(n), userIds, tenantId: 't', serviceUrl: 'https://smba.example/teams/', bot: { id: '28:bot' },
    requestedBy: { id: ID(99), name: 'Megan' }, queuedAt: '2025-11-26T10:00:00.000Z',
  };
}

describe('the queue of nudges a stopping instance left (two instances on one FileStore folder)', () => {
  it('hands each queued nudge to exactly one of several instances taking at once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mfabot-queue-'));
    const [one, two] = [new NudgeStore(new FileStore(dir)), new NudgeStore(new FileStore(dir))];
    await Promise.all([1, 2, 3, 4, 5].map((n) => (n % 2 ? one : two).enqueue(entry(n))));

    const taken = (await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).takeQueued()))).flat();

    assert.deepEqual(taken.map((q) => q.batchId).sort(), [1, 2, 3, 4, 5].map(BATCH));
    assert.deepEqual(await one.takeQueued(), [], 'nothing is left');
  });

  it('keeps one entry per nudge: queuing a batch again replaces its admins', async () => {
    const store = new NudgeStore(new FileStore(mkdtempSync(path.join(tmpdir(), 'mfabot-queue-'))));
    await store.enqueue(entry(1, [ID(1), ID(2), ID(3)]));
    await store.enqueue(entry(1, [ID(3)]));
    assert.deepEqual((await store.takeQueued()).map((q) => q.userIds), [[ID(3)]]);
  });
});
