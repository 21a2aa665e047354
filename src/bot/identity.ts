/**
 * Who and where an activity comes from: the clicker, their tenant, the conversation and the reference
 * that continues it later. Every handler reads identity here, from the activity Teams sent (never
 * from card data), so the rules are written once.
 */
import { TurnContext } from 'botbuilder';
import type { Person } from '../domain/approval';
import type { ConversationRef } from '../store/conversations';

const CHANNEL_ID = 'msteams';

const nonEmpty = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The tenants an activity names: Teams puts it in channelData and in the conversation. */
function namedTenants(context: TurnContext): { channelData?: string; conversation?: string } {
  const a = context.activity;
  return {
    channelData: nonEmpty((a.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id)?.toLowerCase(),
    conversation: nonEmpty(a.conversation?.tenantId)?.toLowerCase(),
  };
}

/**
 * The activity's tenant (lower-case): channelData's, else the conversation's. Undefined when it names
 * none, and null when the two disagree: such an activity was not sent by Teams and is refused.
 */
export function tenantOf(context: TurnContext): string | undefined | null {
  const { channelData, conversation } = namedTenants(context);
  if (channelData && conversation && channelData !== conversation) return null;
  return channelData ?? conversation;
}

/** Who clicked or wrote: the Entra object id Teams vouches for, and the display name. */
export function actorOf(context: TurnContext): Person {
  return {
    id: (context.activity.from?.aadObjectId ?? '').toLowerCase(),
    name: context.activity.from?.name ?? 'someone',
  };
}

/** The team of a channel conversation; null elsewhere. */
export function teamOf(context: TurnContext): string | null {
  return nonEmpty((context.activity.channelData as { team?: { id?: unknown } } | undefined)?.team?.id) ?? null;
}

/** True in a 1:1 chat with MfaBot. */
export function isPersonal(context: TurnContext): boolean {
  return context.activity.conversation?.conversationType === 'personal';
}

/**
 * The reference that continues the turn's conversation later, as plain JSON. It always names the
 * tenant when the activity did: proactive sends refuse references without one.
 */
export function referenceOf(context: TurnContext): ConversationRef {
  const r = TurnContext.getConversationReference(context.activity);
  const c = r.conversation;
  const tenantId = nonEmpty(c?.tenantId) ?? tenantOf(context) ?? undefined;
  return {
    channelId: r.channelId ?? CHANNEL_ID,
    serviceUrl: r.serviceUrl ?? '',
    conversation: {
      id: c?.id ?? '',
      ...(tenantId ? { tenantId } : {}),
      ...(c?.conversationType ? { conversationType: c.conversationType } : {}),
      ...(typeof c?.isGroup === 'boolean' ? { isGroup: c.isGroup } : {}),
    },
    bot: { id: r.bot?.id ?? '', ...(r.bot?.name ? { name: r.bot.name } : {}) },
    ...(r.user?.id ? { user: { id: r.user.id, ...(r.user.name ? { name: r.user.name } : {}), ...(r.user.aadObjectId ? { aadObjectId: r.user.aadObjectId } : {}) } } : {}),
  };
}
