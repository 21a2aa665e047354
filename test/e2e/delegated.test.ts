/**
 * Changes made with the approver's own identity: MfaBot's app holds no write permission; an
 * approver's click is answered with a sign-in request, Teams signs them in (single sign-on) and
 * clicks again with the token, MfaBot exchanges it on their behalf, and Graph checks the approver's
 * scopes and directory role. Bot over HTTP, the simulated tenant as Graph and identity provider.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ROLE } from '../../src/domain/roles';
import { PERMISSION_NEEDS } from '../../src/graph/permissions';
import { SIM_APP_ID } from '../../src/sim/control';
import { loadFixtureFile } from '../../src/sim/fixture';
import type { Simulator } from '../../src/sim/server';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { cardAction, message, post, type ActivityOptions } from '../support/activities';
import { attachedCard, cardText } from '../support/cards';
import { ALICE, BOB, ERIN, POLICIES_PATH, TENANT, fabrikam, policyWrites, startPolicyBot, startSim, tempDataDir, type PolicyBot } from './policyHarness';

const RESOURCE = `api://botid-${SIM_APP_ID}`;
const WRITE_PERMISSIONS = ['Policy.ReadWrite.ConditionalAccess', 'RoleManagementPolicy.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All'];

/** Every application permission MfaBot's features read with, and none that writes. */
function readOnlyGrants(): string[] {
  return [...new Set(PERMISSION_NEEDS.flatMap((n) => [n.permission, ...(n.alongside ?? [])]))].filter((p) => !WRITE_PERMISSIONS.includes(p));
}

interface Answer { status: number; type: string; statusCode: number; text: string; value: Record<string, unknown> }

