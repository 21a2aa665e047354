import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryStorage } from 'botbuilder';
import { FileStore } from '../../src/store/fileStore';
import type { KeyValueStore } from '../../src/store/kv';
import { CLAIM_TTL_MS, NudgeStore, type DeliveryResult, type NudgeBatch } from '../../src/store/nudges';
import { ConversationStore, type StoredConversation } from '../../src/store/conversations';
import { SubscriptionStore, subscriptionId, type Subscription } from '../../src/store/subscriptions';

const tempDir = (): string => mkdtempSync(path.join(tmpdir(), 'mfabot-nudges-'));
const KINDS: [string, () => KeyValueStore][] = [['FileStore', () => new FileStore(tempDir())], ['MemoryStorage', () => new MemoryStorage()]];

const NOW = new Date('2025-11-26T10:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ID = (n: number): string => `a0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const BATCH = (n: number): string => `b0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function result(userId: string, status: DeliveryResult['status'], at = NOW.toISOString()): DeliveryResult {
  return { userId, name: `User ${userId.slice(-2)}`, userPrincipalName: null, status, at, ...(status === 'failed' ? { reason: 'Teams refused the message (500).' } : {}) };
}

for (const [kind, make] of KINDS) {
  describe(`NudgeStore on ${kind}`, () => {
    it('claims admins for one nudge and refuses them to a concurrent one', async () => {
      const store = new NudgeStore(make());
      const ids = [ID(1), ID(2), ID(3)];
      const [a, b] = await Promise.all([store.claim(BATCH(1), ids, NOW, DAY), store.claim(BATCH(2), ids, NOW, DAY)]);
      for (const id of ids) {
        const claimedBy = [a.claimed.includes(id), b.claimed.includes(id)].filter(Boolean).length;
        assert.equal(claimedBy, 1, `${id} claimed exactly once`);
      }
      const refused = [...a.refused, ...b.refused];
      assert.equal(refused.length, 3);
      assert.ok(refused.every((r) => r.reason.kind === 'inProgress'));
    });

    it('counts delivered nudges, refuses the window after one, and releases claims', async () => {
      const store = new NudgeStore(make());
      await store.claim(BATCH(1), [ID(1), ID(2)], NOW, DAY);
      await store.recordResults(BATCH(1), [result(ID(1), 'sent'), result(ID(2), 'failed')]);

      assert.deepEqual(await store.history(), { [ID(1)]: { count: 1, lastAt: NOW.toISOString() } }, 'a failure is not a nudge');
      const later = new Date(NOW.getTime() + 2 * HOUR);
      const again = await store.claim(BATCH(2), [ID(1), ID(2)], later, DAY);
      assert.deepEqual(again.claimed, [ID(2)], 'the failed admin may be tried again at once');
      assert.deepEqual(again.refused, [{ id: ID(1), reason: { kind: 'recentlyNudged', lastAt: NOW.toISOString() } }]);
      assert.equal((await store.state(ID(2)))?.lastReason, 'Teams refused the message (500).');

      const nextDay = new Date(NOW.getTime() + DAY + HOUR);
      assert.deepEqual((await store.claim(BATCH(3), [ID(1)], nextDay, DAY)).claimed, [ID(1)]);
      await store.recordResults(BATCH(3), [result(ID(1), 'sent', nextDay.toISOString())]);
      assert.deepEqual((await store.history())[ID(1)], { count: 2, lastAt: nextDay.toISOString() });
      assert.equal((await store.state(ID(1)))?.lastBatchId, BATCH(3));
    });

    it('lets a claim left by a crashed instance go after its TTL', async () => {
      const store = new NudgeStore(make());
      await store.claim(BATCH(1), [ID(1)], NOW, DAY);
      const soon = await store.claim(BATCH(2), [ID(1)], new Date(NOW.getTime() + 60_000), DAY);
      assert.deepEqual(soon.claimed, []);
      const late = await store.claim(BATCH(2), [ID(1)], new Date(NOW.getTime() + CLAIM_TTL_MS + 1), DAY);
      assert.deepEqual(late.claimed, [ID(1)]);
    });

    it('keeps batches by id and refuses malformed ids', async () => {
      const store = new NudgeStore(make());
      const batch: NudgeBatch = {
        id: BATCH(7), requestedBy: { id: ID(9), name: 'Alice' }, createdAt: NOW.toISOString(), finishedAt: null, tenantId: 't',
        channel: null, cardActivityId: 'act-1', results: [result(ID(1), 'sent')],
      };
      await store.saveBatch(batch);
      assert.deepEqual(await store.batch(BATCH(7)), batch);
      assert.equal(await store.batch('../../etc/passwd'), undefined);
      assert.equal(await store.batch(42), undefined);
    });
  });
}

