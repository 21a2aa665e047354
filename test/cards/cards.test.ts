import assert from 'node:assert/strict';
import { MAX_CARD_BYTES, cardBytes } from '../../src/cards';
import { ALL_VERBS, isVerb } from '../../src/cards/verbs';
import { CATALOGUE } from './catalogue';
import { executeActions, submitActions } from './inspect';
import { validateCard } from './validate';

describe('every card', () => {
  for (const { name, card } of CATALOGUE) {
    describe(name, () => {
      it('is valid against the Adaptive Cards 1.5 schema (Teams charts checked apart)', () => {
        assert.deepEqual(validateCard(card()), []);
      });

      it('is a version 1.5 card at full width', () => {
        const rendered = card();
        assert.equal(rendered.version, '1.5');
        assert.equal(rendered.msteams?.width, 'Full');
      });

      it('carries only verbs listed in VERBS, each with an Action.Submit fallback naming the same verb', () => {
        const rendered = card();
        for (const action of executeActions(rendered)) {
          assert.ok(isVerb(action.verb), `unknown verb ${action.verb}`);
          assert.equal(action.fallback.type, 'Action.Submit');
          assert.equal(action.fallback.data.verb, action.verb);
          assert.equal(action.fallback.title, action.title);
        }
        for (const submit of submitActions(rendered)) assert.ok(ALL_VERBS.includes(submit.data.verb), `unknown verb ${submit.data.verb}`);
      });

      it(`stays within ${MAX_CARD_BYTES} bytes`, () => {
        const bytes = cardBytes(card());
        assert.ok(bytes <= MAX_CARD_BYTES, `${bytes} bytes`);
      });
    });
  }
});
