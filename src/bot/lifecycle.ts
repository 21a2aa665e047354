/**
 * What MfaBot keeps about the people and conversations it meets, so it can reach them later:
 * the 1:1 conversation reference of each user (from installs and personal messages; dropped on
 * uninstall), each clicker's Teams id, and which channels lose their digests when MfaBot is removed
 * from a team. Persisted, so a restart loses nobody.
 */
import type { TurnContext } from 'botbuilder';
import type { Logger } from '../log';
import type { ConversationStore } from '../store/conversations';
import type { TeamsIdStore } from '../store/teamsIds';
import { errorSummary } from './failures';
import { isPersonal, referenceOf, teamOf, tenantOf } from './identity';

export interface LifecycleDeps {
  conversations: ConversationStore;
  teamsIds: TeamsIdStore;
  /** Stops the digests of a conversation or team MfaBot was removed from; returns how many. */
  forgetDigests(where: { teamId: string | null; conversationId: string | null }): Promise<number>;
  /** The tenant MfaBot serves, for activities that name none (demo mode). */
  tenantId: () => string | null;
  now: () => Date;
  logger: Logger;
}

export interface Lifecycle {
  /** Any message or click (before the handlers): keeps the sender's 1:1 reference when it comes from a personal chat. */
  remember(context: TurnContext): Promise<void>;
  /** conversationUpdate (membersAdded: the bot) and installationUpdate (add): keeps the user's 1:1 reference. */
  onInstall(context: TurnContext): Promise<void>;
  /** conversationUpdate (membersRemoved: the bot) and installationUpdate (remove): forgets the reference, or the channel's digests. */
  onUninstall(context: TurnContext): Promise<void>;
  /** Keeps the clicker's Teams id (best effort). */
  rememberTeamsId(context: TurnContext): Promise<void>;
  /** The activity's tenant, or the configured one when the activity names none. */
  tenantFor(context: TurnContext): string;
}

export function createLifecycle(deps: LifecycleDeps): Lifecycle {
  const { conversations, logger } = deps;
  const tenantFor = (context: TurnContext): string => tenantOf(context) ?? deps.tenantId()?.toLowerCase() ?? '';
  const keep = async (context: TurnContext, source: 'install' | 'message'): Promise<boolean> => {
    const aad = context.activity.from?.aadObjectId;
    const tenant = tenantFor(context);
    if (!aad || !tenant) return false;
    await conversations.save({ tenantId: tenant, aadObjectId: aad, reference: referenceOf(context), savedAt: deps.now().toISOString(), source });
    return true;
  };

  const onInstall = async (context: TurnContext): Promise<void> => {
    const a = context.activity;
    if (a.type === 'conversationUpdate' && !(a.membersAdded ?? []).some((m) => m.id === a.recipient?.id)) return;
    if (a.type === 'installationUpdate' && !String(a.action ?? 'add').startsWith('add')) return;
    if (!isPersonal(context)) return;
    if (await keep(context, 'install')) logger.info({ user: a.from?.aadObjectId }, 'MfaBot installed for a user: conversation reference kept');
  };

  const onUninstall = async (context: TurnContext): Promise<void> => {
    const a = context.activity;
    if (a.type === 'conversationUpdate' && !(a.membersRemoved ?? []).some((m) => m.id === a.recipient?.id)) return;
    if (a.type === 'installationUpdate' && a.action !== 'remove') return;
    if (isPersonal(context)) {
      const aad = a.from?.aadObjectId;
      const tenant = tenantFor(context);
      if (!aad || !tenant) return;
      await conversations.remove(tenant, aad);
      logger.info({ user: aad }, 'MfaBot uninstalled by a user: conversation reference removed');
      return;
    }
    const removed = await deps.forgetDigests({ teamId: teamOf(context), conversationId: a.conversation?.id ?? null });
    if (removed > 0) logger.info({ removed }, 'MfaBot removed from a team: its digest subscriptions stopped');
  };

  /** Bookkeeping never fails a turn: a storage problem is logged and the turn goes on. */
  const bestEffort = (what: string, work: (context: TurnContext) => Promise<void>) => async (context: TurnContext): Promise<void> => {
    try {
      await work(context);
    } catch (err) {
      logger.warn({ err: errorSummary(err) }, what);
    }
  };

  return {
    tenantFor,
    remember: bestEffort('could not keep a conversation reference', async (context) => {
      const a = context.activity;
      // Installs and uninstalls are onInstall's and onUninstall's to decide.
      if (a.type !== 'message' && a.type !== 'invoke') return;
      if (isPersonal(context) && a.serviceUrl && a.conversation?.id) await keep(context, 'message');
    }),
    onInstall: bestEffort('could not record an installation', onInstall),
    onUninstall: bestEffort('could not record an uninstallation', onUninstall),
    rememberTeamsId: bestEffort('could not remember a Teams user id', async (context) => {
      const { aadObjectId, id } = context.activity.from ?? {};
      if (aadObjectId && id) await deps.teamsIds.remember(aadObjectId, id);
    }),
  };
}