describe('changes made with the approver\'s own identity (delegated mode)', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let bot: PolicyBot;
  let connector: FakeConnector;
  const logs: string[] = [];
  const conversationId = `19:${randomUUID()}@thread.tacv2`;

  before(async () => {
    connector = await startFakeConnector();
    sim = await startSim(fabrikam(), readOnlyGrants());
    bot = await startPolicyBot({
      sim, dataDir: tempDataDir(), settings: { approverIds: [ALICE, ERIN] },
      env: { MFABOT_WRITE_MODE: 'delegated', LOG_LEVEL: 'debug' },
      logDestination: new Writable({ write(chunk, _e, cb) { logs.push(String(chunk)); cb(); } }),
    });
  });
  after(async () => {
    await bot?.close();
    await sim?.close();
    await connector?.close();
  });

  const who = (id: string, name: string): ActivityOptions => ({ serviceUrl: connector.url, tenantId: TENANT, conversationId, fromAadObjectId: id, fromName: name });

  /** What the Teams client gets for the user through single sign-on (consenting on their behalf). */
  async function ssoToken(userId: string): Promise<string> {
    const res = await fetch(`${sim.url}/_sim/sso`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, resource: RESOURCE, consent: true }) });
    assert.equal(res.status, 200);
    return ((await res.json()) as { token: string }).token;
  }

  async function click(verb: string, data: Record<string, unknown>, as: ActivityOptions, token?: string): Promise<Answer> {
    const activity = cardAction(verb, data, as);
    if (token) (activity.value as Record<string, unknown>).authentication = { id: randomUUID(), connectionName: '', token };
    const res = await post(bot.url, activity);
    const body = (res.body ?? {}) as { statusCode?: number; type?: string; value?: unknown };
    const value = (body.value ?? {}) as Record<string, unknown>;
    const text = body.type === 'application/vnd.microsoft.card.adaptive' ? cardText(value) : typeof body.value === 'string' ? body.value : JSON.stringify(value);
    return { status: res.status, type: body.type ?? '', statusCode: body.statusCode ?? 0, text, value };
  }

  const mfabotPolicy = () => sim.state.conditionalAccessPolicies.find((p) => p.displayName === 'MfaBot - Require MFA for admin roles');

  it('asks Teams to sign the approver in before it changes anything', async () => {
    const answer = await click('policy.create', {}, who(ALICE, 'Alice Ahmed'));
    assert.equal(answer.statusCode, 401);
    assert.equal(answer.type, 'application/vnd.microsoft.activity.loginRequest');
    assert.deepEqual((answer.value.tokenExchangeResource as { uri?: string }).uri, RESOURCE);
    assert.deepEqual(policyWrites(sim), [], 'nothing was written');
  });

  it('creates the policy as the approver when the app itself may not write', async () => {
    const token = await ssoToken(ALICE);
    const answer = await click('policy.create', {}, who(ALICE, 'Alice Ahmed'), token);
    assert.match(answer.text, /^Created: Conditional Access policy/m, answer.text);
    assert.deepEqual(policyWrites(sim).map((r) => [r.method, r.status]), [['POST', 201]]);
    assert.ok(mfabotPolicy());
    assert.equal(sim.requests().some((r) => r.method === 'POST' && r.path === POLICIES_PATH && r.status === 403), false);
  });

  it('enforces through an approval card: a non-approver asks, the approver approves with their own identity', async () => {
    const asked = await click('policy.enable', {}, who(BOB, 'Bob Brown'));
    assert.match(asked.text, /asked the approvers/);
    const approval = connector.sent.filter((s) => s.conversationId === conversationId && s.method === 'POST').map((s) => attachedCard(s.body)).filter(Boolean).at(-1) as { refresh?: { action: { data: { proposalId: string } } } };
    const proposalId = approval.refresh?.action.data.proposalId;
    // Erin has not signed in to MfaBot yet: Teams is asked to, and the request stays open meanwhile.
    const withoutSignIn = await click('policy.approve', { proposalId }, who(ERIN, 'Erin Evans'));
    assert.equal(withoutSignIn.statusCode, 401);
    // Alice signed in for her last click: MfaBot uses that sign-in again while it is valid.
    const enforced = await click('policy.approve', { proposalId }, who(ALICE, 'Alice Ahmed'));
    assert.match(enforced.text, /Enforced: admins must now use MFA/, enforced.text);
    assert.equal(mfabotPolicy()?.state, 'enabled');
  });

  it('records in the audit log that the change was made with the approver\'s own identity', async () => {
    await post(bot.url, message('audit', who(ALICE, 'Alice Ahmed')));
    const reply = await connector.waitFor((a) => a.conversationId === conversationId && attachedCard(a.body) !== undefined && cardText(attachedCard(a.body)).startsWith('Audit log'));
    assert.match(cardText(attachedCard(reply.body)), /made with Alice Ahmed's own identity/);
  });

  it('refuses, naming the role, an approver whose role is only eligible', async () => {
    sim.state.conditionalAccessPolicies.splice(0, sim.state.conditionalAccessPolicies.length, ...sim.state.conditionalAccessPolicies.filter((p) => p.displayName !== 'MfaBot - Require MFA for admin roles'));
    const before = policyWrites(sim).filter((r) => r.status < 300).length;
    const answer = await click('policy.create', {}, who(ERIN, 'Erin Evans'), await ssoToken(ERIN));
    assert.match(answer.text, /Conditional Access Administrator, Security Administrator, Global Administrator/, answer.text);
    assert.match(answer.text, /Nothing was changed/);
    assert.equal(policyWrites(sim).filter((r) => r.status < 300).length, before, 'nothing was written');
    assert.equal(mfabotPolicy(), undefined);
  });

  it('refuses a sign-in that is another user\'s, for another tenant or for another app', async () => {
    const alices = await ssoToken(ALICE);
    const [header, , signature] = alices.split('.');
    const forged = (claims: Record<string, unknown>) => `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(alices.split('.')[1] ?? '', 'base64url').toString()), ...claims })).toString('base64url')}.${signature}`;
    const erin = await click('policy.create', {}, who(ERIN, 'Erin Evans'), alices);
    assert.match(erin.text, /not the clicker's own/);
    const otherTenant = await click('policy.create', {}, who(ALICE, 'Alice Ahmed'), forged({ tid: '0bad7e4a-0000-4000-8000-00000000beef' }));
    assert.match(otherTenant.text, /another tenant/);
    const otherApp = await click('policy.create', {}, who(ALICE, 'Alice Ahmed'), forged({ aud: 'api://some-other-app' }));
    assert.match(otherApp.text, /not for MfaBot/);
    const tampered = await click('policy.create', {}, who(ALICE, 'Alice Ahmed'), forged({ exp: Math.floor(Date.now() / 1000) + 7_200 }));
    assert.equal(tampered.statusCode, 401, 'a token that fails its signature needs a new sign-in');
    assert.equal(mfabotPolicy(), undefined, 'nothing was created');
  });

  it('says what to fix when Entra ID refuses the exchange itself (an expired client secret), and changes nothing', async () => {
    await sim.inject({ method: 'POST', pathPattern: '^/_sim/idp/[^/]+/oauth2/v2\\.0/token$', status: 401, body: { error: 'invalid_client', error_description: 'AADSTS7000222: The provided client secret keys for app are expired.' } });
    const before = policyWrites(sim).length;
    const answer = await click('policy.create', {}, who(ALICE, 'Alice Ahmed'), await ssoToken(ALICE));
    assert.notEqual(answer.statusCode, 401, 'signing in again would not help: no sign-in request');
    assert.match(answer.text, /invalid_client, AADSTS7000222/, answer.text);
    assert.match(answer.text, /MicrosoftAppPassword/);
    assert.match(answer.text, /Nothing was changed/);
    assert.equal(policyWrites(sim).length, before);
  });

  it('never writes a token to the log', async () => {
    const token = await ssoToken(ALICE);
    await click('policy.create', {}, who(ALICE, 'Alice Ahmed'), token);
    const all = logs.join('\n');
    assert.ok(logs.length > 10, 'the bot logged at debug level');
    assert.ok(!all.includes(token), 'the sign-in token');
    assert.ok(!/eyJ[\w-]{10,}\.[\w-]{10,}\./.test(all), 'no JWT of any kind');
  });
});

