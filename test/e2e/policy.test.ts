import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import sinon from 'sinon';
import { FileStore } from '../../src/store/fileStore';
import { evaluatePolicies } from '../../src/domain/coverage';
import { parseRoleScope } from '../../src/domain/roles';
import { POLICY_DISPLAY_NAME } from '../../src/domain/policyDraft';
import type { ConditionalAccessPolicy } from '../../src/domain/types';
import type { TenantFixture } from '../../src/sim/fixture';
import type { Simulator } from '../../src/sim/server';
import { DEMO_APPROVER_IDS, DEMO_BREAK_GLASS_IDS, DEMO_EXCLUSION_GROUP_ID, DEMO_TENANT_ID, demoTenant } from '../../src/sim/demo';
import { startFakeConnector, type FakeConnector, type SentActivity } from '../support/connector';
import { cardAction, message, post, type ActivityOptions } from '../support/activities';
import { attachedCard, cardActions, cardText } from '../support/cards';
import {
  ALICE, BOB, BREAK_GLASS, CAROL, ERIN, ON_CALL_GROUP, TENANT, fabrikam, policyWrites, startPolicyBot, startSim, tempDataDir,
  type PolicyBot, type PolicyBotOptions,
} from './policyHarness';

const TEMPLATE_ROLES = parseRoleScope('template');
const GINA = 'a1000000-0000-4000-8000-000000000007';
const TIER0_GROUP = 'c0000000-0000-4000-8000-0000000000c1';

interface InvokeAnswer {
  status: number;
  type: string;
  card: Record<string, unknown> | undefined;
  text: string;
}

type Card = Record<string, unknown> & { refresh?: { action: { verb: string; data: Record<string, unknown> }; userIds?: string[] }; msteams?: { entities?: { mentioned: { id: string; name: string }; text: string }[] } };

