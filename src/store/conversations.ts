/**
 * Conversation references for proactive 1:1 messages, by tenant + Entra object id: kept when MfaBot
 * is installed for a user, when it creates the 1:1 chat itself, and from any personal message;
 * removed when the user uninstalls it. Persisted, so a restart loses nobody (style.md habit 5).
 */
import { readOne, type KeyValueStore, type StoreItem } from './kv';

/**
 * The parts of a Bot Framework conversation reference MfaBot needs to continue a conversation
 * (structurally botbuilder's `Partial<ConversationReference>`, without importing botbuilder here).
 */
export interface ConversationRef {
  channelId: string;
  serviceUrl: string;
  conversation: { id: string; tenantId?: string; conversationType?: string; isGroup?: boolean; name?: string };
  bot: { id: string; name?: string };
  user?: { id: string; name?: string; aadObjectId?: string };
}

export type ReferenceSource = 'install' | 'message' | 'created';

export interface StoredConversation {
  tenantId: string;
  aadObjectId: string;
  reference: ConversationRef;
  /** ISO time it was stored. */
  savedAt: string;
  source: ReferenceSource;
}

type Item = StoredConversation & StoreItem;

const keyOf = (tenantId: string, aadObjectId: string): string =>
  `conversations/${tenantId.toLowerCase()}/${aadObjectId.toLowerCase()}`;

function sameReference(a: ConversationRef, b: ConversationRef): boolean {
  return a.conversation.id === b.conversation.id && a.serviceUrl === b.serviceUrl && a.bot.id === b.bot.id && a.user?.id === b.user?.id;
}

export class ConversationStore {
  constructor(private readonly store: KeyValueStore) {}

  async get(tenantId: string, aadObjectId: string): Promise<StoredConversation | undefined> {
    if (!tenantId || !aadObjectId) return undefined;
    const item = await readOne<Item>(this.store, keyOf(tenantId, aadObjectId));
    if (!item) return undefined;
    const { eTag: _eTag, ...rest } = item;
    return rest;
  }

  /** Stores (or replaces) the user's reference; an identical one is not written again. */
  async save(entry: StoredConversation): Promise<void> {
    if (!entry.tenantId || !entry.aadObjectId) return;
    const current = await this.get(entry.tenantId, entry.aadObjectId);
    if (current && sameReference(current.reference, entry.reference)) return;
    const item: StoredConversation = {
      ...entry,
      tenantId: entry.tenantId.toLowerCase(),
      aadObjectId: entry.aadObjectId.toLowerCase(),
    };
    await this.store.write({ [keyOf(entry.tenantId, entry.aadObjectId)]: { ...item } });
  }

  /** Forgets the user's reference (uninstall, or Teams says the conversation is gone). */
  async remove(tenantId: string, aadObjectId: string): Promise<void> {
    if (!tenantId || !aadObjectId) return;
    await this.store.delete([keyOf(tenantId, aadObjectId)]);
  }
}
