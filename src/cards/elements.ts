/**
 * Small builders shared by the cards: text, actions, truncation and the size budget.
 * Tenant-supplied strings (names, policy names, reasons) go into TextRuns, which render no markdown.
 */
import type {
  ActionExecute, ActionStyle, AdaptiveCard, CardAction, CardElement, Choice, Color, FontSize, FontWeight, InputChoiceSet,
  JsonObject, RichTextBlock, TextBlock, TextRun,
} from './types';
import { NUDGE_ALL, NUDGE_INPUT_ID, VERBS, type Verb } from './verbs';

/**
 * Largest card MfaBot sends, in UTF-8 bytes of its JSON. Teams accepts more (docs/graph-notes.md, "Adaptive Cards in Teams"), but 25 KB
 * leaves room for the activity envelope and stays under the 28 KB webhook limit. Counted as 25,000 so
 * it holds under either reading of "KB".
 */
export const MAX_CARD_BYTES = 25_000;

const encoder = new TextEncoder();

/** Size of the card as sent: UTF-8 bytes of its JSON. */
export function cardBytes(card: AdaptiveCard): number {
  return encoder.encode(JSON.stringify(card)).length;
}

/** Thrown when no step of a fitting ladder makes a card small enough: a bug in the builder's caps. */
export class CardTooLargeError extends Error {
  constructor(readonly bytes: number, readonly maxBytes: number) {
    super(`card is ${bytes} bytes even at its smallest; the limit is ${maxBytes}`);
    this.name = 'CardTooLargeError';
  }
}

/**
 * Builds the card with each limits step in turn (largest first) and returns the first that fits in
 * `maxBytes`. Builders cap every list and string, so the last step always fits; the guard is what makes
 * "under the limit for any tenant" a property rather than a hope.
 */
export function fitCard<L>(
  build: (limits: L) => AdaptiveCard,
  ladder: readonly L[],
  maxBytes: number = MAX_CARD_BYTES,
): AdaptiveCard {
  let smallest = Number.POSITIVE_INFINITY;
  for (const limits of ladder) {
    const card = build(limits);
    const bytes = cardBytes(card);
    if (bytes <= maxBytes) return card;
    smallest = Math.min(smallest, bytes);
  }
  throw new CardTooLargeError(smallest, maxBytes);
}

/** Collapses whitespace (names may carry newlines) and cuts to `max` characters, ending with "…". */
export function truncate(value: string, max: number): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  if (chars.length <= max) return flat;
  return `${chars.slice(0, Math.max(0, max - 1)).join('').trimEnd()}…`;
}

/**
 * Joins items into "a, b, c and 4 more", keeping at most `maxItems` items and about `maxChars`
 * characters (always at least one item).
 */
export function joinCapped(items: readonly string[], maxItems: number, maxChars: number): string {
  const shown: string[] = [];
  let length = 0;
  for (const item of items) {
    if (shown.length >= maxItems) break;
    if (shown.length > 0 && length + item.length + 2 > maxChars) break;
    shown.push(item);
    length += item.length + 2;
  }
  const rest = items.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}

/** "1 admin" / "3 admins". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

interface TextStyle {
  size?: FontSize;
  weight?: FontWeight;
  color?: Color;
  isSubtle?: boolean;
  separator?: boolean;
  spacing?: TextBlock['spacing'];
}

/** A wrapping TextBlock for text MfaBot composes itself (markdown is interpreted). */
export function text(value: string, style: TextStyle = {}): TextBlock {
  return { type: 'TextBlock', text: value, wrap: true, ...style };
}

/** A section heading. */
export function heading(value: string, style: Omit<TextStyle, 'weight'> = {}): TextBlock {
  return { type: 'TextBlock', text: value, wrap: true, weight: 'bolder', spacing: 'medium', ...style };
}

/** A run of literal text. */
export function run(value: string, style: Omit<TextRun, 'type' | 'text'> = {}): TextRun {
  return { type: 'TextRun', text: value, ...style };
}

