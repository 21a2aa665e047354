/**
 * The Bot Connector (REST v3) the bot replies to in the playground, as Teams' connector answers it
 * (bot-framework-offline.md, "Connector paths the bot calls"): replies and new messages, updates and
 * deletes, proactive 1:1 conversations, and the member look-ups TeamsInfo makes. What the bot sends
 * lands in the transcript, and from there on the page.
 */
import type { Author, TenantUser } from './protocol';
import { aadFromMri } from './tenant';
import { isRecord, type Transcript } from './transcript';

/** An Entra object id, as Teams accepts it in `members[].id`. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ConnectorResponse {
  status: number;
  body?: unknown;
}

export interface ConnectorDeps {
  transcript: Transcript;
  /** The channel (every user is a member of it) and its team. */
  channel: { conversationId: string; name: string; teamId: string; teamName: string };
  tenantId: string;
  bot: { id: string; name: string };
  /** The tenant's users, as the picker knows them. */
  users(): Promise<TenantUser[]>;
  /**
   * Whether MfaBot is installed in the user's personal scope now (a fresh read of the tenant), once
   * Teams' install notifications for it have reached the bot.
   */
  botInstalledFor(userId: string): Promise<boolean>;
}

const error = (status: number, code: string, message: string): ConnectorResponse => ({ status, body: { error: { code, message } } });

/** A user by Bot Framework id (`29:…`), Entra object id or UPN. */
export function findUser(users: readonly TenantUser[], id: unknown): TenantUser | undefined {
  if (typeof id !== 'string' || id === '') return undefined;
  const key = (aadFromMri(id) ?? id).toLowerCase();
  return users.find((u) => u.id === key || u.mri === key || u.userPrincipalName.toLowerCase() === key);
}

/** The TeamsChannelAccount Teams answers for a member. */
function teamsAccount(user: TenantUser, tenantId: string): Record<string, unknown> {
  const [givenName, ...rest] = user.displayName.split(' ');
  return {
    id: user.mri,
    name: user.displayName,
    aadObjectId: user.id,
    userPrincipalName: user.userPrincipalName,
    email: user.userPrincipalName,
    givenName: givenName ?? user.displayName,
    surname: rest.join(' '),
    tenantId,
    userRole: 'user',
  };
}

/** Members of a conversation: everyone in the team and its channel, the user and nobody else in a 1:1 chat. */
async function members(deps: ConnectorDeps, conversationId: string): Promise<TenantUser[] | undefined> {
  if (conversationId === deps.channel.teamId) return deps.users();
  const conversation = deps.transcript.get(conversationId);
  if (!conversation) return undefined;
  const users = await deps.users();
  if (conversation.kind === 'channel') return users;
  return users.filter((u) => u.id === conversation.userId);
}

/**
 * Serves one connector request. `path` starts at `/v3/`; `body` is the parsed JSON (undefined if none).
 */
export async function handleConnector(method: string, path: string, body: unknown, deps: ConnectorDeps): Promise<ConnectorResponse> {
  const parts = path.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
  const m = method.toUpperCase();
  if (parts[0] === 'v3' && parts[1] === 'teams' && m === 'GET') return teams(parts.slice(2), deps);
  if (parts[0] !== 'v3' || parts[1] !== 'conversations') return error(404, 'NotFound', `Unknown connector path ${path}`);
  const [, , rawConversationId, collection, itemId, extra] = parts;
  // A reply thread in a channel is "<channel id>;messageid=<root>": the same conversation here.
  const conversationId = rawConversationId?.split(';')[0];

  if (conversationId === undefined) {
    if (m === 'POST') return createConversation(body, deps);
    return error(405, 'MethodNotAllowed', 'Listing conversations is not supported by the playground.');
  }
  const conversation = deps.transcript.get(conversationId);
  if (!conversation && conversationId !== deps.channel.teamId) return error(404, 'ConversationNotFound', `Conversation ${conversationId} not found.`);

  if (conversation && collection === 'activities' && extra === undefined) {
    const activity = isRecord(body) ? body : {};
    if (m === 'POST') return postActivity(conversationId, itemId, activity, deps);
    if (m === 'PUT' && itemId) {
      const updated = deps.transcript.update(conversationId, itemId, activity);
      return updated ? { status: 200, body: { id: updated.id } } : error(404, 'ActivityNotFound', `Activity ${itemId} not found.`);
    }
    if (m === 'DELETE' && itemId) {
      return deps.transcript.remove(conversationId, itemId) ? { status: 200, body: {} } : error(404, 'ActivityNotFound', `Activity ${itemId} not found.`);
    }
  }
  if ((collection === 'members' || collection === 'pagedmembers') && m === 'GET' && extra === undefined) {
    const list = (await members(deps, conversationId)) ?? [];
    if (collection === 'pagedmembers') return { status: 200, body: { members: list.map((u) => teamsAccount(u, deps.tenantId)) } };
    if (itemId === undefined) return { status: 200, body: list.map((u) => teamsAccount(u, deps.tenantId)) };
    const member = findUser(list, itemId);
    return member ? { status: 200, body: teamsAccount(member, deps.tenantId) } : error(404, 'MemberNotFoundInConversation', 'The member is not in this conversation.');
  }
  return error(404, 'NotFound', `The playground's connector does not serve ${m} ${path}`);
}