describe('policy create/approve/enforce end to end (bot over HTTP, simulator, fake Bot Connector)', function () {
  this.timeout(30_000);
  let connector: FakeConnector;
  let sim: Simulator;
  let bot: PolicyBot;
  let conversationId: string;

  before(async () => {
    connector = await startFakeConnector();
  });
  after(async () => {
    await connector?.close();
  });

  async function start(tenant: TenantFixture = fabrikam(), botOpts: Partial<PolicyBotOptions> = {}, grantedPermissions?: readonly string[]): Promise<void> {
    sim = await startSim(tenant, grantedPermissions);
    bot = await startPolicyBot({ sim, dataDir: tempDataDir(), ...botOpts });
    conversationId = `19:${randomUUID()}@thread.tacv2`;
  }
  afterEach(async () => {
    await bot?.close();
    await sim?.close();
  });

  const who = (id: string, name: string): ActivityOptions => ({
    serviceUrl: connector.url, tenantId: TENANT, conversationId, fromAadObjectId: id, fromName: name,
  });
  const alice = () => who(ALICE, 'Alice Ahmed');
  const bobUser = () => who(BOB, 'Bob Brown');
  const carol = () => who(CAROL, 'Carol Chen');

  async function click(verb: string, data: Record<string, unknown>, as: ActivityOptions, extra: { replyToId?: string; trigger?: string } = {}): Promise<InvokeAnswer> {
    const activity = cardAction(verb, data, { ...as, replyToId: extra.replyToId ?? randomUUID() });
    if (extra.trigger) (activity.value as { trigger: string }).trigger = extra.trigger;
    const res = await post(bot.url, activity);
    const body = res.body as { type?: string; value?: unknown } | undefined;
    const card = body?.type === 'application/vnd.microsoft.card.adaptive' ? body.value as Record<string, unknown> : undefined;
    return { status: res.status, type: body?.type ?? '', card, text: card ? cardText(card) : String(body?.value ?? '') };
  }

  /** Cards the bot posted as new messages in this conversation. */
  const postedCards = (): Card[] => connector.sent
    .filter((s) => s.method === 'POST' && s.conversationId === conversationId)
    .map((s) => attachedCard(s.body) as Card | undefined)
    .filter((c): c is Card => c !== undefined);
  /** Card updates (for everyone) of one message. */
  const updatesOf = (activityId: string): SentActivity[] => connector.sent.filter((s) => s.method === 'PUT' && s.activityId === activityId);

  async function requestApproval(as: ActivityOptions = bobUser()): Promise<{ proposalId: string; card: Card; answer: InvokeAnswer }> {
    const before = postedCards().length;
    const answer = await click('policy.create', {}, as);
    const cards = postedCards();
    assert.equal(cards.length, before + 1, 'an approval card was posted in the conversation');
    const card = cards[cards.length - 1] as Card;
    const proposalId = card.refresh?.action.data.proposalId;
    assert.equal(typeof proposalId, 'string');
    return { proposalId: proposalId as string, card, answer };
  }

  const mfabotPolicies = (): ConditionalAccessPolicy[] =>
    (sim.state.conditionalAccessPolicies as ConditionalAccessPolicy[]).filter((p) => p.displayName === POLICY_DISPLAY_NAME);

  const auditText = async (): Promise<string> => {
    const res = await post(bot.url, message('audit', alice()));
    assert.ok(res.status < 300);
    const reply = await connector.waitFor((a) => a.conversationId === conversationId && a.replyToId !== undefined && (attachedCard(a.body) !== undefined && cardText(attachedCard(a.body)).startsWith('Audit log')) && !seenAudit.has(a));
    seenAudit.add(reply);
    return cardText(attachedCard(reply.body));
  };
  const seenAudit = new Set<SentActivity>();

  it('creates the report-only policy when an approver clicks: exactly one POST, every field from configuration', async () => {
    await start();
    const cardId = randomUUID();
    const answer = await click('policy.create', {}, alice(), { replyToId: cardId });

    assert.equal(answer.status, 200);
    assert.match(answer.text, /Created: Conditional Access policy requiring MFA for admin roles \(report-only\)/);
    assert.match(answer.text, /Requested by:\s*\nAlice Ahmed/);
    assert.match(answer.text, /Approved by:\s*\nAlice Ahmed/);
    assert.deepEqual(policyWrites(sim).map((r) => [r.method, r.status]), [['POST', 201]], 'one POST, nothing else written');

    const [policy] = mfabotPolicies();
    assert.ok(policy, 'the simulator holds the new policy');
    assert.match(answer.text, new RegExp(policy.id ?? 'missing'), 'the card names the policy id');
    const link = cardActions(answer.card).find((a) => a.type === 'Action.OpenUrl');
    assert.ok(link, 'links to the Entra admin center');
    assert.equal(policy.displayName, 'MfaBot - Require MFA for admin roles');
    assert.equal(policy.state, 'enabledForReportingButNotEnforced');
    assert.deepEqual([...(policy.conditions?.users?.includeRoles ?? [])].sort(), [...TEMPLATE_ROLES].sort());
    assert.deepEqual(policy.conditions?.users?.excludeUsers, [BREAK_GLASS], 'break-glass excluded');
    assert.deepEqual(policy.conditions?.users?.excludeGroups, [ON_CALL_GROUP]);
    assert.deepEqual(policy.conditions?.users?.includeUsers ?? [], []);
    assert.deepEqual(policy.conditions?.users?.excludeRoles ?? [], []);
    assert.deepEqual(policy.conditions?.applications?.includeApplications, ['All']);
    assert.deepEqual(policy.conditions?.applications?.excludeApplications ?? [], []);
    assert.deepEqual(policy.conditions?.clientAppTypes, ['all']);
    assert.equal(policy.grantControls?.operator, 'OR');
    assert.deepEqual(policy.grantControls?.builtInControls, ['mfa']);
    assert.equal(updatesOf(cardId).length, 1, 'the clicked card was updated for everyone');
    assert.match(cardText(attachedCard(updatesOf(cardId)[0]?.body ?? {})), /Created/);
  });

  it('posts an approval card and writes nothing when a non-approver clicks; an approver then approves: one policy', async () => {
    await start();
    const { proposalId, card, answer } = await requestApproval();

    assert.equal(answer.type, 'application/vnd.microsoft.activity.message');
    assert.match(answer.text, /asked the approvers/);
    assert.deepEqual(policyWrites(sim), [], 'zero writes after a non-approver clicked');
    const text = cardText(card);
    assert.match(text, /Approval needed: create/);
    assert.match(text, /Requested by\s*\nBob Brown/);
    assert.match(text, /<at>Alice Ahmed<\/at>/, '@mentions the approver');
    assert.deepEqual(card.msteams?.entities?.map((e) => [e.mentioned.id, e.text]), [[ALICE, '<at>Alice Ahmed</at>']]);
    for (const shown of ['Global Administrator', 'Billing Administrator', 'All cloud apps', 'Require multifactor authentication', 'Break Glass 1', 'Messaging On-call', 'Report-only']) {
      assert.ok(text.includes(shown), `shows ${shown}`);
    }
    assert.ok(!cardActions(card).some((a) => a.verb === 'policy.reject'), 'the posted card is read-only');
    assert.equal(card.refresh?.action.verb, 'policy.approve');
    assert.deepEqual(card.refresh?.action.data, { proposalId, refresh: true }, 'the card carries only the proposal id');
    assert.ok(Array.isArray(card.refresh?.userIds));

    const cardId = randomUUID();
    const approved = await click('policy.approve', { proposalId }, alice(), { replyToId: cardId });
    assert.match(approved.text, /Created/);
    assert.match(approved.text, /Requested by:\s*\nBob Brown/);
    assert.match(approved.text, /Approved by:\s*\nAlice Ahmed/);
    assert.equal(policyWrites(sim).filter((r) => r.method === 'POST').length, 1);
    assert.equal(mfabotPolicies().length, 1);
    assert.equal(updatesOf(cardId).length, 1, 'the approval card is updated for everyone');

    const again = await click('policy.approve', { proposalId }, alice());
    assert.doesNotMatch(again.text, /^Created:/);
    assert.equal(policyWrites(sim).length, 1, 'approving again writes nothing');
  });

  it('shows approvers Approve/Reject on refresh and everyone else the read-only card, without updating it for all', async () => {
    await start();
    const { proposalId } = await requestApproval();
    const cardId = randomUUID();

    const forAlice = await click('policy.approve', { proposalId, refresh: true }, alice(), { replyToId: cardId, trigger: 'automatic' });
    assert.deepEqual(cardActions(forAlice.card).map((a) => a.verb).filter(Boolean), ['policy.approve', 'policy.reject']);
    const forCarol = await click('policy.approve', { proposalId, refresh: true }, carol(), { replyToId: cardId, trigger: 'automatic' });
    assert.ok(!cardActions(forCarol.card).some((a) => a.verb === 'policy.reject'));
    assert.match(forCarol.text, /Only approvers can approve or reject/);
    // An automatic refresh never decides, even without the flag.
    await click('policy.approve', { proposalId }, alice(), { replyToId: cardId, trigger: 'automatic' });
    assert.deepEqual(policyWrites(sim), []);
    assert.equal(updatesOf(cardId).length, 0, 'refreshes are per viewer');
  });

  it('rejects with a reason: the card says who and why, nothing is written, and it cannot be approved afterwards', async () => {
    await start();
    const { proposalId } = await requestApproval();
    const cardId = randomUUID();
    const rejected = await click('policy.reject', { proposalId, reason: '  Not during the\nmerger freeze ' }, alice(), { replyToId: cardId });
    assert.match(rejected.text, /Rejected/);
    assert.match(rejected.text, /Alice Ahmed/);
    assert.match(rejected.text, /Not during the merger freeze/);
    assert.equal(updatesOf(cardId).length, 1, 'everyone sees the rejection');

    const late = await click('policy.approve', { proposalId }, alice());
    assert.match(late.text, /Rejected/);
    assert.deepEqual(policyWrites(sim), []);
    assert.match(await auditText(), /policy\.reject[\s\S]*rejected/);
  });

  it('refuses an expired proposal: nothing is created', async () => {
    let offsetMs = 0;
    await start(fabrikam(), { now: () => new Date(Date.now() + offsetMs) });
    const { proposalId } = await requestApproval();
    offsetMs = 25 * 60 * 60 * 1000;
    const answer = await click('policy.approve', { proposalId }, alice());
    assert.match(answer.text, /Expired/);
    assert.deepEqual(policyWrites(sim), []);
    const refreshed = await click('policy.approve', { proposalId, refresh: true }, alice());
    assert.match(refreshed.text, /Expired/, 'the card stays expired');
  });

  it('gives a non-approver who clicks Approve or Reject a personal refusal, writes nothing and audits it', async () => {
    await start();
    const { proposalId } = await requestApproval();
    const cardId = randomUUID();
    const answer = await click('policy.approve', { proposalId }, carol(), { replyToId: cardId });
    assert.match(answer.text, /Only approvers can approve/);
    assert.match(answer.text, /Nothing was changed/);
    const reject = await click('policy.reject', { proposalId, reason: 'no' }, bobUser(), { replyToId: cardId });
    assert.match(reject.text, /Only approvers can reject/);
    assert.deepEqual(policyWrites(sim), []);
    assert.equal(updatesOf(cardId).length, 0, 'the refusal is personal: the card is not changed for anyone else');
    const audit = await auditText();
    assert.match(audit, /Carol Chen[\s\S]*policy\.approve[\s\S]*refused/);
    assert.match(audit, /Bob Brown[\s\S]*policy\.reject[\s\S]*refused/);
  });

  it('creates exactly one policy when 20 clicks (with retried invokes) arrive at once', async () => {
    await start();
    const activities = Array.from({ length: 15 }, () => cardAction('policy.create', {}, alice()));
    // Teams retries an invoke it got no answer for with the same activity.
    const retried = activities.slice(0, 5);
    const answers = await Promise.all([...activities, ...retried].map((a) => post(bot.url, a)));
    assert.ok(answers.every((a) => a.status === 200));
    assert.equal(policyWrites(sim).filter((r) => r.method === 'POST').length, 1, 'one POST');
    assert.equal(mfabotPolicies().length, 1);
    const later = await click('policy.create', {}, alice());
    assert.match(later.text, /already exists/);
    assert.equal(policyWrites(sim).length, 1, 'a stale card clicked later writes nothing');
  });

  it('ignores tampered card data: other roles, states, a policy JSON or someone else\'s id change nothing', async () => {
    await start();
    const tampered = {
      includeRoles: ['62e90394-69f5-4237-9190-012177145e10'], state: 'enabled', aadObjectId: ALICE, requestedBy: { id: ALICE, name: 'Alice' },
      policy: { displayName: 'Evil', state: 'enabled', conditions: { users: { includeUsers: ['All'] } }, grantControls: { builtInControls: ['block'] } },
    };
    const asBob = await click('policy.create', tampered, bobUser());
    assert.equal(asBob.type, 'application/vnd.microsoft.activity.message', 'Bob still only asks');
    assert.deepEqual(policyWrites(sim), []);
    const proposalId = postedCards().at(-1)?.refresh?.action.data.proposalId as string;

    const unknown = await click('policy.approve', { proposalId: '../../etc/passwd' }, alice());
    assert.match(unknown.text, /not known/);
    const approved = await click('policy.approve', { ...tampered, proposalId, draft: tampered.policy }, alice());
    assert.match(approved.text, /Created/);
    const [policy] = mfabotPolicies();
    assert.equal(policy?.state, 'enabledForReportingButNotEnforced');
    assert.equal(policy?.conditions?.users?.includeRoles?.length, TEMPLATE_ROLES.length);
    assert.deepEqual(policy?.grantControls?.builtInControls, ['mfa']);
    assert.ok(!sim.state.conditionalAccessPolicies.some((p) => p.displayName === 'Evil'));
    assert.equal(policyWrites(sim).length, 1);
  });

  it('refuses to create without a break-glass account, and says exactly what to fix', async () => {
    await start(fabrikam(), { settings: { breakGlassUserIds: [] } });
    const answer = await click('policy.create', {}, alice());
    assert.match(answer.text, /did not create the policy/);
    assert.match(answer.text, /No break-glass/);
    assert.match(answer.text, /MFABOT_BREAK_GLASS/);
    assert.deepEqual(policyWrites(sim), []);
  });

  it('refuses a break-glass id that is a group or a disabled user', async () => {
    const tenant = fabrikam();
    const breakGlass = tenant.users.find((u) => u.id === BREAK_GLASS);
    assert.ok(breakGlass);
    breakGlass.accountEnabled = false;
    await start(tenant, { settings: { breakGlassUserIds: [BREAK_GLASS, ON_CALL_GROUP] } });
    const answer = await click('policy.create', {}, alice());
    assert.match(answer.text, /Break Glass 1 is disabled/);
    assert.match(answer.text, /is a group, not a user/);
    assert.deepEqual(policyWrites(sim), []);
  });

  it('refuses on a tenant without Entra ID P1: security defaults are the option', async () => {
    const tenant = fabrikam();
    tenant.subscribedSkus = [];
    await start(tenant);
    const answer = await click('policy.create', {}, alice());
    assert.match(answer.text, /needs Microsoft Entra ID P1/);
    assert.match(answer.text, /security defaults/i);
    assert.deepEqual(policyWrites(sim), []);
  });

  it('refuses while security defaults are on and explains what turning them off means', async () => {
    const tenant = fabrikam();
    tenant.identitySecurityDefaultsEnforcementPolicy.isEnabled = true;
    await start(tenant);
    const answer = await click('policy.create', {}, alice());
    assert.match(answer.text, /Security defaults are on/);
    assert.match(answer.text, /turn security defaults off/);
    assert.deepEqual(policyWrites(sim), []);
  });

  it('turns a Graph 403 on create into the missing permission, and says nothing was changed', async () => {
    const readOnly = [
      'Policy.Read.All', 'Organization.Read.All', 'User.Read.All', 'Group.Read.All', 'GroupMember.Read.All', 'AuditLog.Read.All',
      'RoleManagement.Read.Directory',
    ];
    await start(fabrikam(), {}, readOnly);
    const answer = await click('policy.create', {}, alice());
    assert.match(answer.text, /Creating the policy failed/);
    assert.match(answer.text, /Policy\.ReadWrite\.ConditionalAccess/);
    assert.match(answer.text, /Nothing was changed/);
    assert.deepEqual(policyWrites(sim).map((r) => r.status), [403]);
    assert.equal(mfabotPolicies().length, 0);
  });

  it('shows Graph\'s own message for a 400, and never claims "nothing was changed" after a 5xx it cannot resolve', async () => {
    await start(fabrikam(), { settings: { roleIds: [...TEMPLATE_ROLES, '11111111-2222-4333-8444-555555555555'] } });
    const bad = await click('policy.create', {}, alice());
    assert.match(bad.text, /1103: 'users' condition contains non-built in role ids/);
    assert.match(bad.text, /Nothing was changed/);
    await bot.close();
    await sim.close();

    await start();
    sim.inject({ method: 'POST', pathPattern: '^/identity/conditionalAccess/policies$', status: 500, times: 1 });
    const unknown = await click('policy.create', {}, alice());
    assert.match(unknown.text, /could not confirm whether the change was made/);
    assert.doesNotMatch(unknown.text, /Nothing was changed/);
    assert.equal(mfabotPolicies().length, 0);
    const retry = await click('policy.create', {}, alice());
    assert.match(retry.text, /Created/, 'a retry is safe and creates it once');
    assert.equal(mfabotPolicies().length, 1);
  });

  it('enforces after report-only through the same approval path, and the roles are then covered', async () => {
    await start();
    await click('policy.create', {}, alice());
    const asked = await click('policy.enable', {}, bobUser());
    assert.equal(asked.type, 'application/vnd.microsoft.activity.message');
    assert.equal(policyWrites(sim).filter((r) => r.method === 'PATCH').length, 0, 'a non-approver only asks');
    const approval = postedCards().at(-1) as Card;
    assert.match(cardText(approval), /Approval needed: enforce/);
    assert.match(cardText(approval), /If enforced/, 'the enforce request shows the report-only impact');

    const enforced = await click('policy.approve', { proposalId: approval.refresh?.action.data.proposalId }, alice());
    assert.match(enforced.text, /Enforced: admins must now use MFA/);
    assert.deepEqual(policyWrites(sim).map((r) => r.method), ['POST', 'PATCH']);
    const [policy] = mfabotPolicies();
    assert.equal(policy?.state, 'enabled');
    const coverage = evaluatePolicies(sim.state.conditionalAccessPolicies as ConditionalAccessPolicy[], {
      roleIds: TEMPLATE_ROLES, breakGlassUserIds: [BREAK_GLASS], exclusionGroupId: ON_CALL_GROUP,
    });
    assert.equal(coverage.covered, true, 'check-policies now says covered');
    const again = await click('policy.enable', {}, alice());
    assert.match(again.text, /already enforced/);
    assert.equal(policyWrites(sim).length, 2);
    assert.match(await auditText(), /policy\.approve[\s\S]*enforced/);
  });

  it('refuses to enforce a policy that no longer excludes the break-glass account', async () => {
    await start();
    await click('policy.create', {}, alice());
    const [policy] = mfabotPolicies();
    assert.ok(policy?.conditions?.users);
    policy.conditions.users.excludeUsers = [];
    const answer = await click('policy.enable', {}, alice());
    assert.match(answer.text, /no longer excludes the break-glass account/);
    assert.equal(policyWrites(sim).filter((r) => r.method === 'PATCH').length, 0);
  });

  it('refuses to enforce a policy widened in the portal after it was approved, names each change and audits it', async () => {
    await start();
    await click('policy.create', {}, alice());
    await click('policy.enable', {}, bobUser());
    const approval = postedCards().at(-1) as Card;
    const [policy] = mfabotPolicies();
    assert.ok(policy?.id);
    // What an administrator could do in the Entra admin center meanwhile: every user, and devices on top of MFA.
    const patched = await fetch(`${sim.url}/v1.0/identity/conditionalAccess/policies/${policy.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: 'Bearer an-administrator-in-the-portal' },
      body: JSON.stringify({
        conditions: { ...policy.conditions, users: { ...policy.conditions?.users, includeUsers: ['All'] } },
        grantControls: { operator: 'AND', builtInControls: ['mfa', 'compliantDevice', 'domainJoinedDevice'] },
      }),
    });
    assert.equal(patched.status, 204);
    const writesBefore = policyWrites(sim).length;

    const approved = await click('policy.approve', { proposalId: approval.refresh?.action.data.proposalId }, alice());
    assert.match(approved.text, /MfaBot did not enforce the policy/);
    assert.match(approved.text, /changed after MfaBot created it\. Included users: added All/);
    assert.match(approved.text, /Grant controls: added compliantDevice, domainJoinedDevice/);
    const direct = await click('policy.enable', {}, alice());
    assert.match(direct.text, /Included users: added All/);
    assert.equal(policyWrites(sim).length, writesBefore, 'nothing was written');
    assert.equal(mfabotPolicies()[0]?.state, 'enabledForReportingButNotEnforced');
    assert.match(await auditText(), /policy\.enable\s*[\s\S]*refused[\s\S]*Included users: added All/);
  });

  it('changes nothing, and says why, when the audit log cannot be written', async () => {
    await start(fabrikam(), { auditRetryDelaysMs: [] });
    const write = FileStore.prototype.write;
    const full = sinon.stub(FileStore.prototype, 'write').callsFake(async function (this: FileStore, changes) {
      if (Object.keys(changes).some((k) => k.startsWith('audit/'))) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return write.call(this, changes);
    });
    try {
      const create = await click('policy.create', {}, alice());
      assert.match(create.text, /could not write to the audit log/);
      assert.match(create.text, /Nothing was changed/);
      assert.deepEqual(policyWrites(sim), [], 'no policy was created unaudited');
    } finally {
      full.restore();
    }
    await click('policy.create', {}, alice());
    assert.equal(mfabotPolicies().length, 1, 'with storage back, the same click creates it');
    const policyId = mfabotPolicies()[0]?.id;
    const fullAgain = sinon.stub(FileStore.prototype, 'write').callsFake(async function (this: FileStore, changes) {
      if (Object.keys(changes).some((k) => k.startsWith('audit/'))) throw new Error('storage unavailable');
      return write.call(this, changes);
    });
    try {
      const enforce = await click('policy.enable', {}, alice());
      assert.match(enforce.text, /could not write to the audit log/);
      assert.equal(sim.state.conditionalAccessPolicies.find((p) => p.id === policyId)?.state, 'enabledForReportingButNotEnforced');
    } finally {
      fullAgain.restore();
    }
  });

  it('summarises the report-only impact from the sign-in logs, and says so when they cannot be read', async () => {
    const POLICY_ID = '22222222-0000-4000-8000-000000000099';
    const tenant = fabrikam();
    tenant.conditionalAccessPolicies.push({
      id: POLICY_ID, displayName: POLICY_DISPLAY_NAME, state: 'enabledForReportingButNotEnforced', createdDateTime: '2026-11-01T00:00:00Z',
      conditions: {
        clientAppTypes: ['all'], applications: { includeApplications: ['All'] },
        users: { includeRoles: TEMPLATE_ROLES, excludeUsers: [BREAK_GLASS], excludeGroups: [ON_CALL_GROUP] },
      },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    const applied = (result: string) => [{ id: POLICY_ID, displayName: POLICY_DISPLAY_NAME, result, enforcedGrantControls: ['Mfa'], enforcedSessionControls: [] }];
    tenant.signIns = [
      { id: 's1', createdDateTime: '2026-11-20T08:00:00Z', userId: BOB, userPrincipalName: 'bob@fabrikam.example', appliedConditionalAccessPolicies: applied('reportOnlyInterrupted') },
      { id: 's2', createdDateTime: '2026-11-21T08:00:00Z', userId: BOB, userPrincipalName: 'bob@fabrikam.example', appliedConditionalAccessPolicies: applied('reportOnlyInterrupted') },
      { id: 's3', createdDateTime: '2026-11-22T08:00:00Z', userId: ALICE, userPrincipalName: 'alice@fabrikam.example', appliedConditionalAccessPolicies: applied('reportOnlySuccess') },
      { id: 's4', createdDateTime: '2026-11-22T09:00:00Z', userId: CAROL, userPrincipalName: 'carol@fabrikam.example', appliedConditionalAccessPolicies: [] },
    ];
    await start(tenant);
    const impact = await bot.feature.impactSummary();
    assert.ok(impact);
    assert.equal(impact.signInsReadable, true);
    assert.equal(impact.signInsExamined, 3);
    assert.deepEqual(impact.wouldPrompt.map((u) => [u.userPrincipalName, u.signIns]), [['bob@fabrikam.example', 2]]);
    assert.equal(impact.alreadySatisfied, 1);
    assert.deepEqual(impact.unregisteredAdmins.map((a) => a.userPrincipalName), ['bob@fabrikam.example', 'carol@fabrikam.example', 'gina@fabrikam.example']);
    assert.ok(sim.requests().some((r) => r.path === '/v1.0/auditLogs/signIns'));

    const shown = await click('policy.create', {}, alice());
    assert.match(shown.text, /already exists/);
    assert.match(shown.text, /Would have been prompted for MFA:\s*\nbob@fabrikam\.example \(2 sign-ins\)/);
    assert.match(shown.text, /forced to register MFA at next sign-in/);
    assert.deepEqual(policyWrites(sim), []);
    await bot.close();
    await sim.close();

    const noAudit = ['Policy.Read.All', 'Organization.Read.All', 'User.Read.All', 'GroupMember.Read.All', 'RoleManagement.Read.Directory'];
    await start(tenant, {}, noAudit);
    const unreadable = await bot.feature.impactSummary();
    assert.equal(unreadable?.signInsReadable, false);
    assert.match(unreadable?.unavailable?.message ?? '', /AuditLog\.Read\.All/);
  });

  it('keeps the audit log across a restart, and shows it to approvers only', async () => {
    const dataDir = tempDataDir();
    await start(fabrikam(), { dataDir });
    const { proposalId } = await requestApproval();
    await click('policy.approve', { proposalId }, carol());
    await click('policy.approve', { proposalId }, alice());
    await bot.close();

    bot = await startPolicyBot({ sim, dataDir });
    const audit = await auditText();
    assert.match(audit, /Bob Brown[\s\S]*policy\.create[\s\S]*proposed/);
    assert.match(audit, /Carol Chen[\s\S]*refused/);
    assert.match(audit, /Alice Ahmed[\s\S]*policy\.approve[\s\S]*created/);
    const lines = audit.split('\n');
    assert.ok(lines.findIndex((l) => l.includes('created')) < lines.findIndex((l) => l.includes('proposed')), 'newest first');

    const stale = await click('policy.approve', { proposalId }, alice());
    assert.doesNotMatch(stale.text, /^Created:/, 'after a restart the decided proposal stays decided');
    assert.equal(policyWrites(sim).filter((r) => r.method === 'POST').length, 1);

    const before = connector.sent.length;
    await post(bot.url, message('audit', bobUser()));
    const refusal = await connector.waitFor((a) => connector.sent.indexOf(a) >= before && a.conversationId === conversationId);
    assert.match(String(refusal.body.text), /Only approvers can see the audit log/);
  });

  it('keeps the creation in view when a non-approver asks for the audit log 120 times', async () => {
    await start();
    await click('policy.create', {}, alice());
    for (let round = 0; round < 4; round++) {
      await Promise.all(Array.from({ length: 30 }, () => post(bot.url, message('audit', bobUser()))));
    }
    const audit = await auditText();
    assert.match(audit, /Alice Ahmed[\s\S]*policy\.create[\s\S]*created/);
    assert.doesNotMatch(audit, /audit\.view/);
  });

  it('answers a slow create at once with a working card and updates the card for everyone when Graph answers', async () => {
    await start(fabrikam(), { invokeBudgetMs: 150 });
    sim.inject({ method: 'POST', pathPattern: '^/identity/conditionalAccess/policies$', status: 200, delayMs: 1_500 });
    const cardId = randomUUID();
    const started = Date.now();
    const answer = await click('policy.create', {}, alice(), { replyToId: cardId });
    assert.ok(Date.now() - started < 1_200, 'the invoke was answered before Graph finished');
    assert.equal(mfabotPolicies().length, 0, 'Graph has not answered yet');
    assert.match(answer.text, /Creating the Conditional Access policy/);
    const update = await connector.waitFor((a) => a.method === 'PUT' && a.activityId === cardId, 5_000);
    assert.match(cardText(attachedCard(update.body)), /Created: Conditional Access policy/);
    assert.equal(mfabotPolicies().length, 1);
  });

  it('tells the clicker about a slow create that failed without replacing the card for everyone', async () => {
    await start(fabrikam(), { invokeBudgetMs: 150 });
    sim.inject({ method: 'POST', pathPattern: '^/identity/conditionalAccess/policies$', status: 403, delayMs: 1_000 });
    const cardId = randomUUID();
    const before = postedCards().length;
    const answer = await click('policy.create', {}, alice(), { replyToId: cardId });
    assert.match(answer.text, /Creating the Conditional Access policy/);
    await connector.waitFor((a) => a.method === 'POST' && a.conversationId === conversationId && postedCards().length > before, 5_000);
    assert.match(cardText(postedCards().at(-1) ?? {}), /MfaBot did not create the policy|lacks the Graph permission/);
    await bot.feature.idle();
    assert.deepEqual(updatesOf(cardId), [], 'the card everyone sees still offers the button');
    assert.equal(mfabotPolicies().length, 0);
  });

  it('with the two-person rule, an approver\'s own request needs another approver', async () => {
    await start(fabrikam(), { settings: { twoPersonRule: true, approverIds: [ALICE, ERIN] } });
    const { proposalId } = await requestApproval(alice());
    const own = await click('policy.approve', { proposalId }, alice());
    assert.match(own.text, /two-person rule/);
    assert.deepEqual(policyWrites(sim), []);
    const other = await click('policy.approve', { proposalId }, who(ERIN, 'Erin Evans'));
    assert.match(other.text, /Created/);
    assert.equal(policyWrites(sim).length, 1);
  });

  it('counts transitive members of the approver group as approvers', async () => {
    await start(fabrikam(), { settings: { approverIds: [], approverGroupId: TIER0_GROUP } });
    const nested = await click('policy.create', {}, who(GINA, 'Gina Garcia'));
    assert.match(nested.text, /Created/, 'a member of a nested group approves');
    assert.ok(sim.requests().some((r) => r.path === `/v1.0/groups/${TIER0_GROUP}/transitiveMembers/microsoft.graph.user`));
    const outsider = await click('policy.enable', {}, bobUser());
    assert.equal(outsider.type, 'application/vnd.microsoft.activity.message');
    assert.match(cardText(postedCards().at(-1)), /<at>Carol Chen<\/at>/, 'the group\'s members are @mentioned');
  });
  it('never creates a second policy after a create that timed out but was applied', async () => {
    await start();
    // Graph answers after the client's 2 s timeout, but applies the create.
    sim.inject({ method: 'POST', pathPattern: '^/identity/conditionalAccess/policies$', status: 200, delayMs: 2_500 });
    const first = await click('policy.create', {}, alice());
    assert.match(first.text, /could not confirm whether the change was made/);
    while (!sim.requests().some((r) => r.method === 'POST' && r.status === 201)) await new Promise((r) => setTimeout(r, 50));
    const second = await click('policy.create', {}, alice());
    assert.match(second.text, /already exists/);
    assert.equal(mfabotPolicies().length, 1);
    assert.equal(policyWrites(sim).length, 1);
  });

  it('takes the demo tenant from "not covered" to "covered" in two approver clicks', async () => {
    const approver = DEMO_APPROVER_IDS[0] as string;
    await start(demoTenant(), {
      settings: { approverIds: DEMO_APPROVER_IDS, breakGlassUserIds: DEMO_BREAK_GLASS_IDS, exclusionGroupIds: [DEMO_EXCLUSION_GROUP_ID] },
    });
    const settings = { roleIds: TEMPLATE_ROLES, breakGlassUserIds: DEMO_BREAK_GLASS_IDS, exclusionGroupId: DEMO_EXCLUSION_GROUP_ID };
    const coverage = () => evaluatePolicies(sim.state.conditionalAccessPolicies as ConditionalAccessPolicy[], settings).covered;
    assert.equal(coverage(), false);
    const as: ActivityOptions = { serviceUrl: connector.url, tenantId: DEMO_TENANT_ID, conversationId, fromAadObjectId: approver, fromName: 'Megan Bowen' };
    assert.match((await click('policy.create', {}, as)).text, /Created/);
    assert.match((await click('policy.enable', {}, as)).text, /Enforced/);
    assert.equal(coverage(), true);
  });
});
