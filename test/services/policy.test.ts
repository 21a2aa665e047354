import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConditionalAccessPolicy, SignIn } from '@microsoft/microsoft-graph-types';
import type { BreakGlassCheck, Person } from '../../src/domain/approval';
import type { PolicyDraft } from '../../src/domain/policyDraft';
import { parseRoleScope } from '../../src/domain/roles';
import type { Licence } from '../../src/domain/types';
import { GraphFailure } from '../../src/graph/errors';
import type { NamedUser, PolicyGateway, StrengthInfo } from '../../src/graph/policyGateway';
import { silentLogger } from '../../src/log';
import { PolicyService, type Outcome, type PolicyFeatureSettings } from '../../src/services/policy';
import { AuditLog } from '../../src/store/audit';
import { FileStore } from '../../src/store/fileStore';
import type { KeyValueStore } from '../../src/store/kv';
import { OperationLock } from '../../src/store/lock';
import { ProposalStore } from '../../src/store/proposals';

const ALICE: Person = { id: 'a1000000-0000-4000-8000-000000000001', name: 'Alice' };
const BOB: Person = { id: 'a1000000-0000-4000-8000-000000000002', name: 'Bob' };
const ERIN: Person = { id: 'a1000000-0000-4000-8000-000000000005', name: 'Erin' };
const BREAK_GLASS = 'b9000000-0000-4000-8000-0000000000b1';
const APPROVER_GROUP = 'c0000000-0000-4000-8000-0000000000c9';
const STRENGTH = '00000000-0000-0000-0000-000000000004';

/** An in-memory tenant behind the PolicyGateway port, with knobs for failures and latency. */
class FakeGateway implements PolicyGateway {
  policies: ConditionalAccessPolicy[] = [];
  creates: PolicyDraft[] = [];
  patches: { id: string; state: string }[] = [];
  licenceValue: Licence = 'p2';
  securityDefaults = false;
  directory: Record<string, BreakGlassCheck> = { [BREAK_GLASS]: { id: BREAK_GLASS, kind: 'user', displayName: 'Break Glass', accountEnabled: true } };
  groupMembers: Record<string, NamedUser[]> = {};
  strengths: StrengthInfo[] = [{ id: STRENGTH, displayName: 'Phishing-resistant MFA', requiresMfa: true }];
  signIns: SignIn[] = [];
  latencyMs = 0;
  /** Fails the next create: thrown after (applied) or instead of creating. */
  createFault: { failure: GraphFailure; applied: boolean } | null = null;
  groupFailure: GraphFailure | null = null;
  private counter = 0;

  private async pause(): Promise<void> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
  }

  async listPolicies() {
    await this.pause();
    return structuredClone(this.policies);
  }
  async getPolicy(id: string) {
    return structuredClone(this.policies.find((p) => p.id === id) ?? null);
  }
  async createPolicy(draft: PolicyDraft) {
    await this.pause();
    this.creates.push(structuredClone(draft));
    const fault = this.createFault;
    this.createFault = null;
    if (fault && !fault.applied) throw fault.failure;
    const policy = { ...structuredClone(draft), id: `policy-${++this.counter}`, createdDateTime: '2026-11-26T09:00:00Z' } as ConditionalAccessPolicy;
    this.policies.push(policy);
    if (fault) throw fault.failure;
    return structuredClone(policy);
  }
  async setPolicyState(id: string, state: 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced') {
    this.patches.push({ id, state });
    const p = this.policies.find((x) => x.id === id);
    if (p) p.state = state;
  }
  async directoryObject(id: string): Promise<BreakGlassCheck> {
    return this.directory[id] ?? { id, kind: 'missing', displayName: null, accountEnabled: null };
  }
  async groupName() {
    return 'Some group';
  }
  async userNames(ids: readonly string[]) {
    return ids.map((id) => ({ id, displayName: `Name of ${id}` }));
  }
  async groupUsers(groupId: string) {
    if (this.groupFailure) throw this.groupFailure;
    return this.groupMembers[groupId] ?? [];
  }
  async licence() {
    return this.licenceValue;
  }
  async securityDefaultsEnabled() {
    return this.securityDefaults;
  }
  async authenticationStrengths() {
    return this.strengths;
  }
  async signInsForPolicy() {
    return this.signIns;
  }
}