/** A paragraph of literal runs: the safe way to show tenant-supplied strings. */
export function para(inlines: TextRun[], options: Pick<RichTextBlock, 'spacing' | 'separator'> = {}): RichTextBlock {
  return { type: 'RichTextBlock', inlines, ...options };
}

/** A one-run literal paragraph. */
export function literal(value: string, style: Omit<TextRun, 'type' | 'text'> = {}): RichTextBlock {
  return para([run(value, style)]);
}

interface ExecuteOptions {
  data?: JsonObject;
  style?: ActionStyle;
  /** `none` for buttons that must not be blocked by (or carry) the card's inputs. */
  associatedInputs?: 'auto' | 'none';
}

/**
 * An Action.Execute with the Action.Submit fallback older clients need (docs/graph-notes.md, "Adaptive Cards in Teams"); the fallback
 * carries the verb in `data.verb`, where the bot's submit route looks for it.
 */
export function execute(verb: Verb, title: string, options: ExecuteOptions = {}): ActionExecute {
  const data = options.data ?? {};
  const shared = {
    title,
    ...(options.style ? { style: options.style } : {}),
    ...(options.associatedInputs ? { associatedInputs: options.associatedInputs } : {}),
  };
  return {
    type: 'Action.Execute',
    verb,
    data,
    ...shared,
    fallback: { type: 'Action.Submit', ...shared, data: { ...data, verb } },
  };
}

/** A top-level Teams card: version 1.5 (Action.Execute needs it) and full width. */
export function card(body: CardElement[], actions: CardAction[] = []): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body,
    ...(actions.length > 0 ? { actions } : {}),
    msteams: { width: 'Full' },
  };
}

/** A person the nudge picker offers. */
export interface NudgeCandidate {
  id: string;
  displayName: string;
  userPrincipalName: string;
  /** Said after the name in the picker, e.g. "stopped at sign-in". */
  note?: string;
}

/**
 * The picker's candidates: unregistered (and unknown) admins, then those the enforced policy stopped
 * at sign-in who are not among them yet, each once.
 */
export function nudgeCandidates(missing: readonly NudgeCandidate[], stuck: ReadonlyArray<{ userId: string; displayName: string; userPrincipalName: string }>): NudgeCandidate[] {
  const seen = new Set(missing.map((a) => a.id.toLowerCase()));
  const extra = stuck.filter((a) => !seen.has(a.userId.toLowerCase()))
    .map((a) => ({ id: a.userId, displayName: a.displayName, userPrincipalName: a.userPrincipalName, note: 'stopped at sign-in' }));
  return [...missing, ...extra];
}

/**
 * The nudge picker (multi-select `Input.ChoiceSet` with id `admins`, "all" first) and its button,
 * shared by the status and digest cards so both send what the nudge handler expects.
 */
export function nudgePickerSection(candidates: readonly NudgeCandidate[], maxChoices: number): CardElement[] {
  if (candidates.length === 0) return [];
  const choices: Choice[] = [
    { title: 'All unregistered admins', value: NUDGE_ALL },
    ...candidates.slice(0, maxChoices).map((a) => ({
      title: truncate(`${truncate(a.displayName || a.userPrincipalName, 64)} (${a.userPrincipalName})${a.note ? ` · ${a.note}` : ''}`, 90),
      value: a.id,
    })),
  ];
  const picker: InputChoiceSet = {
    type: 'Input.ChoiceSet',
    id: NUDGE_INPUT_ID,
    label: 'Nudge admins to register (a 1:1 Teams message)',
    isMultiSelect: true,
    // `filtered` (typeahead) would need single select.
    style: 'compact',
    placeholder: 'Choose admins',
    isRequired: true,
    errorMessage: 'Choose at least one admin to nudge',
    choices,
  };
  return [{
    type: 'Container',
    spacing: 'large',
    separator: true,
    items: [picker, { type: 'ActionSet', actions: [execute(VERBS.nudgeSend, 'Nudge selected', { associatedInputs: 'auto' })] }],
  }];
}
