/**
 * Reading rendered cards in tests: find elements by type and read their text the way a person sees it.
 */
import type {
  ActionExecute, ActionSubmit, AdaptiveCard, CardElement, ChartDonut, Container, InputChoiceSet, RichTextBlock, Table,
  TextBlock,
} from '../../src/cards/types';

interface Typed { type: string }

function isTyped(value: unknown): value is Typed & Record<string, unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Every typed object in the card (elements, actions, fallbacks, cells), depth first in document order. */
export function nodes(card: AdaptiveCard): (Typed & Record<string, unknown>)[] {
  const found: (Typed & Record<string, unknown>)[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    if (isTyped(value)) found.push(value);
    Object.values(value).forEach(visit);
  };
  visit(card);
  return found;
}

export function ofType<T extends Typed>(card: AdaptiveCard, type: T['type']): T[] {
  return nodes(card).filter((n) => n.type === type) as unknown as T[];
}

export const executeActions = (card: AdaptiveCard): ActionExecute[] => ofType<ActionExecute>(card, 'Action.Execute');
export const submitActions = (card: AdaptiveCard): ActionSubmit[] => ofType<ActionSubmit>(card, 'Action.Submit');
export const choiceSets = (card: AdaptiveCard): InputChoiceSet[] => ofType<InputChoiceSet>(card, 'Input.ChoiceSet');
export const tables = (card: AdaptiveCard): Table[] => ofType<Table>(card, 'Table');
export const donuts = (card: AdaptiveCard): ChartDonut[] => ofType<ChartDonut>(card, 'Chart.Donut');
export const containers = (card: AdaptiveCard): Container[] => ofType<Container>(card, 'Container');

/** The text of one element as displayed: a TextBlock's text, or a RichTextBlock's runs joined. */
export function textOf(element: CardElement): string {
  if (element.type === 'TextBlock') return element.text;
  if (element.type === 'RichTextBlock') return element.inlines.map((r) => r.text).join('');
  return '';
}

/** Every line of text in the card, in document order (chart fallbacks included). */
export function lines(card: AdaptiveCard): string[] {
  return nodes(card)
    .filter((n): n is Typed & Record<string, unknown> => n.type === 'TextBlock' || n.type === 'RichTextBlock')
    .map((n) => textOf(n as unknown as TextBlock | RichTextBlock));
}

/** Index of the first line containing `needle`, -1 when none does. */
export function lineIndex(card: AdaptiveCard, needle: string | RegExp): number {
  return lines(card).findIndex((l) => (typeof needle === 'string' ? l.includes(needle) : needle.test(l)));
}

/** The table's cells as text, row by row. */
export function tableText(table: Table): string[][] {
  return table.rows.map((row) => row.cells.map((cell) => cell.items.map(textOf).join(' ')));
}
