/**
 * What the tests of MfaBot processes share: the demo tenant's people, the environment of a demo-mode
 * bot pointed at a simulator the test owns, and invokes as Teams sends them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AdaptiveCard } from '../../src/cards/types';
import { DEMO_APPROVER_IDS, DEMO_BREAK_GLASS_IDS, DEMO_EXCLUSION_GROUP_ID, DEMO_TEAMS_APP_EXTERNAL_ID, DEMO_TENANT_ID } from '../../src/sim/demo';
import type { FakeConnector, SentActivity } from '../support/connector';
import { attachedCard, cardText } from '../support/cards';
import { cardAction, post, type ActivityOptions } from '../support/activities';
import { validateCard } from '../cards/validate';

export const TENANT = DEMO_TENANT_ID;
/** Megan Bowen, an approver. */
export const MEGAN = DEMO_APPROVER_IDS[0] as string;
/** Johanna Lorenz: a direct admin, not registered for MFA, MfaBot not installed for her. */
export const JOHANNA = 'f54709bc-9198-4233-8388-967a8407a7f7';
export const POLICY_NAME = 'MfaBot - Require MFA for admin roles';
export const POLICIES_PATH = '/v1.0/identity/conditionalAccess/policies';

/**
 * A demo-mode bot (no MicrosoftAppId) on a free loopback port, using the simulator at `graphUrl`
 * instead of starting its own, with the demo tenant's approvers and break-glass accounts.
 */
export function demoBotEnv(graphUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    LOG_LEVEL: 'info',
    MFABOT_GRAPH_URL: graphUrl,
    MicrosoftAppTenantId: TENANT,
    MFABOT_APPROVERS: DEMO_APPROVER_IDS.join(','),
    MFABOT_BREAK_GLASS: DEMO_BREAK_GLASS_IDS.join(','),
    MFABOT_EXCLUSION_GROUP: DEMO_EXCLUSION_GROUP_ID,
    MFABOT_TEAMS_APP_ID: DEMO_TEAMS_APP_EXTERNAL_ID,
    MFABOT_WRITE_MODE: 'application',
    ...extra,
  };
}

export interface InvokeAnswer {
  status: number;
  text: string;
}

/** Clicks an Action.Execute button; the answer's card (checked against the Adaptive Card schema) as text. */
export async function click(botUrl: string, verb: string, data: Record<string, unknown>, as: ActivityOptions, replyToId: string = randomUUID()): Promise<InvokeAnswer> {
  const res = await post(botUrl, cardAction(verb, data, { ...as, replyToId }));
  const body = res.body as { type?: string; value?: unknown } | undefined;
  if (body?.type !== 'application/vnd.microsoft.card.adaptive') return { status: res.status, text: String(body?.value ?? JSON.stringify(res.body ?? '')) };
  const text = cardText(body.value);
  assert.deepEqual(validateCard(body.value as AdaptiveCard), [], `valid Adaptive Card 1.5: ${text.slice(0, 80)}`);
  return { status: res.status, text };
}

/** 1:1 conversations the bot created for `userId` through the connector. */
export function createdFor(connector: FakeConnector, userId: string): SentActivity[] {
  return connector.sent.filter((s) => s.method === 'POST' && s.path === '/v3/conversations'
    && ((s.body.members as { id: string }[] | undefined) ?? []).some((m) => m.id === userId));
}

/** Messages with a card (new ones and replies, not updates) posted in a conversation, whose text matches `pattern`. */
export function cardsPostedIn(connector: FakeConnector, conversationId: string, pattern: RegExp = /./): SentActivity[] {
  return connector.sent.filter((s) => {
    if (s.method !== 'POST' || s.path === '/v3/conversations' || s.conversationId !== conversationId) return false;
    const card = attachedCard(s.body);
    return card !== undefined && pattern.test(cardText(card));
  });
}

/** A digest hour twelve hours away, so no new daily slot begins while a test runs. */
export function quietDigestHour(): string {
  return String((new Date().getUTCHours() + 12) % 24);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
