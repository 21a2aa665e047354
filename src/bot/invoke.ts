/**
 * Answering a card click (an `adaptiveCard/action` invoke). Teams wants the answer within a few
 * seconds, so work races a budget; the answer replaces the card for the clicker, and a result that
 * changes the request for everyone also replaces the clicked card in the conversation.
 *
 * Handlers answer invokes themselves (teams-ai then leaves them alone), so a card that carries
 * `refresh` is never turned into an update for everyone by accident.
 */
import { CardFactory, MessageFactory, type Activity, type TurnContext } from 'botbuilder';
import type { AdaptiveCard } from '../cards/types';
import type { Logger } from '../log';
import { errorSummary } from './failures';

/** What a click results in, before it is sent. */
export interface Presentation {
  card?: AdaptiveCard;
  message?: string;
  /** Replace the clicked card for everyone in the conversation (the state of the request changed). */
  forAll: boolean;
  /** Teams must sign the clicker in first (the change is made with their own identity). */
  signIn?: boolean;
}

/** How long a click's work may take before a "working" card answers (default). */
export const DEFAULT_INVOKE_BUDGET_MS = 4_000;

const INVOKE_RESPONSE = 'invokeResponse';

/** A card as a message activity. */
export function cardActivity(card: AdaptiveCard): Partial<Activity> {
  return MessageFactory.attachment(CardFactory.adaptiveCard(card));
}

/** Replaces the message `activityId` in the turn's conversation with `card`, for everyone. */
export async function updateCard(context: TurnContext, activityId: string, card: AdaptiveCard): Promise<void> {
  const activity = cardActivity(card);
  activity.id = activityId;
  await context.updateActivity(activity);
}

/** The HTTP answer to the invoke: the card replaces the clicked one for the clicker; a string is shown as a message. */
export async function sendInvokeResponse(context: TurnContext, result: AdaptiveCard | string): Promise<void> {
  const body = typeof result === 'string'
    ? { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: result }
    : { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: result };
  await context.sendActivity({ type: INVOKE_RESPONSE, value: { status: 200, body } });
}

/**
 * Answers a click: for `forAll`, replaces the clicked card for everyone first (a failure there is
 * logged, the clicker still gets the answer); then answers the invoke. Returns what the clicker sees.
 */
export async function answerClick(context: TurnContext, shown: Presentation, logger: Logger): Promise<AdaptiveCard | string> {
  const replyToId = context.activity.replyToId;
  if (shown.forAll && shown.card && replyToId) {
    await updateCard(context, replyToId, shown.card).catch((err: unknown) => logger.warn({ err: errorSummary(err) }, 'could not update the card for everyone'));
  }
  const result: AdaptiveCard | string = shown.card ?? shown.message ?? '';
  if (context.activity.type === 'invoke') await sendInvokeResponse(context, result);
  return result;
}

/** Waits for `work` at most `budgetMs`: its value when in time, else `late` (the work goes on). */
export async function withinBudget<T>(work: Promise<T>, budgetMs: number): Promise<{ inTime: true; value: T } | { inTime: false }> {
  const late = Symbol('late');
  let timer: NodeJS.Timeout | undefined;
  const raced = await Promise.race([work, new Promise<typeof late>((r) => { timer = setTimeout(() => r(late), budgetMs); })])
    .finally(() => clearTimeout(timer));
  return raced === late ? { inTime: false } : { inTime: true, value: raced as T };
}

/** Rejects when `work` takes longer than `ms` (for best-effort calls such as looking up a member). */
export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), ms); }),
  ]);
}
