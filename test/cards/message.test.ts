import assert from 'node:assert/strict';
import { errorCard, noticeCard } from '../../src/cards';
import { executeActions, lines } from './inspect';

describe('errorCard', () => {
  it('shows the title, detail, hint and request id it is given, and nothing else', () => {
    const card = errorCard('MfaBot could not read the tenant', 'Graph answered 403.', { hint: 'Grant User.Read.All.', requestId: 'req-1' });
    assert.deepEqual(lines(card), [
      'MfaBot could not read the tenant',
      'Graph answered 403.',
      'What to do: Grant User.Read.All.',
      'Request id: req-1',
    ]);
    assert.equal(executeActions(card).length, 0);
  });

  it('leaves out the hint and request id when there are none', () => {
    assert.deepEqual(lines(errorCard('Oops', 'It failed.')), ['Oops', 'It failed.']);
  });

  it('renders markdown in its input literally, so a message cannot inject links', () => {
    const card = errorCard('Failed', '[click](https://evil.example)');
    assert.equal(card.body[1].type, 'RichTextBlock');
    assert.equal(lines(card)[1], '[click](https://evil.example)');
  });

  it('cuts a runaway detail', () => {
    assert.ok(lines(errorCard('Failed', 'x'.repeat(100_000)))[1].length <= 4_000);
  });
});

describe('noticeCard', () => {
  it('shows a title and a detail', () => {
    assert.deepEqual(lines(noticeCard('Not available yet', 'Type "status".')), ['Not available yet', 'Type "status".']);
  });
});