function postActivity(conversationId: string, replyToId: string | undefined, activity: Record<string, unknown>, deps: ConnectorDeps): ConnectorResponse {
  const id = deps.transcript.nextId();
  if (activity.type === 'typing') {
    deps.transcript.typing(conversationId);
    return { status: 200, body: { id } };
  }
  if (activity.type !== undefined && activity.type !== 'message') {
    // Teams accepts other activity types (e.g. endOfConversation) without showing them.
    return { status: 200, body: { id } };
  }
  const from: Author = {
    id: isRecord(activity.from) && typeof activity.from.id === 'string' && activity.from.id !== '' ? activity.from.id : deps.bot.id,
    name: deps.bot.name,
    role: 'bot',
  };
  deps.transcript.post(conversationId, from, {
    id,
    text: activity.text,
    attachments: activity.attachments,
    ...(replyToId ? { replyToId } : {}),
  });
  return { status: 201, body: { id } };
}

/** `GET /v3/teams/{id}` and `GET /v3/teams/{id}/conversations` (TeamsInfo.getTeamDetails, getTeamChannels). */
function teams(parts: string[], deps: ConnectorDeps): ConnectorResponse {
  const [teamId, collection] = parts;
  if (teamId !== deps.channel.teamId) return error(404, 'NotFound', `Team ${teamId ?? ''} not found.`);
  if (collection === undefined) return { status: 200, body: { id: teamId, name: deps.channel.teamName, aadGroupId: null } };
  if (collection === 'conversations') return { status: 200, body: { conversations: [{ id: deps.channel.conversationId, name: deps.channel.name }] } };
  return error(404, 'NotFound', `The playground's connector does not serve teams/${collection}`);
}

/**
 * `POST /v3/conversations`: the bot opens (or finds) the 1:1 chat with `members[0]`, or starts a new
 * thread in the channel (`isGroup` with channelData.channel, as TeamsInfo.sendMessageToTeamsChannel does).
 *
 * As Teams (docs/graph-notes.md, "Teams: proactive 1:1 messages"), `members[0].id` is the user's Teams id (every user shares the channel's team
 * with the bot) or their Entra object id, which works only once MfaBot is installed in their personal
 * scope; an Entra object id in `aadObjectId` alone, a UPN or an email is refused with 400. Teams'
 * exact answer for an Entra object id without the installation is not documented: the playground
 * refuses it with 403, so a bot that forgets to install itself fails here, not first in a real tenant.
 */
async function createConversation(body: unknown, deps: ConnectorDeps): Promise<ConnectorResponse> {
  if (!isRecord(body)) return error(400, 'BadArgument', 'Conversation parameters are required.');
  const channelId = isRecord(body.channelData) && isRecord(body.channelData.channel) ? body.channelData.channel.id : undefined;
  if (body.isGroup === true || channelId !== undefined) {
    if (channelId !== deps.channel.conversationId || !isRecord(body.activity)) {
      return error(400, 'BadArgument', 'A bot can start a thread in the playground\'s channel only, with an activity.');
    }
    const posted = postActivity(deps.channel.conversationId, undefined, body.activity, deps);
    const activityId = (posted.body as { id: string }).id;
    return { status: 201, body: { id: `${deps.channel.conversationId};messageid=${activityId}`, activityId } };
  }
  if (!Array.isArray(body.members) || body.members.length !== 1 || !isRecord(body.members[0])) {
    return error(400, 'BadArgument', 'A 1:1 conversation needs exactly one member.');
  }
  const tenant = isRecord(body.channelData) && isRecord(body.channelData.tenant) ? body.channelData.tenant.id : body.tenantId;
  if (typeof tenant === 'string' && tenant.toLowerCase() !== deps.tenantId.toLowerCase()) {
    return error(403, 'Forbidden', 'The user is in another tenant.');
  }
  const memberId = typeof body.members[0].id === 'string' ? body.members[0].id : '';
  const byTeamsId = aadFromMri(memberId) !== undefined;
  if (!byTeamsId && !GUID.test(memberId)) {
    return error(400, 'BadArgument', 'members[0].id must be the user\'s Teams id (29:…) or their Entra object id; Teams addresses nobody by aadObjectId alone, UPN or email.');
  }
  const user = (await deps.users()).find((u) => (byTeamsId ? u.mri === memberId.toLowerCase() : u.id === memberId.toLowerCase()));
  if (!user) return error(404, 'NotFound', 'No such user in the tenant.');
  if (!byTeamsId && !(await deps.botInstalledFor(user.id))) {
    return error(403, 'BotNotInConversationRoster', 'MfaBot is not installed for this user, so their Entra object id cannot address them: install it (Graph POST /users/{id}/teamwork/installedApps) or use their Teams id.');
  }
  const conversation = deps.transcript.personal({ id: user.id, name: user.displayName }, true);
  let activityId: string | undefined;
  if (isRecord(body.activity)) {
    const posted = postActivity(conversation.id, undefined, body.activity, deps);
    activityId = (posted.body as { id: string }).id;
  }
  return { status: 201, body: { id: conversation.id, ...(activityId ? { activityId } : {}) } };
}
