/**
 * The conversations the playground holds, as Teams would: the "Security" channel and one 1:1 chat
 * per user, each with its messages. Every change is told to the listeners (the SSE streams).
 * In memory only: the playground is a demo, and a restart starts a fresh story.
 */
import {
  personalConversationId,
  type Author, type CardJson, type ChatMessage, type Conversation, type PersonalView, type PlaygroundEventName, type PlaygroundEvents,
} from './protocol';

export type Listener = <E extends PlaygroundEventName>(event: E, data: PlaygroundEvents[E]) => void;

/** Most messages kept per conversation; older ones are dropped (a long demo must not grow without end). */
const MAX_MESSAGES = 500;

const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** Cards and other attachments of an activity, as the bot sent them. */
export function splitAttachments(attachments: unknown): { cards: CardJson[]; other: string[] } {
  const cards: CardJson[] = [];
  const other: string[] = [];
  if (!Array.isArray(attachments)) return { cards, other };
  for (const a of attachments) {
    if (!isRecord(a)) continue;
    if (a.contentType === ADAPTIVE_CARD && isRecord(a.content)) cards.push(a.content);
    else if (typeof a.content === 'string' && a.contentType === ADAPTIVE_CARD) {
      try {
        const parsed: unknown = JSON.parse(a.content);
        if (isRecord(parsed)) cards.push(parsed);
      } catch {
        other.push('invalid adaptive card JSON');
      }
    } else other.push(typeof a.contentType === 'string' ? a.contentType : 'unknown');
  }
  return { cards, other };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The playground's conversations and their messages; listeners hear every change. */
export class Transcript {
  private readonly conversations = new Map<string, Conversation>();
  private readonly listeners = new Set<Listener>();
  private sequence = 0;

  constructor(channel: { conversationId: string; name: string }) {
    this.conversations.set(channel.conversationId, { id: channel.conversationId, kind: 'channel', name: channel.name, messages: [] });
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit<E extends PlaygroundEventName>(event: E, data: PlaygroundEvents[E]): void {
    for (const l of this.listeners) l(event, data);
  }

  all(): Conversation[] {
    return [...this.conversations.values()];
  }

  get(conversationId: string): Conversation | undefined {
    return this.conversations.get(conversationId);
  }

  /** The user's 1:1 chat with the bot, opened if it does not exist yet. */
  personal(user: { id: string; name: string }, byBot = false): Conversation {
    const id = personalConversationId(user.id);
    const existing = this.conversations.get(id);
    if (existing) return existing;
    const conversation: Conversation = { id, kind: 'personal', name: user.name, userId: user.id.toLowerCase(), createdByBot: byBot, messages: [] };
    this.conversations.set(id, conversation);
    this.emit('conversation', { conversation });
    return conversation;
  }

  /** Teams-like message ids: increasing numbers, unique within the playground. */
  nextId(): string {
    this.sequence += 1;
    return `${Date.now()}${String(this.sequence).padStart(4, '0')}`;
  }

  /** Adds a message (from the bot through the connector, or from a user through the page). */
  post(conversationId: string, from: Author, activity: { id?: string; text?: unknown; attachments?: unknown; replyToId?: string }): ChatMessage | undefined {
    const conversation = this.conversations.get(conversationId);
    if (!conversation) return undefined;
    const { cards, other } = splitAttachments(activity.attachments);
    const message: ChatMessage = {
      id: activity.id ?? this.nextId(),
      conversationId,
      from,
      timestamp: new Date().toISOString(),
      ...(typeof activity.text === 'string' && activity.text !== '' ? { text: activity.text } : {}),
      cards,
      otherAttachments: other,
      revision: 0,
      ...(activity.replyToId ? { replyToId: activity.replyToId } : {}),
      personal: {},
    };
    conversation.messages.push(message);
    if (conversation.messages.length > MAX_MESSAGES) conversation.messages.splice(0, conversation.messages.length - MAX_MESSAGES);
    this.emit('message', { message });
    return message;
  }

  /** An update from the bot: the message changes for everyone, and earlier personal views are dropped. */
  update(conversationId: string, messageId: string, activity: { text?: unknown; attachments?: unknown }): ChatMessage | undefined {
    const message = this.find(conversationId, messageId);
    if (!message) return undefined;
    const { cards, other } = splitAttachments(activity.attachments);
    if (typeof activity.text === 'string' && activity.text !== '') message.text = activity.text;
    else delete message.text;
    message.cards = cards;
    message.otherAttachments = other;
    message.revision += 1;
    message.personal = {};
    this.emit('message', { message });
    return message;
  }

  remove(conversationId: string, messageId: string): boolean {
    const conversation = this.conversations.get(conversationId);
    const index = conversation?.messages.findIndex((m) => m.id === messageId) ?? -1;
    if (!conversation || index < 0) return false;
    conversation.messages.splice(index, 1);
    this.emit('message_deleted', { conversationId, id: messageId });
    return true;
  }

  /** What one user's click turned the message into, for them alone. */
  setPersonal(conversationId: string, messageId: string, userId: string, view: Omit<PersonalView, 'revision'>): ChatMessage | undefined {
    const message = this.find(conversationId, messageId);
    if (!message) return undefined;
    const previous = message.personal[userId.toLowerCase()];
    // A message answer leaves the card the user saw in place.
    const card = view.card ?? (previous?.revision === message.revision ? previous.card : undefined);
    message.personal[userId.toLowerCase()] = { ...view, ...(card ? { card } : {}), revision: message.revision };
    this.emit('message', { message });
    return message;
  }

  typing(conversationId: string): void {
    if (this.conversations.has(conversationId)) this.emit('typing', { conversationId });
  }

  tenantChanged(): void {
    this.emit('tenant', {});
  }

  find(conversationId: string, messageId: string): ChatMessage | undefined {
    return this.conversations.get(conversationId)?.messages.find((m) => m.id === messageId);
  }
}
