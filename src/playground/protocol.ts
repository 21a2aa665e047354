/**
 * What the playground's server and its page exchange: the conversations it keeps as the Bot
 * Connector, the events it pushes over Server-Sent Events, the simulated tenant as the side panel
 * shows it, and the page's settings. Shared by `server.ts` and `web/`, so it imports nothing.
 */

/** The id of a user's 1:1 chat with the bot: stable, as in Teams, so the bot and the page agree on it. */
export function personalConversationId(userId: string): string {
  return `a:playground-1on1-${userId.toLowerCase()}`;
}

/** A card or any JSON the bot sent; the page hands it to the Adaptive Cards renderer as is. */
export type CardJson = Record<string, unknown>;

/** Someone in a conversation: the bot or a user of the simulated tenant. */
export interface Author {
  /** Bot Framework id: `28:…` for the bot, `29:…` for a user. */
  id: string;
  name: string;
  /** Entra object id (users only). */
  aadObjectId?: string;
  role: 'bot' | 'user';
}

/** What one user sees in place of the shared card after they clicked it (Teams' "replace for interactor"). */
export interface PersonalView {
  /** The card the invoke answer carried; absent when the answer was a message or an error. */
  card?: CardJson;
  /** A message answer (`application/vnd.microsoft.activity.message`), shown under the card. */
  note?: string;
  /** Shown under the card when the bot answered with an error or not at all. */
  error?: string;
  /** The shared revision this view belongs to: an update for everyone makes older views stale. */
  revision: number;
}

export interface ChatMessage {
  /** The activity id the bot knows it by (replyToId of invokes, id of updates). */
  id: string;
  conversationId: string;
  from: Author;
  /** ISO time it was posted. */
  timestamp: string;
  text?: string;
  /** Adaptive Card attachments, in order. */
  cards: CardJson[];
  /** Attachments of other content types, by content type (shown as a line, not rendered). */
  otherAttachments: string[];
  /** Bumped by every update (PUT) from the bot. */
  revision: number;
  replyToId?: string;
  /** Per user (Entra object id): what their last click on this message turned it into. */
  personal: Record<string, PersonalView>;
}

export interface Conversation {
  id: string;
  kind: 'channel' | 'personal';
  /** "Security" for the channel; the user's name for a 1:1 chat. */
  name: string;
  /** The user of a 1:1 chat (Entra object id). */
  userId?: string;
  /** True when the bot opened it (proactive `POST /v3/conversations`). */
  createdByBot?: boolean;
  messages: ChatMessage[];
}

/** Events on `GET /events` (the `event:` field), each with a JSON `data:` payload. */
export interface PlaygroundEvents {
  /** The first event on every connection: everything so far. */
  snapshot: { conversations: Conversation[] };
  /** A conversation appeared (the bot opened a 1:1 chat, or a user opened theirs). */
  conversation: { conversation: Conversation };
  /** A message was posted or changed (update from the bot, or a personal view after a click). */
  message: { message: ChatMessage };
  message_deleted: { conversationId: string; id: string };
  /** The bot is typing in a conversation. */
  typing: { conversationId: string };
  /** The simulated tenant changed through the playground (a user was "registered"). */
  tenant: Record<string, never>;
}

export type PlaygroundEventName = keyof PlaygroundEvents;

/** One user of the simulated tenant, as the "you are" picker and the side panel show them. */
export interface TenantUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  jobTitle: string | null;
  accountEnabled: boolean;
  /** Teams user id (MRI) the playground gives this user. */
  mri: string;
  isApprover: boolean;
  /** Holds a role in scope (README, "Who counts as an admin?"), actively or eligibly, directly or through a group. */
  isAdmin: boolean;
  /** Names of the roles in scope they hold. */
  roles: string[];
  /** From the registration report; null when it has no row for them. */
  mfaRegistered: boolean | null;
  /**
   * MfaBot is installed in their personal scope (the simulator's `userInstalledApps`): only then may
   * the bot address them by Entra object id when it opens a 1:1 chat (docs/graph-notes.md, "Teams: proactive 1:1 messages").
   */
  botInstalled: boolean;
}

/** An admin as the bot's own domain code counts them (README, "Who counts as an admin?"), guests and disabled accounts included. */
export interface TenantAdmin {
  id: string;
  displayName: string;
  userPrincipalName: string;
  /** Names of the roles in scope they hold. */
  roles: string[];
  mfaRegistered: boolean | null;
  isApprover: boolean;
  botInstalled: boolean;
  /** A guest (userType Guest) holding an admin role. */
  guest: boolean;
  /** False for a disabled account; null when unknown. */
  accountEnabled: boolean | null;
}

export interface TenantPolicy {
  id: string;
  displayName: string;
  state: string;
  createdDateTime: string | null;
  modifiedDateTime: string | null;
}

/** The side panel's view of the simulated tenant (`GET /api/tenant`). */
export interface TenantView {
  id: string;
  displayName: string;
  securityDefaultsEnabled: boolean | null;
  policies: TenantPolicy[];
  /** Enabled member users, approvers first, then admins, then everyone else, each by name. */
  users: TenantUser[];
  /** Every admin, as the status card counts them (buildStatusReport), approvers first, then by name. */
  admins: TenantAdmin[];
  /** The status card's totals for the same tenant. */
  totals: { admins: number; registered: number; unregistered: number; unknown: number };
}

/** The page's settings (`GET /api/config`). */
export interface PlaygroundConfig {
  tenantId: string;
  tenantName: string;
  /** The playground's Bot Connector base URL: the serviceUrl of every activity the page sends. */
  serviceUrl: string;
  bot: { id: string; name: string };
  channel: { conversationId: string; name: string; teamId: string; teamName: string };
}

/** What `POST /api/activities` answers: the bot's own HTTP answer to the activity. */
export interface RelayResult {
  status: number;
  body?: unknown;
  /**
   * The bot asked Teams to sign the clicker in and they have not yet let MfaBot act as them: the page
   * asks for their consent, then sends the click again with `consent: true`.
   */
  consent?: { text: string };
}