describe('nudge history on a FileStore', () => {
  it('survives re-opening the store (a restart)', async () => {
    const dir = tempDir();
    const first = new NudgeStore(new FileStore(dir));
    await first.claim(BATCH(1), [ID(1)], NOW, DAY);
    await first.recordResults(BATCH(1), [result(ID(1), 'sent')]);
    await first.updateState(ID(1), (s) => ({ ...s, recheck: { attempts: 0, nextAt: NOW.toISOString() } }));

    const reopened = new NudgeStore(new FileStore(dir));
    assert.deepEqual(await reopened.history(), { [ID(1)]: { count: 1, lastAt: NOW.toISOString() } });
    assert.deepEqual((await reopened.state(ID(1)))?.recheck, { attempts: 0, nextAt: NOW.toISOString() });
  });
});

for (const [kind, make] of KINDS) {
  describe(`ConversationStore on ${kind}`, () => {
    const entry = (conversationId: string): StoredConversation => ({
      tenantId: 'T-1', aadObjectId: ID(1).toUpperCase(), savedAt: NOW.toISOString(), source: 'install',
      reference: { channelId: 'msteams', serviceUrl: 'https://smba.example/teams/', conversation: { id: conversationId, conversationType: 'personal' }, bot: { id: '28:bot' } },
    });

    it('keeps one reference per tenant and user (ids in any case), replaces it, and removes it', async () => {
      const store = new ConversationStore(make());
      await store.save(entry('a:one'));
      assert.equal((await store.get('t-1', ID(1)))?.reference.conversation.id, 'a:one');
      await store.save(entry('a:two'));
      assert.equal((await store.get('T-1', ID(1).toUpperCase()))?.reference.conversation.id, 'a:two');
      assert.equal(await store.get('t-2', ID(1)), undefined, 'another tenant is another key');
      await store.remove('t-1', ID(1));
      assert.equal(await store.get('t-1', ID(1)), undefined);
    });
  });

  describe(`SubscriptionStore on ${kind}`, () => {
    const sub = (conversationId: string, teamId: string | null): Subscription => ({
      id: subscriptionId(conversationId), cadence: 'daily', tenantId: 't', teamId, createdAt: NOW.toISOString(), createdBy: { id: ID(1), name: 'Alice' },
      lastPeriod: null, lastPostedAt: null, lastSnapshot: null,
      reference: { channelId: 'msteams', serviceUrl: 'https://smba.example/teams/', conversation: { id: conversationId }, bot: { id: '28:bot' } },
    });

    it('lists, updates and removes subscriptions, and drops a team\'s when MfaBot leaves it', async () => {
      const store = new SubscriptionStore(make());
      await store.upsert(sub('19:a@thread.tacv2', 'team-1'));
      await store.upsert(sub('19:b@thread.tacv2;messageid=1', 'team-1'));
      await store.upsert(sub('19:c@thread.tacv2', 'team-2'));
      await store.upsert(sub('19:c@thread.tacv2', 'team-2'));
      assert.equal((await store.list()).length, 3, 'upserting twice keeps one');

      const id = subscriptionId('19:c@thread.tacv2');
      await store.update(id, (s) => ({ ...s, lastPeriod: 'daily:2025-11-26' }));
      assert.equal((await store.get(id))?.lastPeriod, 'daily:2025-11-26');

      const removed = await store.removeTeam('team-1');
      assert.equal(removed.length, 2);
      assert.deepEqual((await store.list()).map((s) => s.id), [id]);
      const [gone] = await store.remove([id]);
      assert.deepEqual(gone, { ...sub('19:c@thread.tacv2', 'team-2'), lastPeriod: 'daily:2025-11-26' }, 'remove returns what it removed');
      assert.deepEqual(await store.list(), []);
    });
  });
}
