/**
 * Proactive messages: continuing a stored conversation (nudges, digests, results that outlived their
 * invoke) and opening 1:1 chats. One messenger for every feature, so the tenant fence, the rethrow of
 * failures and the translation of Bot Connector errors are written once.
 *
 * With a tenant configured, every proactive message stays in it whatever storage holds: a reference
 * naming another tenant, or none, is refused (as a 403, so a stored chat is replaced and a digest
 * subscription dropped), and new 1:1 chats are created in the configured tenant only.
 */
import { type CloudAdapter, type ConversationParameters, type ConversationReference, type TurnContext } from 'botbuilder';
import type { AdaptiveCard } from '../cards/types';
import { parseRetryAfter } from '../http';
import type { Logger } from '../log';
import { DeliveryError, type Messenger } from '../services/nudge';
import type { ConversationRef } from '../store/conversations';
import { cardActivity, updateCard, type Presentation } from './invoke';

const PUBLIC_AUDIENCE = 'https://api.botframework.com';
const CHANNEL_ID = 'msteams';

/** The messenger the features use; `Messenger` is the part the services see. */
export interface ProactiveMessenger extends Messenger {
  /** Replaces a message (a card) in a stored conversation. */
  update(reference: ConversationRef, activityId: string, card: AdaptiveCard): Promise<void>;
  /** Runs `logic` as a turn in the referenced conversation; what it throws is rethrown here. */
  within(reference: ConversationRef, logic: (ctx: TurnContext) => Promise<void>): Promise<void>;
  /** Shows a result that outlived its invoke (see `showLateIn`). */
  showLate(reference: ConversationRef, activityId: string | null, shown: Presentation): Promise<void>;
}

/** A Bot Connector error (RestError from botframework-connector) as a DeliveryError. */
export function deliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = (err ?? {}) as { statusCode?: unknown; code?: unknown; message?: unknown; details?: { error?: { code?: unknown } }; response?: { headers?: { get?: (name: string) => string | undefined } } };
  const status = typeof e.statusCode === 'number' && e.statusCode > 0 ? e.statusCode : null;
  const retryAfterMs = parseRetryAfter(e.response?.headers?.get?.('retry-after'), Date.now());
  const code = typeof e.details?.error?.code === 'string' ? e.details.error.code : typeof e.code === 'string' ? e.code : null;
  return new DeliveryError(`Bot Connector: ${typeof e.message === 'string' ? e.message.slice(0, 200) : 'request failed'}`, status, retryAfterMs, code);
}

/**
 * Shows, in a proactive turn, a result that outlived its invoke: one that changes the request for
 * everyone replaces the clicked card; any other is posted as a new message, so the card everyone
 * shares keeps its buttons.
 */
export async function showLateIn(ctx: TurnContext, activityId: string | null, shown: Presentation): Promise<void> {
  if (shown.card && activityId && shown.forAll) await updateCard(ctx, activityId, shown.card);
  else if (shown.card) await ctx.sendActivity(cardActivity(shown.card));
  else if (shown.message) await ctx.sendActivity(shown.message);
}

export interface MessengerOptions {
  /** Bot Framework audience (default the public cloud's). */
  audience?: string;
  /** The tenant MfaBot serves; null: no fence (demo without a tenant). */
  tenantId?: () => string | null;
  logger?: Logger;
}

export function createMessenger(adapter: CloudAdapter, botAppId: string, opts: MessengerOptions = {}): ProactiveMessenger {
  const audience = opts.audience ?? PUBLIC_AUDIENCE;
  const tenantId = opts.tenantId ?? (() => null);
  /** With a tenant configured, a conversation must name it: one naming no tenant was not stored from this tenant's Teams. */
  const outside = (named: string | undefined): boolean => {
    const expected = tenantId()?.toLowerCase();
    return Boolean(expected && named?.toLowerCase() !== expected);
  };
  const refused = (named: string | undefined): DeliveryError => {
    opts.logger?.warn({ tenant: named ?? null }, 'refused a proactive message to a conversation of another tenant');
    return new DeliveryError('Refused: the conversation belongs to another tenant than the one MfaBot serves.', 403, null, 'OtherTenant');
  };

  /**
   * The adapter hands a failure inside the turn to its onTurnError (which logs it and answers in that
   * conversation) instead of to the caller, so a throttled send would look delivered: catch it inside
   * and rethrow it here.
   */
  const within = async (reference: ConversationRef, logic: (ctx: TurnContext) => Promise<void>): Promise<void> => {
    if (outside(reference.conversation.tenantId)) throw refused(reference.conversation.tenantId);
    let failure: { err: unknown } | null = null;
    try {
      await adapter.continueConversationAsync(botAppId, reference as Partial<ConversationReference>, audience, async (ctx) => {
        try {
          await logic(ctx);
        } catch (err) {
          failure = { err };
        }
      });
    } catch (err) {
      throw deliveryError(err);
    }
    if (failure) throw deliveryError((failure as { err: unknown }).err);
  };

  return {
    within,
    createPersonal: async (request) => {
      if (request.tenantId && outside(request.tenantId)) throw refused(request.tenantId);
      return createPersonal(adapter, botAppId, audience, tenantId() ?? request.tenantId, request);
    },
    send: (reference, card) => within(reference, async (ctx) => { await ctx.sendActivity(cardActivity(card)); }),
    update: (reference, activityId, card) => within(reference, (ctx) => updateCard(ctx, activityId, card)),
    showLate: (reference, activityId, shown) => within(reference, (ctx) => showLateIn(ctx, activityId, shown)),
  };
}

/** Opens a 1:1 chat with a user MfaBot is installed for, in `tenant`. */
async function createPersonal(
  adapter: CloudAdapter, botAppId: string, audience: string, tenant: string, { serviceUrl, userId, bot }: Parameters<Messenger['createPersonal']>[0],
): Promise<ConversationRef> {
  let conversationId = '';
  const parameters = {
    isGroup: false,
    bot: { id: bot.id, name: bot.name ?? 'MfaBot' },
    // The user's Entra object id works as the member id once MfaBot is installed for them
    // (docs/graph-notes.md, "Teams: proactive 1:1 messages").
    members: [{ id: userId }],
    tenantId: tenant,
    channelData: { tenant: { id: tenant } },
  } as ConversationParameters;
  try {
    await adapter.createConversationAsync(botAppId, CHANNEL_ID, serviceUrl, audience, parameters, async (ctx) => {
      conversationId = ctx.activity.conversation?.id ?? '';
    });
  } catch (err) {
    throw deliveryError(err);
  }
  if (!conversationId) throw new DeliveryError('Bot Connector created no conversation id.', 502);
  return {
    channelId: CHANNEL_ID,
    serviceUrl,
    conversation: { id: conversationId, tenantId: tenant, conversationType: 'personal', isGroup: false },
    bot: { id: bot.id, ...(bot.name ? { name: bot.name } : {}) },
    user: { id: userId, aadObjectId: userId },
  };
}
