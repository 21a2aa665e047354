import assert from 'node:assert/strict';
import type { AdaptiveCard } from '../../src/cards/types';
import { validateCard } from './validate';

/** Builds a card from loose JSON, for showing that the validator rejects what the types would not allow. */
function loose(body: unknown[], extra: Record<string, unknown> = {}): AdaptiveCard {
  return { type: 'AdaptiveCard', version: '1.5', body, ...extra } as unknown as AdaptiveCard;
}

describe('validateCard', () => {
  it('accepts a minimal card', () => {
    assert.deepEqual(validateCard(loose([{ type: 'TextBlock', text: 'hi' }])), []);
  });

  it('rejects a property the schema does not define', () => {
    assert.notDeepEqual(validateCard(loose([{ type: 'TextBlock', text: 'hi', colour: 'good' }])), []);
  });

  it('rejects an element type the schema does not know', () => {
    assert.notDeepEqual(validateCard(loose([{ type: 'Banner', text: 'hi' }])), []);
  });

  it('rejects a TableCell without items', () => {
    const table = { type: 'Table', columns: [{ width: 1 }], rows: [{ type: 'TableRow', cells: [{ type: 'TableCell' }] }] };
    assert.notDeepEqual(validateCard(loose([table])), []);
  });

  it('accepts a donut chart with a valid fallback', () => {
    const chart = { type: 'Chart.Donut', data: [{ legend: 'a', value: 1, color: 'good' }], fallback: { type: 'TextBlock', text: 'a: 1' } };
    assert.deepEqual(validateCard(loose([chart])), []);
  });

  it('rejects a chart without a fallback', () => {
    const chart = { type: 'Chart.Donut', data: [{ legend: 'a', value: 1 }] };
    assert.ok(validateCard(loose([chart])).some((e) => e.includes('fallback')));
  });

  it('rejects a donut whose data values are not numbers', () => {
    const chart = { type: 'Chart.Donut', data: [{ legend: 'a', value: '1' }], fallback: { type: 'TextBlock', text: 'a' } };
    assert.ok(validateCard(loose([chart])).some((e) => e.includes('/data/0')));
  });

  it('rejects a chart whose fallback is itself invalid', () => {
    const chart = { type: 'Chart.Donut', data: [{ legend: 'a', value: 1 }], fallback: { type: 'TextBlock' } };
    assert.notDeepEqual(validateCard(loose([chart])), []);
  });

  it('allows msteams width and mentions that appear in the text', () => {
    const card = loose([{ type: 'TextBlock', text: 'Hi <at>Ines</at>' }], {
      msteams: { width: 'Full', entities: [{ type: 'mention', text: '<at>Ines</at>', mentioned: { id: 'u1', name: 'Ines' } }] },
    });
    assert.deepEqual(validateCard(card), []);
  });

  it('rejects a mention that is not in the text, and unknown msteams properties', () => {
    const card = loose([{ type: 'TextBlock', text: 'Hi' }], {
      msteams: { width: 'Wide', entities: [{ type: 'mention', text: '<at>Ines</at>', mentioned: { id: 'u1', name: 'Ines' } }] },
    });
    const errors = validateCard(card);
    assert.ok(errors.some((e) => e.includes('/msteams/width')));
    assert.ok(errors.some((e) => e.includes('/msteams/entities/0')));
  });
});
