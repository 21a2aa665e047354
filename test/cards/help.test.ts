import assert from 'node:assert/strict';
import { helpCard } from '../../src/cards';
import { VERBS } from '../../src/cards/verbs';
import { executeActions, lines, ofType } from './inspect';
import type { FactSet } from '../../src/cards/types';

describe('helpCard', () => {
  const facts = (botName = 'MfaBot') => ofType<FactSet>(helpCard({ botName }), 'FactSet').flatMap((f) => f.facts);

  it('lists the commands, including those still to come', () => {
    const titles = facts().map((f) => f.title);
    for (const command of ['status', 'help', 'audit', 'subscribe daily|weekly', 'unsubscribe']) {
      assert.ok(titles.includes(command), `${command} missing`);
    }
  });

  it('explains how to ask in a channel, with the bot name', () => {
    assert.ok(lines(helpCard({ botName: 'MfaBot' })).some((l) => l.includes('**@MfaBot status**')));
  });

  it('explains every button the status card can show', () => {
    const titles = facts().map((f) => f.title);
    for (const button of ['Refresh', 'Create policy (report-only)', 'Approve / Reject', 'Enforce policy', 'Nudge selected', "I've registered"]) {
      assert.ok(titles.includes(button), `${button} missing`);
    }
  });

  it('says who can approve, and whether the reader is an approver', () => {
    assert.ok(lines(helpCard({ botName: 'MfaBot' })).some((l) => l.startsWith('Creating, approving, rejecting and turning on')));
    assert.ok(lines(helpCard({ botName: 'MfaBot', isApprover: true })).includes('You are an approver.'));
    assert.ok(lines(helpCard({ botName: 'MfaBot', isApprover: false })).some((l) => l.startsWith('You are not an approver')));
    assert.ok(!lines(helpCard({ botName: 'MfaBot' })).some((l) => l.startsWith('You are')), 'says nothing when it does not know');
  });

  it('repeats an unknown command literally, before the help', () => {
    const card = helpCard({ botName: 'MfaBot', unknownCommand: 'stauts **now**' });
    assert.equal(lines(card)[0], 'I did not understand "stauts **now**". Here is what I can do.');
    assert.equal(card.body[0].type, 'RichTextBlock');
  });

  it('keeps markup out of the bot name', () => {
    assert.ok(lines(helpCard({ botName: '[Mfa](https://evil.example)*Bot*' })).every((l) => !l.includes('](')));
  });

  it('offers the status as a button', () => {
    assert.deepEqual(executeActions(helpCard({ botName: 'MfaBot' })).map((a) => a.verb), [VERBS.statusRefresh]);
  });
});