describe('PIM settings changed with the approver\'s own identity (delegated mode)', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let bot: PolicyBot;
  let connector: FakeConnector;
  const conversationId = `19:${randomUUID()}@thread.tacv2`;
  const RULES_PATH = '/v1.0/policies/roleManagementPolicies/';

  before(async () => {
    connector = await startFakeConnector();
    sim = await startSim(loadFixtureFile(path.join(__dirname, '..', 'fixtures', 'fabrikam-pim.json')), readOnlyGrants());
    bot = await startPolicyBot({ sim, dataDir: tempDataDir(), settings: { approverIds: [ALICE, ERIN] }, env: { MFABOT_WRITE_MODE: 'delegated' } });
  });
  after(async () => {
    await bot?.close();
    await sim?.close();
    await connector?.close();
  });

  const who = (id: string, name: string): ActivityOptions => ({ serviceUrl: connector.url, tenantId: TENANT, conversationId, fromAadObjectId: id, fromName: name });
  const ruleWrites = () => sim.requests().filter((r) => r.method === 'PATCH' && r.path.startsWith(RULES_PATH));
  const sharePointActivation = () => {
    const assignment = (sim.state.roleManagementPolicyAssignments ?? []).find((a) => a.roleDefinitionId === ROLE.sharePointAdministrator);
    return (sim.state.roleManagementPolicies ?? []).find((p) => p.id === assignment?.policyId)?.rules.find((r) => r.id === 'Enablement_EndUser_Assignment');
  };

  async function clickPim(as: ActivityOptions, token?: string): Promise<{ statusCode: number; text: string }> {
    const activity = cardAction('pim.requireMfa', { roleIds: [ROLE.sharePointAdministrator] }, as);
    if (token) (activity.value as Record<string, unknown>).authentication = { id: randomUUID(), connectionName: '', token };
    const body = ((await post(bot.url, activity)).body ?? {}) as { statusCode?: number; type?: string; value?: unknown };
    return { statusCode: body.statusCode ?? 0, text: body.type === 'application/vnd.microsoft.card.adaptive' ? cardText(body.value) : JSON.stringify(body.value) };
  }

  async function ssoToken(userId: string): Promise<string> {
    const res = await fetch(`${sim.url}/_sim/sso`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, resource: RESOURCE, consent: true }) });
    return ((await res.json()) as { token: string }).token;
  }

  it('the app holds no permission that can change PIM settings', () => {
    assert.ok(!readOnlyGrants().includes('RoleManagementPolicy.ReadWrite.Directory'));
    assert.ok(!readOnlyGrants().includes('RoleManagement.ReadWrite.Directory'));
  });

  it('asks Teams to sign the approver in, then refuses one whose role may not change PIM settings, naming the roles that may', async () => {
    assert.equal((await clickPim(who(ERIN, 'Erin Evans'))).statusCode, 401);
    const refused = await clickPim(who(ERIN, 'Erin Evans'), await ssoToken(ERIN));
    assert.match(refused.text, /Privileged Role Administrator, Global Administrator/, refused.text);
    assert.deepEqual(ruleWrites().map((r) => r.status), [403], 'Graph refused the one write: her token, her role');
    assert.ok(!sharePointActivation()?.enabledRules?.includes('MultiFactorAuthentication'));
  });

  it('names the delegated permission the PIM change needs when Entra ID refuses the scope, and changes nothing', async () => {
    await sim.inject({ method: 'POST', pathPattern: '^/_sim/idp/[^/]+/oauth2/v2\\.0/token$', status: 400, body: { error: 'invalid_scope', error_description: 'AADSTS70011: The provided value for the input parameter \'scope\' is not valid.' } });
    const before = ruleWrites().length;
    const refused = await clickPim(who(ALICE, 'Alice Ahmed'), await ssoToken(ALICE));
    assert.match(refused.text, /invalid_scope, AADSTS70011/, refused.text);
    assert.match(refused.text, /RoleManagementPolicy\.ReadWrite\.Directory/);
    assert.doesNotMatch(refused.text, /ConditionalAccess/, 'not the CA change\'s permissions');
    assert.equal(ruleWrites().length, before);
  });

  it('requires MFA on activation as a Global Administrator approver, and the audit log says whose identity made the change', async () => {
    const applied = await clickPim(who(ALICE, 'Alice Ahmed'), await ssoToken(ALICE));
    assert.match(applied.text, /SharePoint Administrator/, applied.text);
    assert.ok(sharePointActivation()?.enabledRules?.includes('MultiFactorAuthentication'), 'the rule now demands MFA');
    assert.deepEqual(ruleWrites().map((r) => r.status), [403, 204]);
    await post(bot.url, message('audit', who(ALICE, 'Alice Ahmed')));
    const reply = await connector.waitFor((a) => a.conversationId === conversationId && attachedCard(a.body) !== undefined && cardText(attachedCard(a.body)).startsWith('Audit log'));
    assert.match(cardText(attachedCard(reply.body)), /SharePoint Administrator: on activation require .*made with Alice Ahmed's own identity/);
  });
});