const baseSettings = (overrides: Partial<PolicyFeatureSettings> = {}): PolicyFeatureSettings => ({
  roleIds: parseRoleScope('template'), breakGlassUserIds: [BREAK_GLASS], exclusionGroupIds: [], authenticationStrengthId: null,
  approverIds: [ALICE.id], approverGroupId: null, twoPersonRule: false, ...overrides,
});

function service(gateway: PolicyGateway, store: KeyValueStore, settings: Partial<PolicyFeatureSettings> = {}, now?: () => Date): PolicyService {
  return new PolicyService({
    gateway, proposals: new ProposalStore(store), audit: new AuditLog(store), lock: new OperationLock(store, now), settings: baseSettings(settings),
    logger: silentLogger(), now,
  });
}

const dir = (): string => mkdtempSync(path.join(tmpdir(), 'mfabot-service-'));

/** Holds the gateway's first directory read (a break-glass check) until released: an instance stuck under its lease. */
function stallFirstDirectoryRead(gw: FakeGateway): { reached: Promise<void>; release(): void } {
  const read = gw.directoryObject.bind(gw);
  let release = (): void => undefined;
  let reachedNow = (): void => undefined;
  const held = new Promise<void>((r) => { release = r; });
  const reached = new Promise<void>((r) => { reachedNow = r; });
  let first = true;
  gw.directoryObject = async (id: string) => {
    if (first) {
      first = false;
      reachedNow();
      await held;
    }
    return read(id);
  };
  return { reached, release };
}
const kinds = (outcomes: Outcome[]): string[] => outcomes.map((o) => o.kind).sort();

