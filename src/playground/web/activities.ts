/**
 * The Bot Framework activities the page sends, shaped as Teams sends them (bot-framework-offline.md,
 * "Invokes"; docs/graph-notes.md, "Adaptive Cards in Teams"): a message in the channel with the bot's mention entity, a message in a 1:1
 * chat, and the `adaptiveCard/action` invoke of an Action.Execute click or an automatic refresh; and
 * the install notifications the playground's server sends in Teams' place.
 * The playground's server sets the serviceUrl, sender and recipient again before relaying them.
 */
import type { PlaygroundConfig, TenantUser } from '../protocol';

export interface Where {
  conversationId: string;
  kind: 'channel' | 'personal';
}

type Activity = Record<string, unknown>;

function newId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

function envelope(config: PlaygroundConfig, user: TenantUser, where: Where): Activity {
  const channel = where.kind === 'channel';
  return {
    id: newId(),
    channelId: 'msteams',
    serviceUrl: config.serviceUrl,
    timestamp: new Date().toISOString(),
    localTimestamp: new Date().toISOString(),
    locale: 'en-US',
    from: { id: user.mri, name: user.displayName, aadObjectId: user.id },
    recipient: { id: config.bot.id, name: config.bot.name },
    conversation: channel
      ? { id: where.conversationId, conversationType: 'channel', isGroup: true, tenantId: config.tenantId, name: config.channel.name }
      : { id: where.conversationId, conversationType: 'personal', tenantId: config.tenantId },
    channelData: channel
      ? {
          tenant: { id: config.tenantId },
          team: { id: config.channel.teamId, name: config.channel.teamName },
          channel: { id: config.channel.conversationId, name: config.channel.name },
        }
      : { tenant: { id: config.tenantId } },
  };
}

const MENTION = /@mfabot\b/i;

/**
 * A message as Teams delivers it. In the channel "@MfaBot" becomes `<at>MfaBot</at>` with a mention
 * entity; without it Teams does not deliver the message to the bot at all.
 */
export function messageActivity(config: PlaygroundConfig, user: TenantUser, where: Where, typed: string): Activity {
  const base = envelope(config, user, where);
  const mentionText = `<at>${config.bot.name}</at>`;
  const mentioned = where.kind === 'channel' && MENTION.test(typed);
  const text = mentioned ? typed.replace(MENTION, mentionText) : typed;
  return {
    ...base,
    type: 'message',
    text,
    textFormat: 'plain',
    entities: [
      ...(mentioned ? [{ type: 'mention', text: mentionText, mentioned: { id: config.bot.id, name: config.bot.name } }] : []),
      { type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web', timezone: 'UTC' },
    ],
  };
}

/** The `adaptiveCard/action` invoke of an Action.Execute (a click, or a refresh with trigger "automatic"). */
export function invokeActivity(
  config: PlaygroundConfig,
  user: TenantUser,
  where: Where,
  replyToId: string,
  action: { verb: string; id?: string; data: Record<string, unknown> },
  trigger: 'manual' | 'automatic',
): Activity {
  return {
    ...envelope(config, user, where),
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId,
    value: {
      action: { type: 'Action.Execute', ...(action.id ? { id: action.id } : {}), verb: action.verb, data: action.data },
      trigger,
    },
  };
}

/**
 * What Teams sends the bot when it is installed in a user's personal scope (docs/graph-notes.md, "Teams: proactive 1:1 messages"): a
 * `conversationUpdate` whose `membersAdded` names the bot, and an `installationUpdate` with action
 * `add`, both from the user in their 1:1 chat with the bot.
 */
export function installActivities(config: PlaygroundConfig, user: TenantUser, conversationId: string): Activity[] {
  const where: Where = { conversationId, kind: 'personal' };
  return [
    { ...envelope(config, user, where), type: 'conversationUpdate', membersAdded: [{ id: config.bot.id }] },
    { ...envelope(config, user, where), type: 'installationUpdate', action: 'add' },
  ];
}

/** What old clients send for an Action.Submit: a message with the data as its value and no text. */
export function submitActivity(config: PlaygroundConfig, user: TenantUser, where: Where, replyToId: string, data: unknown): Activity {
  return { ...envelope(config, user, where), type: 'message', replyToId, value: data };
}

/**
 * Whether a card's `refresh` fires automatically for this user (docs/graph-notes.md, "Adaptive Cards in Teams"): `userIds` lists their
 * Teams id (or, as some bots do, their Entra object id); omitted means everyone (small chats); `[]`
 * means manual refresh only.
 */
export function refreshesFor(card: Record<string, unknown>, user: Pick<TenantUser, 'id' | 'mri'>): { verb: string; data: Record<string, unknown>; id?: string } | undefined {
  const refresh = card.refresh as { action?: { type?: unknown; verb?: unknown; data?: unknown; id?: unknown }; userIds?: unknown } | undefined;
  const action = refresh?.action;
  if (!action || action.type !== 'Action.Execute' || typeof action.verb !== 'string') return undefined;
  if (refresh.userIds !== undefined) {
    if (!Array.isArray(refresh.userIds)) return undefined;
    const ids = refresh.userIds.filter((id): id is string => typeof id === 'string').map((id) => id.toLowerCase());
    if (!ids.includes(user.mri.toLowerCase()) && !ids.includes(user.id.toLowerCase())) return undefined;
  }
  const data = typeof action.data === 'object' && action.data !== null && !Array.isArray(action.data) ? action.data as Record<string, unknown> : {};
  return { verb: action.verb, data: { ...data }, ...(typeof action.id === 'string' ? { id: action.id } : {}) };
}
