import assert from 'node:assert/strict';
import { CardTooLargeError, cardBytes, fitCard, relativeTime } from '../../src/cards';
import { card, execute, joinCapped, text, truncate } from '../../src/cards/elements';
import { VERBS } from '../../src/cards/verbs';

describe('card elements', () => {
  describe('truncate', () => {
    it('leaves short text alone', () => {
      assert.equal(truncate('Ada Lovelace', 20), 'Ada Lovelace');
    });

    it('cuts long text to the limit, ending with an ellipsis', () => {
      const cut = truncate('a'.repeat(100), 10);
      assert.equal(cut, `${'a'.repeat(9)}…`);
      assert.equal(Array.from(cut).length, 10);
    });

    it('never splits a character made of two UTF-16 units', () => {
      assert.equal(truncate('🔐'.repeat(5), 3), '🔐🔐…');
    });

    it('flattens newlines, which would break a one-line row', () => {
      assert.equal(truncate('Ada\n  Lovelace', 40), 'Ada Lovelace');
    });
  });

  describe('joinCapped', () => {
    it('joins everything when it fits', () => {
      assert.equal(joinCapped(['a', 'b', 'c'], 5, 100), 'a, b, c');
    });

    it('says how many more past the item cap', () => {
      assert.equal(joinCapped(['a', 'b', 'c', 'd'], 2, 100), 'a, b and 2 more');
    });

    it('stops at the character budget but always shows one item', () => {
      assert.equal(joinCapped(['x'.repeat(50), 'y'.repeat(50)], 5, 60), `${'x'.repeat(50)} and 1 more`);
    });
  });

  describe('execute', () => {
    it('carries its verb in an Action.Submit fallback, with the same title and data', () => {
      assert.deepEqual(execute(VERBS.policyApprove, 'Approve', { data: { requestId: 'r-1' }, style: 'positive' }), {
        type: 'Action.Execute',
        verb: 'policy.approve',
        data: { requestId: 'r-1' },
        title: 'Approve',
        style: 'positive',
        fallback: { type: 'Action.Submit', title: 'Approve', style: 'positive', data: { requestId: 'r-1', verb: 'policy.approve' } },
      });
    });
  });

  describe('cardBytes', () => {
    it('counts UTF-8 bytes, not characters', () => {
      const ascii = cardBytes(card([text('ab')]));
      assert.equal(cardBytes(card([text('界界')])), ascii + 4);
    });
  });

  describe('fitCard', () => {
    const build = (n: number) => card([text('x'.repeat(n))]);

    it('returns the first step that fits', () => {
      const fitted = fitCard(build, [5_000, 1_000, 10], cardBytes(build(1_000)));
      assert.equal((fitted.body[0] as { text: string }).text.length, 1_000);
    });

    it('throws when even the last step is too big', () => {
      assert.throws(() => fitCard(build, [5_000, 1_000], 100), CardTooLargeError);
    });
  });

  describe('relativeTime', () => {
    const now = new Date('2025-11-26T09:00:00Z');

    it('speaks in minutes, hours and days', () => {
      assert.equal(relativeTime('2025-11-26T08:59:30Z', now), 'just now');
      assert.equal(relativeTime('2025-11-26T08:48:00Z', now), '12 min ago');
      assert.equal(relativeTime('2025-11-26T06:00:00Z', now), '3 h ago');
      assert.equal(relativeTime('2025-11-22T09:00:00Z', now), '4 d ago');
    });

    it('treats a time in the future (clock skew) as just now, and an unreadable one as unknown', () => {
      assert.equal(relativeTime('2025-11-26T09:05:00Z', now), 'just now');
      assert.equal(relativeTime('yesterday', now), null);
    });
  });
});
