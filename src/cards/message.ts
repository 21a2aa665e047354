/**
 * Plain message cards: an error a person can act on, and a neutral notice. They render only what they
 * are given (literal text, no markdown), so whatever reaches them must already be safe to show.
 */
import { card, literal, para, run, truncate } from './elements';
import type { AdaptiveCard, CardElement } from './types';

export interface ErrorCardOptions {
  /** What the person can do about it, e.g. "Grant AuditLog.Read.All to the bot's app registration." */
  hint?: string;
  /** Correlation id to quote when reporting the problem. */
  requestId?: string;
}

/** Longest title and detail a message card shows; the rest of a runaway message is cut. */
const TITLE_MAX = 200;
const DETAIL_MAX = 4_000;

/** An error: title, detail, an optional hint and the request id to quote. */
export function errorCard(title: string, detail: string, opts: ErrorCardOptions = {}): AdaptiveCard {
  const body: CardElement[] = [
    literal(truncate(title, TITLE_MAX), { size: 'medium', weight: 'bolder', color: 'attention' }),
    literal(truncate(detail, DETAIL_MAX)),
  ];
  if (opts.hint) body.push(para([run('What to do: ', { weight: 'bolder' }), run(truncate(opts.hint, DETAIL_MAX))], { spacing: 'medium' }));
  if (opts.requestId) body.push(literal(`Request id: ${truncate(opts.requestId, 100)}`, { isSubtle: true, size: 'small' }));
  return card(body);
}

/** A neutral notice: a title and a sentence or two. */
export function noticeCard(title: string, detail: string): AdaptiveCard {
  return card([
    literal(truncate(title, TITLE_MAX), { size: 'medium', weight: 'bolder' }),
    literal(truncate(detail, DETAIL_MAX)),
  ]);
}
