/** Bot Framework activities as Teams sends them, for end-to-end tests over HTTP. */
import { randomUUID } from 'node:crypto';

export const BOT_ID = '28:00000000-0000-0000-0000-00000000b0d1';

export interface ActivityOptions {
  serviceUrl: string;
  tenantId: string;
  conversationId?: string;
  conversationType?: 'channel' | 'groupChat' | 'personal';
  fromAadObjectId?: string;
  fromName?: string;
}

function base(opts: ActivityOptions) {
  const conversationId = opts.conversationId ?? `19:${randomUUID()}@thread.tacv2`;
  return {
    id: randomUUID(),
    channelId: 'msteams',
    serviceUrl: opts.serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: `29:${opts.fromAadObjectId ?? 'user'}`, name: opts.fromName ?? 'Test User', aadObjectId: opts.fromAadObjectId },
    recipient: { id: BOT_ID, name: 'MfaBot' },
    conversation: { id: conversationId, conversationType: opts.conversationType ?? 'channel', tenantId: opts.tenantId, isGroup: opts.conversationType !== 'personal' },
    channelData: { tenant: { id: opts.tenantId } },
  };
}

/** A channel message that @mentions the bot, as Teams sends it. */
export function mentionMessage(text: string, opts: ActivityOptions) {
  return {
    ...base(opts),
    type: 'message',
    text: `<at>MfaBot</at> ${text}`,
    textFormat: 'plain',
    entities: [{ type: 'mention', text: '<at>MfaBot</at>', mentioned: { id: BOT_ID, name: 'MfaBot' } }],
  };
}

export function message(text: string, opts: ActivityOptions) {
  return { ...base({ conversationType: 'personal', ...opts }), type: 'message', text };
}

/** The invoke Teams sends when someone clicks an Action.Execute button. */
export function cardAction(verb: string, data: Record<string, unknown>, opts: ActivityOptions & { replyToId?: string }) {
  return {
    ...base(opts),
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId: opts.replyToId ?? randomUUID(),
    value: { action: { type: 'Action.Execute', id: verb, verb, data }, trigger: 'manual' },
  };
}

export async function post(botUrl: string, activity: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${botUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(activity),
  });
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, body };
}