describe('PolicyService', () => {
  it('creates the policy once when an approver clicks, and reports it as existing afterwards', async () => {
    const gw = new FakeGateway();
    const svc = service(gw, new FileStore(dir()));
    assert.equal((await svc.requestCreate(ALICE)).kind, 'created');
    assert.equal((await svc.requestCreate(ALICE)).kind, 'exists');
    assert.equal(gw.creates.length, 1);
  });

  it('creates exactly one policy when 20 clicks reach two bot instances sharing the data directory', async () => {
    const gw = new FakeGateway();
    gw.latencyMs = 20;
    const shared = dir();
    const one = service(gw, new FileStore(shared));
    const two = service(gw, new FileStore(shared));
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? one : two).requestCreate(ALICE)));
    assert.equal(gw.creates.length, 1, 'one POST');
    assert.equal(outcomes.filter((o) => o.kind === 'created').length, 1);
    assert.ok(outcomes.every((o) => ['created', 'exists', 'busy'].includes(o.kind)), kinds(outcomes).join());
  });

  it('turns a non-approver\'s click into one open proposal, however often they click', async () => {
    const gw = new FakeGateway();
    const svc = service(gw, new FileStore(dir()));
    const first = await svc.requestCreate(BOB);
    const second = await svc.requestCreate(BOB);
    assert.equal(first.kind, 'proposed');
    assert.equal(second.kind, 'proposed');
    if (first.kind !== 'proposed' || second.kind !== 'proposed') return;
    assert.equal(first.isNew, true);
    assert.equal(second.isNew, false);
    assert.equal(second.proposal.id, first.proposal.id);
    assert.equal(gw.creates.length, 0);
  });

  it('never writes after its lease has run out: a create held up past the lease TTL does not make a second policy', async () => {
    let now = new Date('2026-11-26T09:00:00Z');
    const gw = new FakeGateway();
    const shared = dir();
    const one = service(gw, new FileStore(shared), {}, () => now);
    const two = service(gw, new FileStore(shared), {}, () => now);
    // The first instance is held up (Graph throttling, retries) after it looked for the policy and found none.
    const stall = stallFirstDirectoryRead(gw);
    const slow = one.requestCreate(ALICE);
    await stall.reached;

    now = new Date(now.getTime() + 3 * 60_000);
    const fast = await two.requestCreate(ALICE);
    stall.release();
    const late = await slow;

    assert.equal(fast.kind, 'created', 'the lease had expired, so the second instance went ahead');
    assert.equal(gw.creates.length, 1, `one POST; the held-up instance answered ${late.kind}`);
    assert.equal(late.kind, 'busy');
  });

  it('enforces at most once when the lease runs out while an enforce is held up', async () => {
    let now = new Date('2026-11-26T09:00:00Z');
    const gw = new FakeGateway();
    const shared = dir();
    const one = service(gw, new FileStore(shared), {}, () => now);
    const two = service(gw, new FileStore(shared), {}, () => now);
    assert.equal((await one.requestCreate(ALICE)).kind, 'created');
    const stall = stallFirstDirectoryRead(gw);
    const slow = one.requestEnable(ALICE);
    await stall.reached;

    now = new Date(now.getTime() + 3 * 60_000);
    assert.equal((await two.requestEnable(ALICE)).kind, 'enforced');
    // An admin then switches the policy back to report-only in the Entra admin center.
    const [policy] = gw.policies;
    if (policy) policy.state = 'enabledForReportingButNotEnforced';
    stall.release();
    const late = await slow;

    assert.deepEqual(gw.patches.map((p) => p.state), ['enabled'], `one PATCH; the held-up instance answered ${late.kind}`);
    assert.equal(policy?.state, 'enabledForReportingButNotEnforced', 'the admin\'s rollback stands');
  });

  it('reports and audits a policy Graph created even when storing MfaBot\'s own record of it fails', async () => {
    const gw = new FakeGateway();
    const files = new FileStore(dir());
    let failRecord = false;
    const flaky: KeyValueStore = {
      read: (keys) => files.read(keys),
      delete: (keys) => files.delete(keys),
      write: async (changes) => {
        if (failRecord && 'policy/record' in changes) throw new Error('storage unavailable (503)');
        return files.write(changes);
      },
    };
    const svc = service(gw, flaky);
    const proposed = await svc.requestCreate(BOB);
    if (proposed.kind !== 'proposed') throw new Error(proposed.kind);
    failRecord = true;

    const outcome = await svc.approve(proposed.proposal.id, ALICE);

    assert.equal(gw.policies.length, 1, 'Graph created the policy');
    assert.equal(outcome.kind, 'created', 'the approver is told it was created, not "something went wrong, try again"');
    assert.equal((await svc.proposal(proposed.proposal.id))?.status, 'created', 'the request is closed, not left "approved"');
    const audit = await svc.auditEntries(ALICE);
    assert.ok(audit.allowed);
    assert.ok(audit.allowed && audit.entries.some((e) => e.action === 'policy.approve' && e.result === 'created'), 'the create is in the audit log');
    failRecord = false;
    assert.equal((await svc.requestCreate(ALICE)).kind, 'exists', 'found again by name without the record');
    assert.equal(gw.creates.length, 1);
  });

  it('puts a request back to pending when carrying it out fails before any change, so it can be approved again', async () => {
    const gw = new FakeGateway();
    const files = new FileStore(dir());
    let failReads = 0;
    const flaky: KeyValueStore = {
      write: (changes) => files.write(changes),
      delete: (keys) => files.delete(keys),
      read: async (keys) => {
        if (failReads > 0 && keys.includes('policy/record')) {
          failReads -= 1;
          throw new Error('storage unavailable (503)');
        }
        return files.read(keys);
      },
    };
    const svc = service(gw, flaky);
    const proposed = await svc.requestCreate(BOB);
    if (proposed.kind !== 'proposed') throw new Error(proposed.kind);
    failReads = 1;

    await assert.rejects(svc.approve(proposed.proposal.id, ALICE), /storage unavailable/);
    assert.equal(gw.creates.length, 0, 'nothing was created');
    assert.equal((await svc.proposal(proposed.proposal.id))?.status, 'pending', 'not left "approved" with nothing done');
    assert.equal((await svc.approve(proposed.proposal.id, ALICE)).kind, 'created', 'the approver can try again');
    assert.equal(gw.creates.length, 1);
  });

  it('creates what the approver saw, and refuses when the configuration changed since the request', async () => {
    const gw = new FakeGateway();
    const store = new FileStore(dir());
    const proposed = await service(gw, store).requestCreate(BOB);
    assert.equal(proposed.kind, 'proposed');
    if (proposed.kind !== 'proposed') return;
    const restartedWithOtherRoles = service(gw, store, { roleIds: parseRoleScope('scuba') });
    const outcome = await restartedWithOtherRoles.approve(proposed.proposal.id, ALICE);
    assert.equal(outcome.kind, 'blocked');
    assert.match(outcome.kind === 'blocked' ? outcome.blockers.map((b) => b.problem).join() : '', /configuration changed/);
    assert.equal(gw.creates.length, 0);
    assert.equal((await restartedWithOtherRoles.proposal(proposed.proposal.id))?.status, 'pending', 'back to pending, with the reason');
  });

  it('opens a new request after the configuration changed, as the blocked card tells people to, instead of joining the stale one', async () => {
    const gw = new FakeGateway();
    const store = new FileStore(dir());
    const stale = await service(gw, store).requestCreate(BOB);
    if (stale.kind !== 'proposed') throw new Error(stale.kind);
    // The break-glass account is replaced (say it was compromised) and MfaBot restarted, with the two-person rule.
    const NEW_BREAK_GLASS = 'b9000000-0000-4000-8000-0000000000b2';
    gw.directory[NEW_BREAK_GLASS] = { id: NEW_BREAK_GLASS, kind: 'user', displayName: 'Break Glass 2', accountEnabled: true };
    const restarted = service(gw, store, { breakGlassUserIds: [NEW_BREAK_GLASS], approverIds: [ALICE.id, ERIN.id], twoPersonRule: true });
    assert.equal((await restarted.approve(stale.proposal.id, ALICE)).kind, 'blocked', 'the stale request cannot be carried out');

    const again = await restarted.requestCreate(BOB);
    assert.ok(again.kind === 'proposed' && again.isNew, 'a new request, not the stale one');
    assert.notEqual(again.kind === 'proposed' && again.proposal.id, stale.proposal.id);
    assert.equal((await restarted.approve(again.kind === 'proposed' ? again.proposal.id : '', ERIN)).kind, 'created');
    assert.deepEqual(gw.creates[0]?.conditions.users.excludeUsers, [NEW_BREAK_GLASS]);
  });

  it('lets only one of two approvers deciding at once win: approve vs reject', async () => {
    const gw = new FakeGateway();
    gw.latencyMs = 10;
    const svc = service(gw, new FileStore(dir()), { approverIds: [ALICE.id, ERIN.id] });
    const proposed = await svc.requestCreate(BOB);
    if (proposed.kind !== 'proposed') throw new Error(proposed.kind);
    const [approved, rejected] = await Promise.all([svc.approve(proposed.proposal.id, ALICE), svc.reject(proposed.proposal.id, ERIN, 'no')]);
    const wins = [approved.kind === 'created', rejected.kind === 'rejected'].filter(Boolean).length;
    assert.equal(wins, 1, `${approved.kind} / ${rejected.kind}`);
    assert.equal(gw.creates.length, approved.kind === 'created' ? 1 : 0);
  });

  it('says the outcome is unknown after a 5xx it cannot resolve, and finds a policy that was created despite a timeout', async () => {
    const gw = new FakeGateway();
    const svc = service(gw, new FileStore(dir()));
    gw.createFault = { failure: new GraphFailure('unavailable', 'Microsoft Graph had a server error (500).'), applied: false };
    const unknown = await svc.requestCreate(ALICE);
    assert.equal(unknown.kind, 'failed');
    if (unknown.kind === 'failed') {
      assert.equal(unknown.failure.changed, 'unknown');
      assert.doesNotMatch(unknown.failure.message, /Nothing was changed/);
    }
    gw.createFault = { failure: new GraphFailure('timeout', 'Microsoft Graph did not answer in time.'), applied: true };
    const resolved = await svc.requestCreate(ALICE);
    assert.equal(resolved.kind, 'created', 'the policy Graph created anyway was found and recorded');
    assert.equal(gw.policies.length, 1);
  });

  it('names the missing permission on a 403 and says nothing was changed', async () => {
    const gw = new FakeGateway();
    gw.createFault = {
      failure: new GraphFailure('permission', 'MfaBot\'s app lacks the Graph permission Policy.ReadWrite.ConditionalAccess.', { missing: 'Policy.ReadWrite.ConditionalAccess', status: 403 }),
      applied: false,
    };
    const outcome = await service(gw, new FileStore(dir())).requestCreate(ALICE);
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind !== 'failed') return;
    assert.equal(outcome.failure.missing, 'Policy.ReadWrite.ConditionalAccess');
    assert.equal(outcome.failure.changed, 'no');
    assert.match(outcome.failure.message, /Nothing was changed/);
  });

  it('requires the configured authentication strength, and refuses one that does not exist', async () => {
    const gw = new FakeGateway();
    const svc = service(gw, new FileStore(dir()), { authenticationStrengthId: STRENGTH });
    assert.equal((await svc.requestCreate(ALICE)).kind, 'created');
    assert.deepEqual(gw.creates[0]?.grantControls, { operator: 'OR', builtInControls: [], authenticationStrength: { id: STRENGTH } });
    const other = new FakeGateway();
    other.strengths = [];
    const blocked = await service(other, new FileStore(dir()), { authenticationStrengthId: STRENGTH }).requestCreate(ALICE);
    assert.equal(blocked.kind, 'blocked');
    assert.equal(other.creates.length, 0);
  });

  it('counts transitive approver-group members, and explains when the group cannot be read', async () => {
    const gw = new FakeGateway();
    gw.groupMembers[APPROVER_GROUP] = [{ id: ERIN.id, displayName: 'Erin' }];
    const svc = service(gw, new FileStore(dir()), { approverIds: [], approverGroupId: APPROVER_GROUP });
    assert.deepEqual(await svc.approverStatus(ERIN.id), { approver: true });
    assert.deepEqual(await svc.approverStatus(BOB.id), { approver: false });
    gw.groupFailure = new GraphFailure('permission', 'MfaBot\'s app lacks the Graph permission GroupMember.Read.All.', { missing: 'GroupMember.Read.All' });
    const fresh = service(gw, new FileStore(dir()), { approverIds: [], approverGroupId: APPROVER_GROUP });
    const status = await fresh.approverStatus(ERIN.id);
    assert.equal(status.approver, false, 'fails closed');
    assert.match(status.note ?? '', /GroupMember\.Read\.All/);
  });

  it('drops an approver removed from the group within seconds, by the injected clock', async () => {
    let now = new Date('2026-11-26T09:00:00Z');
    const gw = new FakeGateway();
    gw.groupMembers[APPROVER_GROUP] = [{ id: ERIN.id, displayName: 'Erin' }];
    const svc = service(gw, new FileStore(dir()), { approverIds: [], approverGroupId: APPROVER_GROUP }, () => now);
    assert.equal((await svc.approverStatus(ERIN.id)).approver, true);
    gw.groupMembers[APPROVER_GROUP] = [];
    assert.equal((await svc.approverStatus(ERIN.id)).approver, true, 'clicks arriving together share one read');
    now = new Date(now.getTime() + 6_000);
    assert.equal((await svc.approverStatus(ERIN.id)).approver, false, 'six seconds later the group is read again');
  });

  it('expires proposals after the TTL by the injected clock', async () => {
    let now = new Date('2026-11-26T09:00:00Z');
    const gw = new FakeGateway();
    const svc = service(gw, new FileStore(dir()), { proposalTtlMs: 60_000 }, () => now);
    const proposed = await svc.requestCreate(BOB);
    if (proposed.kind !== 'proposed') throw new Error(proposed.kind);
    now = new Date(now.getTime() + 60_000);
    assert.equal((await svc.approve(proposed.proposal.id, ALICE)).kind, 'expired');
    assert.equal(gw.creates.length, 0);
    const again = await svc.requestCreate(BOB);
    assert.equal(again.kind === 'proposed' && again.isNew, true, 'a new request can be made once the old one expired');
  });

  it('enforces only a policy that exists and still excludes every break-glass account', async () => {
    const gw = new FakeGateway();
    const svc = service(gw, new FileStore(dir()));
    assert.equal((await svc.requestEnable(ALICE)).kind, 'noPolicy');
    await svc.requestCreate(ALICE);
    gw.directory[BREAK_GLASS] = { id: BREAK_GLASS, kind: 'user', displayName: 'Break Glass', accountEnabled: false };
    assert.equal((await svc.requestEnable(ALICE)).kind, 'blocked', 'a disabled break-glass account blocks enforcing too');
    gw.directory[BREAK_GLASS] = { id: BREAK_GLASS, kind: 'user', displayName: 'Break Glass', accountEnabled: true };
    assert.equal((await svc.requestEnable(ALICE)).kind, 'enforced');
    assert.equal((await svc.requestEnable(ALICE)).kind, 'alreadyEnforced');
    assert.deepEqual(gw.patches.map((p) => p.state), ['enabled']);
  });

  it('audits every attempt to change something, and shows the log to approvers only', async () => {
    const gw = new FakeGateway();
    const svc = service(gw, new FileStore(dir()));
    const proposed = await svc.requestCreate(BOB);
    if (proposed.kind !== 'proposed') throw new Error(proposed.kind);
    assert.equal((await svc.approve(proposed.proposal.id, BOB)).kind, 'refused');
    assert.equal((await svc.auditEntries(BOB)).allowed, false);
    const shown = await svc.auditEntries(ALICE);
    assert.ok(shown.allowed);
    if (!shown.allowed) return;
    assert.deepEqual(shown.entries.map((e) => [e.actor.name, e.action, e.result]), [
      ['Bob', 'policy.approve', 'refused'],
      ['Bob', 'policy.create', 'proposed'],
    ], 'a refused read is not an entry, and reading the log is not listed');
    assert.equal(shown.entries[1]?.proposalId, proposed.proposal.id);
  });

  it('keeps the audit log readable however often someone tries what they may not', async () => {
    const gw = new FakeGateway();
    const store = new FileStore(dir());
    const svc = service(gw, store);
    const proposed = await svc.requestCreate(BOB);
    if (proposed.kind !== 'proposed') throw new Error(proposed.kind);
    for (let i = 0; i < 120; i++) assert.equal((await svc.auditEntries(BOB)).allowed, false);
    for (let i = 0; i < 30; i++) assert.equal((await svc.approve(proposed.proposal.id, BOB)).kind, 'refused');
    for (let i = 0; i < 30; i++) assert.ok((await svc.auditEntries(ALICE)).allowed);
    const all = await new AuditLog(store).latest(1_000);
    assert.equal(all.filter((e) => e.action === 'audit.view' && e.result === 'refused').length, 0);
    assert.equal(all.filter((e) => e.action === 'policy.approve').length, 5, 'the first refusals in a window, no more');
    const shown = await svc.auditEntries(ALICE);
    assert.ok(shown.allowed && shown.entries.some((e) => e.action === 'policy.create' && e.result === 'proposed'), 'the request is still in view');
  });

  it('summarises the impact of MfaBot\'s report-only policy, or says the sign-ins are unreadable', async () => {
    const gw = new FakeGateway();
    const svc = service(gw, new FileStore(dir()));
    assert.equal(await svc.impactSummary(), null, 'no policy, no impact');
    await svc.requestCreate(ALICE);
    gw.signIns = [{ id: 's', userId: BOB.id, userPrincipalName: 'bob@x', createdDateTime: '2026-11-20T00:00:00Z', appliedConditionalAccessPolicies: [{ id: 'policy-1', result: 'reportOnlyInterrupted' as never }] }];
    assert.deepEqual((await svc.impactSummary())?.wouldPrompt.map((u) => u.userPrincipalName), ['bob@x']);
    gw.signInsForPolicy = async () => {
      throw new GraphFailure('licence', 'The tenant needs Entra ID P1 or P2.', { missing: 'Entra ID P1 or P2' });
    };
    const unreadable = await svc.impactSummary();
    assert.equal(unreadable?.signInsReadable, false);
    assert.match(unreadable?.unavailable?.message ?? '', /P1 or P2/);
    await svc.requestEnable(ALICE);
    assert.equal(await svc.impactSummary(), null, 'once enforced there is no "if enforced"');
  });
});
