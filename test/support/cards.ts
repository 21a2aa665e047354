/** Reading cards the way a person would: the text they show and the buttons they offer. */

type Json = unknown;

/** Every visible string of a card (TextBlock text, TextRun text, fact titles/values, table cells, choice titles). */
export function cardTexts(card: Json): string[] {
  const out: string[] = [];
  const walk = (node: Json): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if ((o.type === 'TextBlock' || o.type === 'TextRun') && typeof o.text === 'string') out.push(o.text);
    if (typeof o.title === 'string' && (o.type === undefined || String(o.type).startsWith('Action') || 'value' in o)) out.push(o.title);
    if (typeof o.value === 'string' && 'title' in o) out.push(o.value);
    for (const [k, v] of Object.entries(o)) if (k !== 'fallback' && typeof v === 'object') walk(v);
  };
  walk(card);
  return out;
}

export function cardText(card: Json): string {
  return cardTexts(card).join('\n');
}

export interface FoundAction {
  type: string;
  title?: string;
  verb?: string;
  data?: Record<string, unknown>;
}

/** Every action of a card, including those in ActionSets. */
export function cardActions(card: Json): FoundAction[] {
  const out: FoundAction[] = [];
  const walk = (node: Json): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.type === 'string' && o.type.startsWith('Action.')) {
      out.push({ type: o.type, title: o.title as string | undefined, verb: o.verb as string | undefined, data: o.data as Record<string, unknown> | undefined });
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'fallback' && k !== 'refresh' && typeof v === 'object') walk(v);
  };
  walk(card);
  return out;
}

/** Finds an element by id (inputs). */
export function findById(card: Json, id: string): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  const walk = (node: Json): void => {
    if (found || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const o = node as Record<string, unknown>;
    if (o.id === id) found = o;
    else Object.values(o).forEach(walk);
  };
  walk(card);
  return found;
}

/** The adaptive card attached to an outgoing activity, if any. */
export function attachedCard(activity: Record<string, unknown>): Record<string, unknown> | undefined {
  const attachments = activity.attachments as { contentType?: string; content?: Record<string, unknown> }[] | undefined;
  return attachments?.find((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
}