describe('sign-in for clients without Universal Actions: an OAuth card and the token exchange invoke', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let bot: PolicyBot;
  let connector: FakeConnector;
  const conversationId = `19:${randomUUID()}@thread.tacv2`;

  before(async () => {
    connector = await startFakeConnector();
    sim = await startSim(fabrikam(), readOnlyGrants());
    bot = await startPolicyBot({ sim, dataDir: tempDataDir(), env: { MFABOT_WRITE_MODE: 'delegated' } });
  });
  after(async () => {
    await bot?.close();
    await sim?.close();
    await connector?.close();
  });

  const alice = (): ActivityOptions => ({ serviceUrl: connector.url, tenantId: TENANT, conversationId, fromAadObjectId: ALICE, fromName: 'Alice Ahmed' });
  /** The Action.Submit fallback of the Create button, as a client without Universal Actions sends it. */
  const submitCreate = () => ({ ...message('', alice()), text: undefined, value: { verb: 'policy.create' } });
  const tokenExchange = (token: string, as: ActivityOptions = alice()) => ({
    ...cardAction('x', {}, as), name: 'signin/tokenExchange', value: { id: randomUUID(), connectionName: '', token },
  });

  it('answers with an OAuth card naming MfaBot\'s API, then creates once the token exchange has run', async () => {
    await post(bot.url, submitCreate());
    const card = await connector.waitFor((a) => a.conversationId === conversationId && Array.isArray(a.body.attachments)
      && (a.body.attachments as { contentType?: string }[]).some((x) => x.contentType === 'application/vnd.microsoft.card.oauth'));
    const oauth = (card.body.attachments as { contentType: string; content: { tokenExchangeResource?: { uri?: string } } }[]).find((x) => x.contentType === 'application/vnd.microsoft.card.oauth');
    assert.equal(oauth?.content.tokenExchangeResource?.uri, RESOURCE);
    assert.equal(sim.state.conditionalAccessPolicies.some((p) => p.displayName === 'MfaBot - Require MFA for admin roles'), false);

    const res = await fetch(`${sim.url}/_sim/sso`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: ALICE, resource: RESOURCE, consent: true }) });
    const { token } = (await res.json()) as { token: string };
    const bobs = tokenExchange(token, { ...alice(), fromAadObjectId: BOB, fromName: 'Bob Brown' });
    assert.equal((await post(bot.url, bobs)).status, 412, 'a token that is not the sender\'s is refused');
    assert.equal((await post(bot.url, tokenExchange(token))).status, 200);

    await post(bot.url, submitCreate());
    await connector.waitFor((a) => a.conversationId === conversationId && attachedCard(a.body) !== undefined && /^Created: Conditional Access policy/m.test(cardText(attachedCard(a.body))));
    assert.equal(sim.state.conditionalAccessPolicies.filter((p) => p.displayName === 'MfaBot - Require MFA for admin roles').length, 1);
  });
});
