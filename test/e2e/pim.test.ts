/**
 * Require MFA on PIM activation, end to end: the bot over HTTP (built by the composition root), the
 * real Graph client against the simulator, a fake Bot Connector. The same approval path as the
 * Conditional Access policy: an approver's click changes the roles MfaBot finds lacking MFA now, a
 * non-approver's click asks the approvers, every change is audited, and concurrent clicks change each
 * role once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { runCli } from '../../src/cli';
import { ROLE } from '../../src/domain/roles';
import { loadFixtureFile, type FixturePimPolicy, type TenantFixture } from '../../src/sim/fixture';
import { startSimulator, type Simulator } from '../../src/sim/server';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { cardAction, message, post, type ActivityOptions } from '../support/activities';
import { attachedCard, cardActions, cardText, cardTexts } from '../support/cards';
import { AuditLog } from '../../src/store/audit';
import { ALICE, BOB, TENANT, startPolicyBot, tempDataDir, type PolicyBot } from './policyHarness';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fabrikam-pim.json');
const RULES_PATH = '/v1.0/policies/roleManagementPolicies/';
const SHAREPOINT = ROLE.sharePointAdministrator;

/** The roles of the template scope whose activation asks for no MFA in the fixture (all but Global, Exchange and Security Administrator). */
const LACKING = [
  ROLE.applicationAdministrator, ROLE.authenticationAdministrator, ROLE.billingAdministrator, ROLE.cloudApplicationAdministrator,
  ROLE.conditionalAccessAdministrator, ROLE.helpdeskAdministrator, ROLE.passwordAdministrator, ROLE.privilegedAuthenticationAdministrator,
  ROLE.privilegedRoleAdministrator, SHAREPOINT, ROLE.userAdministrator,
];

interface Answer { status: number; type: string; card: Record<string, unknown> | undefined; text: string }

