/**
 * The Teams side of the concurrency check, in the parent process: a local Bot Connector (the
 * e2e tests' own) and 100 conversations that each send `status` at the same moment. Timed from the
 * first POST to the last status card arriving at the connector.
 */
import { performance } from 'node:perf_hooks';
import type { FakeConnector } from '../../test/support/connector';
import { mentionMessage, message, post } from '../../test/support/activities';
import { attachedCard, cardText } from '../../test/support/cards';
import { clearSimLog, countOf, simLog, type RequestCount } from './simLog';

export const CONCURRENT_CHATS = 100;

export interface BurstResult {
  messages: number;
  /** Replies carrying a status card (not an error card). */
  statusCards: number;
  /** First POST to last status card at the connector. */
  ms: number;
  /** What the simulator served meanwhile. */
  requests: RequestCount;
  maxCardBytes: number;
}

/**
 * Posts `status` from CONCURRENT_CHATS conversations at once (half channel @mentions, half 1:1
 * chats) and waits for every reply.
 */
export async function burst(botUrl: string, connector: FakeConnector, simUrl: string, tenantId: string): Promise<BurstResult> {
  await clearSimLog(simUrl);
  const opts = { serviceUrl: connector.url, tenantId };
  const activities = Array.from({ length: CONCURRENT_CHATS }, (_, i) => (i % 2 === 0
    ? mentionMessage('status', { ...opts, conversationId: `19:bench-channel-${i}@thread.tacv2` })
    : message('status', { ...opts, conversationId: `a:bench-personal-${i}` })));
  const started = performance.now();
  const replies = activities.map((a) => connector.waitFor((s) => s.conversationId === a.conversation.id && attachedCard(s.body) !== undefined, 60_000));
  const posts = await Promise.all(activities.map((a) => post(botUrl, a)));
  const cards = (await Promise.all(replies)).map((r) => attachedCard(r.body) as Record<string, unknown>);
  const ms = Math.round((performance.now() - started) * 10) / 10;
  const refused = posts.filter((p) => p.status >= 300);
  if (refused.length > 0) throw new Error(`the bot answered ${refused.length} messages with HTTP ${refused[0]?.status}`);
  return {
    messages: activities.length,
    statusCards: cards.filter((c) => /admins are registered for MFA/.test(cardText(c))).length,
    ms,
    requests: countOf(await simLog(simUrl)),
    maxCardBytes: Math.max(...cards.map((c) => Buffer.byteLength(JSON.stringify(c)))),
  };
}