describe('require MFA on PIM activation end to end (bot over HTTP, simulator, fake Bot Connector)', function () {
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
  afterEach(async () => {
    await bot?.close();
    await sim?.close();
  });

  async function start(opts: { tenant?: TenantFixture; faults?: ['pim-write-app-403'] } = {}): Promise<void> {
    sim = await startSimulator({ tenant: opts.tenant ?? loadFixtureFile(FIXTURE), port: 0, host: '127.0.0.1', graphFaults: opts.faults ?? [] });
    bot = await startPolicyBot({ sim, dataDir: tempDataDir() });
    conversationId = `19:${randomUUID()}@thread.tacv2`;
  }

  const who = (id: string, name: string): ActivityOptions => ({ serviceUrl: connector.url, tenantId: TENANT, conversationId, fromAadObjectId: id, fromName: name });
  const alice = () => who(ALICE, 'Alice Ahmed');
  const bob = () => who(BOB, 'Bob Brown');

  async function click(verb: string, data: Record<string, unknown>, as: ActivityOptions): Promise<Answer> {
    const res = await post(bot.url, cardAction(verb, data, { ...as, replyToId: randomUUID() }));
    const body = res.body as { type?: string; value?: unknown } | undefined;
    const card = body?.type === 'application/vnd.microsoft.card.adaptive' ? body.value as Record<string, unknown> : undefined;
    return { status: res.status, type: body?.type ?? '', card, text: card ? cardText(card) : String(body?.value ?? '') };
  }

  const ruleWrites = () => sim.requests().filter((r) => r.method === 'PATCH' && r.path.startsWith(RULES_PATH));
  const policyOf = (roleId: string): FixturePimPolicy => {
    const assignment = (sim.state.roleManagementPolicyAssignments ?? []).find((a) => a.roleDefinitionId === roleId);
    const policy = (sim.state.roleManagementPolicies ?? []).find((p) => p.id === assignment?.policyId);
    assert.ok(policy, `role ${roleId} has a policy`);
    return policy;
  };
  const activationRule = (roleId: string) => policyOf(roleId).rules.find((r) => r.id === 'Enablement_EndUser_Assignment');

  async function statusCard(): Promise<Record<string, unknown>> {
    const activity = message('status', alice());
    await post(bot.url, activity);
    const reply = await connector.waitFor((a) => a.conversationId === activity.conversation.id && attachedCard(a.body) !== undefined);
    return attachedCard(reply.body) as Record<string, unknown>;
  }

  /** The audit card an approver gets, each entry on one line. */
  async function auditText(): Promise<string> {
    const activity = message('audit', alice());
    await post(bot.url, activity);
    const reply = await connector.waitFor((a) => a.conversationId === activity.conversation.id && cardText(attachedCard(a.body) ?? {}).startsWith('Audit log'));
    return cardTexts(attachedCard(reply.body)).join('');
  }

  /** Every audit entry, oldest first, as `actor · action · result · detail`. */
  async function auditEntries(): Promise<string[]> {
    const entries = await new AuditLog(bot.bot.store).latest(200);
    return entries.reverse().map((e) => `${e.actor.name} · ${e.action} · ${e.result} · ${e.detail}`);
  }

  it('status --json gives every role in scope its verdict: Azure MFA, a protected authentication context, or none (report-only does not count)', async () => {
    let out = '';
    const code = await runCli(['status', '--tenant', FIXTURE, '--json'], { stdout: (t) => { out += t; }, stderr: () => undefined, env: {} });
    assert.equal(code, 0);
    const json = JSON.parse(out) as { pimActivation: { roleId: string; requiresMfa: boolean | null; how: string | null }[] };
    const of = (roleId: string) => json.pimActivation.find((p) => p.roleId === roleId);
    assert.equal(json.pimActivation.length, 14, 'one entry per role in scope');
    assert.deepEqual(Object.keys(json.pimActivation[0] ?? {}).sort(), ['how', 'requiresMfa', 'roleId']);
    assert.deepEqual(of(ROLE.globalAdministrator), { roleId: ROLE.globalAdministrator, requiresMfa: true, how: 'mfa' });
    assert.deepEqual(of(ROLE.exchangeAdministrator), { roleId: ROLE.exchangeAdministrator, requiresMfa: true, how: 'authenticationContext' });
    assert.deepEqual(of(ROLE.securityAdministrator), { roleId: ROLE.securityAdministrator, requiresMfa: false, how: null }, 'its context\'s policy is report-only');
    for (const roleId of LACKING) assert.deepEqual(of(roleId), { roleId, requiresMfa: false, how: null });
  });

  it('status --json without Entra ID P2: every role unknown, and a caveat says why', async () => {
    const tenant = loadFixtureFile(FIXTURE);
    for (const sku of tenant.subscribedSkus) sku.servicePlans = sku.servicePlans.filter((p) => p.servicePlanName !== 'AAD_PREMIUM_P2');
    sim = await startSimulator({ tenant, port: 0, host: '127.0.0.1' });
    let out = '';
    await runCli(['status', '--graph-url', sim.url, '--json'], { stdout: (t) => { out += t; }, stderr: () => undefined, env: {} });
    const json = JSON.parse(out) as { licence: string; pimActivation: { requiresMfa: unknown; how: unknown }[]; caveats: { area: string; message: string }[] };
    assert.equal(json.licence, 'p1');
    assert.ok(json.pimActivation.length === 14 && json.pimActivation.every((p) => p.requiresMfa === null && p.how === null));
    assert.ok(json.caveats.some((c) => c.area === 'pim' && /P2/.test(c.message) && /role settings/.test(c.message)), JSON.stringify(json.caveats));
    assert.ok(sim.requests().some((r) => r.path.startsWith('/v1.0/$batch')), 'the settings were asked for');
  });

  it('an approver fixes one role from the status card: its rule gains MultiFactorAuthentication, every other rule stays as it was', async () => {
    await start();
    const card = await statusCard();
    const button = cardActions(card).find((a) => a.verb === 'pim.requireMfa');
    assert.ok(button, 'the status card offers Require MFA on activation');
    assert.deepEqual([...(button.data?.roleIds as string[])].sort(), [...LACKING].sort(), 'the roles that lack it, not Exchange (context) nor Security (its context needs fixing in CA)');
    assert.match(cardText(card), /PIM: does activating a role demand MFA\?/);

    const before = structuredClone(policyOf(SHAREPOINT));
    const others = structuredClone((sim.state.roleManagementPolicies ?? []).filter((p) => p.id !== before.id));
    const answer = await click('pim.requireMfa', { roleIds: [SHAREPOINT] }, alice());
    assert.equal(answer.status, 200);
    assert.match(answer.text, /Done: activating 1 admin role in PIM now demands MFA/);
    assert.match(answer.text, /SharePoint Administrator:[\s\S]*Justification, Ticketing, MultiFactorAuthentication/);

    assert.deepEqual(ruleWrites().map((r) => [r.path, r.status]), [[`${RULES_PATH}${encodeURIComponent(before.id)}/rules/Enablement_EndUser_Assignment`, 204]], 'one PATCH, of that role\'s activation rule');
    const after = policyOf(SHAREPOINT);
    assert.deepEqual(activationRule(SHAREPOINT)?.enabledRules, ['Justification', 'Ticketing', 'MultiFactorAuthentication']);
    assert.deepEqual(after.rules.filter((r) => r.id !== 'Enablement_EndUser_Assignment'), before.rules.filter((r) => r.id !== 'Enablement_EndUser_Assignment'), 'the other rules are intact');
    assert.deepEqual(activationRule(SHAREPOINT)?.target, before.rules.find((r) => r.id === 'Enablement_EndUser_Assignment')?.target, 'the target as read');
    assert.deepEqual((sim.state.roleManagementPolicies ?? []).filter((p) => p.id !== before.id), others, 'no other role changed');

    const audit = await auditText();
    assert.match(audit, /pim\.requireMfa · intent · SharePoint Administrator: on activation require Justification, Ticketing, MultiFactorAuthentication \(was Justification, Ticketing\)/);
    assert.match(audit, /pim\.requireMfa · applied · SharePoint Administrator: activation now requires/);

    const again = await click('pim.requireMfa', { roleIds: [SHAREPOINT] }, alice());
    assert.match(again.text, /Nothing to change/);
    assert.equal(ruleWrites().length, 1, 'a stale button changes nothing');
  });

  it('a non-approver gets an approval card naming the roles and the change; the approver approves; the audit log has it', async () => {
    await start();
    const asked = await click('pim.requireMfa', { roleIds: [...LACKING, ROLE.globalAdministrator] }, bob());
    assert.equal(asked.type, 'application/vnd.microsoft.activity.message');
    assert.match(asked.text, /asked the approvers to require MFA on PIM activation of 11 admin roles/);
    assert.deepEqual(ruleWrites(), [], 'nothing written for a non-approver');
    const posted = connector.sent.filter((s) => s.method === 'POST' && s.conversationId === conversationId).map((s) => attachedCard(s.body)).filter(Boolean);
    const approval = posted.at(-1) as Record<string, unknown> & { refresh?: { action: { data: { proposalId: string } } } };
    const text = cardText(approval);
    assert.match(text, /Approval needed: require MFA on PIM activation of admin roles/);
    assert.match(text, /What will change \(11 roles\)/);
    assert.match(text, /SharePoint Administrator: [\s\S]*on activation require Justification, Ticketing, MultiFactorAuthentication/);
    assert.match(text, /now: Justification, Ticketing/);
    assert.ok(!text.includes('Global Administrator:'), 'a role that already demands MFA is not part of the request, whatever the card said');
    const proposalId = approval.refresh?.action.data.proposalId ?? '';

    const approved = await click('policy.approve', { proposalId }, alice());
    assert.match(approved.text, /Done: activating 11 admin roles in PIM now demands MFA/);
    assert.match(approved.text, /Requested by:\s*\nBob Brown/);
    assert.equal(ruleWrites().length, 11, 'one PATCH per role');
    for (const roleId of LACKING) assert.ok(activationRule(roleId)?.enabledRules?.includes('MultiFactorAuthentication'), roleId);
    assert.deepEqual(activationRule(ROLE.exchangeAdministrator)?.enabledRules, ['Justification'], 'the authentication-context role is left alone');
    assert.deepEqual(activationRule(ROLE.securityAdministrator)?.enabledRules, ['Justification']);

    const audit = await auditEntries();
    assert.ok(audit.some((e) => e.startsWith('Bob Brown · pim.requireMfa · proposed')), audit.join('\n'));
    assert.ok(audit.some((e) => e.startsWith('Alice Ahmed · policy.approve · applied')));
    assert.equal(audit.filter((e) => e.startsWith('Alice Ahmed · pim.requireMfa · intent')).length, 11, 'the intent of each role, before its change');
    assert.equal(audit.filter((e) => e.startsWith('Alice Ahmed · pim.requireMfa · applied')).length, 11, 'the outcome of each role');
    assert.match((await auditText()), /Alice Ahmed · policy\.approve · applied/, 'approvers see it with "audit"');
  });

  it('20 clicks at once change each role exactly once', async () => {
    await start();
    const activities = Array.from({ length: 20 }, () => cardAction('pim.requireMfa', { roleIds: LACKING }, alice()));
    const answers = await Promise.all(activities.map((a) => post(bot.url, a)));
    assert.ok(answers.every((a) => a.status === 200));
    await bot.feature.idle();
    const writes = ruleWrites();
    assert.equal(writes.length, LACKING.length, 'one PATCH per role');
    assert.equal(new Set(writes.map((w) => w.path)).size, LACKING.length);
    for (const roleId of LACKING) assert.deepEqual(activationRule(roleId)?.enabledRules?.filter((r) => r === 'MultiFactorAuthentication'), ['MultiFactorAuthentication'], roleId);
  });

  it('tells the approver plainly when Graph refuses the application path, and that delegated mode is the fix', async () => {
    await start({ faults: ['pim-write-app-403'] });
    const answer = await click('pim.requireMfa', { roleIds: LACKING }, alice());
    assert.match(answer.text, /MfaBot did not change the PIM role settings/);
    assert.match(answer.text, /refused to let MfaBot's app change PIM role settings \(403\)/);
    assert.match(answer.text, /delegated/);
    assert.match(answer.text, /Entra admin center/);
    assert.equal(ruleWrites().length, 1, 'MfaBot stops after the first refusal instead of repeating it for every role');
    assert.ok(LACKING.every((roleId) => !activationRule(roleId)?.enabledRules?.includes('MultiFactorAuthentication')));
    assert.match(await auditText(), /pim\.requireMfa · failed/);
  });
});
