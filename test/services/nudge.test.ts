import assert from 'node:assert/strict';
import { MemoryStorage } from 'botbuilder';
import type { AdaptiveCard } from '../../src/cards/types';
import { ROLE } from '../../src/domain/roles';
import type { StatusReport } from '../../src/domain/report';
import { GraphFailure } from '../../src/graph/errors';
import type { TeamsGateway } from '../../src/graph/teamsGateway';
import { silentLogger } from '../../src/log';
import { DigestService } from '../../src/services/digest';
import {
  DeliveryError, NudgeService, mapBounded, policyOutlookFrom, type Messenger, type NudgeRequest, type NudgeServiceDeps,
} from '../../src/services/nudge';
import { ConversationStore, type ConversationRef } from '../../src/store/conversations';
import type { KeyValueStore } from '../../src/store/kv';
import { OperationLock } from '../../src/store/lock';
import { CLAIM_TTL_MS, NudgeStore } from '../../src/store/nudges';
import { ProposalStore } from '../../src/store/proposals';
import { SubscriptionStore, subscriptionId } from '../../src/store/subscriptions';
import { admin, makeReport, role, userId } from '../cards/fixtures';
import { cardText } from '../support/cards';

const TENANT = 't0000000-0000-4000-8000-000000000000';
const ALICE = 'a1000000-0000-4000-8000-000000000001';
const APP = 'app-catalog-id';
const EXTERNAL = 'manifest-id';
const NOW = new Date('2025-11-26T10:00:00Z');
const HOUR = 3_600_000;

const permissionFailure = new GraphFailure('permission', "MfaBot's app lacks the Graph permission TeamsAppInstallation.ReadWriteSelfForUser.All (needed to install MfaBot for an admin). Grant it with admin consent.", { status: 403, missing: 'TeamsAppInstallation.ReadWriteSelfForUser.All' });

/** Graph behind the TeamsGateway port. */
class FakeTeams implements TeamsGateway {
  catalog: Record<string, string> = { [EXTERNAL]: APP };
  installed = new Set<string>();
  installFaults = new Map<string, GraphFailure>();
  registered = new Map<string, boolean | null>();
  installs: string[] = [];
  registrationChecks = 0;

  async catalogAppId(externalId: string) { return this.catalog[externalId] ?? null; }
  async isInstalled(userId: string) { return this.installed.has(userId); }
  async install(userId: string) {
    const fault = this.installFaults.get(userId);
    if (fault) throw fault;
    this.installs.push(userId);
    if (this.installed.has(userId)) return 'alreadyInstalled' as const;
    this.installed.add(userId);
    return 'installed' as const;
  }
  async mfaRegistered(userId: string) {
    this.registrationChecks += 1;
    return this.registered.get(userId) ?? false;
  }
}

/** The Bot Connector behind the Messenger port: records cards, fails on demand, measures concurrency. */
class FakeMessenger implements Messenger {
  sent: { conversationId: string; card: AdaptiveCard }[] = [];
  created: string[] = [];
  faults = new Map<string, DeliveryError[]>();
  inFlight = 0;
  maxInFlight = 0;
  delayMs = 0;
  /** When set, the next send waits for it (a delivery stuck behind throttling). */
  gate: Promise<void> | null = null;

  async send(reference: ConversationRef, card: AdaptiveCard) {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const gate = this.gate;
      this.gate = null;
      if (gate) await gate;
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      const fault = this.faults.get(reference.conversation.id)?.shift();
      if (fault) throw fault;
      this.sent.push({ conversationId: reference.conversation.id, card });
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Answers the next createPersonal calls for a user with these errors (Teams not ready after an install). */
  createFaults = new Map<string, DeliveryError[]>();

  async createPersonal({ serviceUrl, tenantId, userId, bot }: { serviceUrl: string; tenantId: string; userId: string; bot: { id: string } }): Promise<ConversationRef> {
    const fault = this.createFaults.get(userId)?.shift();
    if (fault) throw fault;
    this.created.push(userId);
    return { channelId: 'msteams', serviceUrl, conversation: { id: `a:${userId}`, tenantId, conversationType: 'personal' }, bot, user: { id: userId } };
  }

  to(userId: string): AdaptiveCard[] {
    return this.sent.filter((s) => s.conversationId === `a:${userId}` || s.conversationId === `a:stored-${userId}`).map((s) => s.card);
  }
}

const unregistered = Array.from({ length: 10 }, (_, i) => admin({
  id: userId(500 + i), upn: `admin${i}@x.example`, name: `Admin ${i}`, roles: [role(i === 0 ? ROLE.globalAdministrator : ROLE.helpdeskAdministrator)], mfa: false,
}));
const report = (): StatusReport => makeReport({ admins: unregistered, covered: [ROLE.globalAdministrator] });
const CHANNEL: ConversationRef = { channelId: 'msteams', serviceUrl: 'https://smba.example/', conversation: { id: '19:channel@thread.tacv2' }, bot: { id: '28:bot' } };

interface Rig {
  service: NudgeService;
  teams: FakeTeams;
  messenger: FakeMessenger;
  nudges: NudgeStore;
  conversations: ConversationStore;
  sleeps: number[];
  invalidated: number;
  clock: { now: Date };
}

function rig(overrides: Partial<NudgeServiceDeps> = {}, settings: Partial<NudgeServiceDeps['settings']> = {}, store: KeyValueStore = new MemoryStorage()): Rig {
  const teams = new FakeTeams();
  const messenger = new FakeMessenger();
  const nudges = new NudgeStore(store);
  const conversations = new ConversationStore(store);
  const sleeps: number[] = [];
  const clock = { now: NOW };
  const r: Rig = {
    teams, messenger, nudges, conversations, sleeps, clock, invalidated: 0,
    service: undefined as unknown as NudgeService,
  };
  r.service = new NudgeService({
    status: { get: async () => report(), invalidate: () => { r.invalidated += 1; } },
    teams,
    messenger,
    conversations,
    nudges,
    settings: { teamsAppExternalId: EXTERNAL, windowMs: 24 * HOUR, nudgers: { kind: 'approvers' }, breakGlassUserIds: [], recheckDelaysMs: [HOUR, 4 * HOUR], ...settings },
    isApprover: async (id) => id === ALICE,
    logger: silentLogger(),
    now: () => clock.now,
    sleep: async (ms) => { sleeps.push(ms); },
    ...overrides,
  });
  return r;
}

const request = (selection: string, actor = { id: ALICE, name: 'Alice Ahmed' }): NudgeRequest => ({
  actor, selection, tenantId: TENANT, channel: CHANNEL, cardActivityId: 'card-1', serviceUrl: 'https://smba.example/', bot: { id: '28:bot', name: 'MfaBot' },
});

async function done(r: Rig, selection: string) {
  const outcome = await r.service.nudge(request(selection));
  assert.equal(outcome.kind, 'done');
  return outcome.kind === 'done' ? outcome.batch : (undefined as never);
}

const statusOf = (batch: Awaited<ReturnType<typeof done>>, id: string) => batch.results.find((x) => x.userId === id);

describe('nudge use case', () => {
  it('delivers through a queue that keeps at most 4 messages in flight', async () => {
    const r = rig();
    r.messenger.delayMs = 5;
    const batch = await done(r, 'all');
    assert.equal(batch.results.filter((x) => x.status === 'sent').length, 10);
    assert.ok(r.messenger.maxInFlight <= 4, `at most 4 in flight, saw ${r.messenger.maxInFlight}`);
    assert.ok(r.messenger.maxInFlight > 1, 'and more than one');
  });

  it('runs work with bounded concurrency and keeps the order of results', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapBounded([5, 1, 3, 2, 4], 2, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((res) => setTimeout(res, n));
      inFlight -= 1;
      return n * 10;
    });
    assert.deepEqual(out, [50, 10, 30, 20, 40]);
    assert.equal(peak, 2);
  });

  it('waits as long as Retry-After says when the connector answers 429, then delivers', async () => {
    const r = rig();
    const target = unregistered[1]?.id ?? '';
    r.messenger.faults.set(`a:${target}`, [new DeliveryError('throttled', 429, 2_000), new DeliveryError('throttled', 429, 3_000)]);
    const batch = await done(r, target);
    assert.equal(statusOf(batch, target)?.status, 'sent');
    assert.deepEqual(r.sleeps, [2_000, 3_000]);
    assert.equal(r.messenger.to(target).length, 1);
  });

  it('gives up on one throttled admin after bounded attempts, and still reaches the others', async () => {
    const r = rig({}, { maxAttempts: 3 });
    const [a, b] = [unregistered[1]?.id ?? '', unregistered[2]?.id ?? ''];
    r.messenger.faults.set(`a:${a}`, Array.from({ length: 10 }, () => new DeliveryError('throttled', 429, null)));
    const batch = await done(r, `${a},${b}`);
    assert.equal(statusOf(batch, a)?.status, 'failed');
    assert.match(statusOf(batch, a)?.reason ?? '', /kept throttling/);
    assert.equal(r.sleeps.length, 2, 'three attempts, two waits');
    assert.equal(statusOf(batch, b)?.status, 'sent');
  });

  it('marks an admin failed with the permission named when Graph refuses the install; one failure stops nobody else', async () => {
    const r = rig();
    const [a, b, c] = [unregistered[1]?.id ?? '', unregistered[2]?.id ?? '', unregistered[3]?.id ?? ''];
    r.teams.installFaults.set(b, permissionFailure);
    const batch = await done(r, `${a},${b},${c}`);
    assert.deepEqual([a, b, c].map((id) => statusOf(batch, id)?.status), ['sent', 'failed', 'sent']);
    assert.equal(statusOf(batch, b)?.missing, 'TeamsAppInstallation.ReadWriteSelfForUser.All');
    assert.match(statusOf(batch, b)?.reason ?? '', /TeamsAppInstallation\.ReadWriteSelfForUser\.All/);
    assert.deepEqual(Object.keys(await r.service.history()).sort(), [a, c].sort());
  });

  it('continues a stored conversation; when Teams says it is gone, forgets it and starts a new one', async () => {
    const r = rig();
    const [a, b] = [unregistered[1]?.id ?? '', unregistered[2]?.id ?? ''];
    for (const id of [a, b]) {
      await r.conversations.save({ tenantId: TENANT, aadObjectId: id, savedAt: NOW.toISOString(), source: 'install', reference: { ...CHANNEL, conversation: { id: `a:stored-${id}` } } });
    }
    r.messenger.faults.set(`a:stored-${b}`, [new DeliveryError('gone', 404)]);
    const batch = await done(r, `${a},${b}`);
    assert.equal(statusOf(batch, a)?.via, 'conversation');
    assert.equal(statusOf(batch, b)?.via, 'installed');
    assert.deepEqual(r.teams.installs, [b]);
    assert.equal((await r.conversations.get(TENANT, b))?.reference.conversation.id, `a:${b}`, 'the new conversation is kept');
  });

  describe('right after installing MfaBot for an admin', () => {
    const notYet = () => new DeliveryError('Bot Connector: Forbidden', 403, null, 'Forbidden');

    it('asks Teams again with backoff while it refuses the new chat, then delivers', async () => {
      const r = rig();
      const target = unregistered[2]?.id ?? '';
      r.messenger.createFaults.set(target, [notYet(), new DeliveryError('Bot Connector: NotFound', 404), notYet()]);
      const batch = await done(r, target);
      assert.equal(statusOf(batch, target)?.status, 'sent');
      assert.equal(statusOf(batch, target)?.via, 'installed');
      assert.deepEqual(r.sleeps, [1_000, 2_000, 4_000], 'waits grow between attempts');
      assert.equal(r.messenger.to(target).length, 1);
    });

    it('uses the conversation of the install event when it arrives while MfaBot waits', async () => {
      const target = unregistered[3]?.id ?? '';
      const r: Rig = rig({
        sleep: async () => {
          // Teams' installationUpdate reaches the bot, which keeps the reference (onInstall).
          await r.conversations.save({
            tenantId: TENANT, aadObjectId: target, savedAt: NOW.toISOString(), source: 'install',
            reference: { channelId: 'msteams', serviceUrl: 'https://smba.example/', conversation: { id: `a:stored-${target}`, tenantId: TENANT, conversationType: 'personal' }, bot: { id: '28:bot' } },
          });
        },
      });
      r.messenger.createFaults.set(target, Array.from({ length: 10 }, notYet));
      const batch = await done(r, target);
      assert.equal(statusOf(batch, target)?.status, 'sent');
      assert.deepEqual(r.messenger.sent.map((x) => x.conversationId), [`a:stored-${target}`]);
      assert.equal((await r.conversations.get(TENANT, target))?.source, 'install', 'the install event\'s reference is kept');
    });

    it('gives up after the last wait and says that Teams needs time, not a permission', async () => {
      const r = rig();
      const target = unregistered[4]?.id ?? '';
      r.messenger.createFaults.set(target, Array.from({ length: 10 }, notYet));
      const batch = await done(r, target);
      assert.equal(statusOf(batch, target)?.status, 'failed');
      assert.match(statusOf(batch, target)?.reason ?? '', /Teams kept refusing to open the 1:1 chat/);
      assert.equal(statusOf(batch, target)?.missing, undefined);
      assert.equal(r.sleeps.length, 5);
    });

    it('does not wait when MfaBot was installed already: a refused chat fails at once', async () => {
      const r = rig();
      const target = unregistered[5]?.id ?? '';
      r.teams.installed.add(target);
      r.messenger.createFaults.set(target, [notYet()]);
      const batch = await done(r, target);
      assert.equal(statusOf(batch, target)?.status, 'failed');
      assert.deepEqual(r.sleeps, []);
    });
  });

  it('does not install when MfaBot is already installed, and says why it cannot reach an admin otherwise', async () => {
    const r = rig();
    const a = unregistered[1]?.id ?? '';
    r.teams.installed.add(a);
    assert.equal(statusOf(await done(r, a), a)?.via, 'newChat');
    assert.deepEqual(r.teams.installs, []);

    const noApp = rig({}, { teamsAppExternalId: null });
    assert.match(statusOf(await done(noApp, a), a)?.reason ?? '', /MFABOT_TEAMS_APP_ID/);
    const notInCatalog = rig();
    notInCatalog.teams.catalog = {};
    assert.match(statusOf(await done(notInCatalog, a), a)?.reason ?? '', /not in your organisation's Teams app catalog/);
  });

  it('messages each admin once when two people click Nudge at the same moment', async () => {
    const store = new MemoryStorage();
    const first = rig({}, {}, store);
    const second = rig({}, {}, store);
    first.messenger.delayMs = 2;
    const [x, y] = await Promise.all([first.service.nudge(request('all')), second.service.nudge(request('all'))]);
    assert.ok(x.kind === 'done' && y.kind === 'done');
    const sent = [...first.messenger.sent, ...second.messenger.sent].map((s) => s.conversationId).sort();
    assert.deepEqual(sent, unregistered.map((a) => `a:${a.id}`).sort(), 'ten admins, ten messages');
  });

  it('keeps its claim on admins still queued in a long nudge: a second nudge after the claim TTL does not message them twice', async () => {
    const store = new MemoryStorage();
    const first = rig({}, { concurrency: 1 }, store);
    const second = rig({}, {}, store);
    const [stuck, queued] = [unregistered[1]?.id ?? '', unregistered[2]?.id ?? ''];
    let release = (): void => undefined;
    first.messenger.gate = new Promise<void>((r) => { release = r; });
    const running = first.service.nudge(request(`${stuck},${queued}`));
    while (first.messenger.inFlight === 0) await new Promise((r) => setImmediate(r));

    // The first delivery is held up (throttling, retries) past the claim TTL; the second admin waits behind it.
    const later = new Date(NOW.getTime() + CLAIM_TTL_MS + 60_000);
    first.clock.now = later;
    second.clock.now = later;
    const other = await second.service.nudge(request(queued, { id: ALICE, name: 'Alice Ahmed' }));
    release();
    const outcome = await running;

    assert.ok(outcome.kind === 'done' && other.kind === 'done');
    const { batch } = outcome;
    const toQueued = [...first.messenger.sent, ...second.messenger.sent].filter((s) => s.conversationId === `a:${queued}`);
    assert.equal(toQueued.length, 1, 'the queued admin got exactly one message');
    assert.equal(statusOf(batch, queued)?.status, 'skipped', 'the first nudge reports the admin as taken by the other');
    assert.equal(statusOf(batch, stuck)?.status, 'sent');
    assert.equal((await first.nudges.state(queued))?.count, 1);
  });

  it('refuses someone who may not nudge, and an empty choice, without reading the tenant', async () => {
    let reads = 0;
    const r = rig({ status: { get: async () => { reads += 1; return report(); } } });
    assert.deepEqual(await r.service.nudge(request('all', { id: 'someone', name: 'Mallory' })), { kind: 'refused', reason: 'Only approvers can nudge admins.' });
    assert.deepEqual(await r.service.nudge(request(' ')), { kind: 'empty' });
    assert.equal(reads, 0);
    assert.equal(r.messenger.sent.length, 0);
  });

  it('tells each admin which roles they hold, that CA already enforces MFA for an active Global Administrator, and who asked', async () => {
    const r = rig();
    await done(r, `${unregistered[0]?.id},${unregistered[1]?.id}`);
    const gaCard = cardText(r.messenger.to(unregistered[0]?.id ?? '')[0]);
    assert.match(gaCard, /• Global Administrator/);
    assert.match(gaCard, /Conditional Access already requires MFA for \nGlobal Administrator/);
    assert.match(gaCard, /take over the whole tenant/);
    assert.match(gaCard, /Alice Ahmed/);
    const hdCard = cardText(r.messenger.to(unregistered[1]?.id ?? '')[0]);
    assert.match(hdCard, /• Helpdesk Administrator/);
    assert.match(hdCard, /reset other people's passwords/);
  });

  describe('"I\'ve registered"', () => {
    it('thanks a registered admin and tells the channel that asked, once', async () => {
      const r = rig();
      const a = unregistered[1]?.id ?? '';
      await done(r, a);
      r.teams.registered.set(a, true);
      const outcome = await r.service.confirm({ id: a, name: 'Admin 1' });
      assert.ok(outcome.kind === 'registered');
      assert.equal(outcome.telling, true);
      assert.equal(await outcome.told, true);
      const notes = r.messenger.sent.filter((s) => s.conversationId === CHANNEL.conversation.id);
      assert.equal(notes.length, 1);
      assert.match(cardText(notes[0]?.card), /Admin 1\n registered for MFA/);
      assert.equal(r.invalidated, 1, 'the cached status is dropped');

      const again = await r.service.confirm({ id: a, name: 'Admin 1' });
      assert.ok(again.kind === 'registered');
      assert.equal(again.telling, false);
      assert.equal(await again.told, false);
      assert.equal(r.messenger.sent.filter((s) => s.conversationId === CHANNEL.conversation.id).length, 1);
    });

    it('schedules bounded re-checks when the report does not show it yet, and announces when it does', async () => {
      const r = rig();
      const a = unregistered[1]?.id ?? '';
      const b = unregistered[2]?.id ?? '';
      await done(r, `${a},${b}`);
      const first = await r.service.confirm({ id: a, name: 'Admin 1' });
      assert.deepEqual(first, { kind: 'notYet', nextCheckAt: '2025-11-26T11:00:00.000Z', batchId: first.batchId });
      await r.service.confirm({ id: b, name: 'Admin 2' });

      r.clock.now = new Date(NOW.getTime() + HOUR);
      r.teams.registered.set(a, true);
      assert.equal(await r.service.recheckDue(TENANT), 1);
      assert.match(cardText(r.messenger.sent.find((s) => s.conversationId === CHANNEL.conversation.id)?.card), /Admin 1\n registered/);
      assert.ok(r.messenger.to(a).some((c) => /Thank you/.test(cardText(c))), 'thanked in the 1:1 chat');

      // Admin 2 never shows up: one more check 4 h later, then MfaBot stops asking Graph.
      assert.equal((await r.nudges.state(b))?.recheck?.nextAt, '2025-11-26T15:00:00.000Z');
      r.clock.now = new Date(NOW.getTime() + 10 * HOUR);
      await r.service.recheckDue(TENANT);
      assert.equal((await r.nudges.state(b))?.recheck, null);
      const checks = r.teams.registrationChecks;
      r.clock.now = new Date(NOW.getTime() + 100 * HOUR);
      await r.service.recheckDue(TENANT);
      assert.equal(r.teams.registrationChecks, checks, 'no more checks once the schedule is used up');
    });
  });

  describe('policy outlook for the nudge card', () => {
    it('reads MfaBot\'s policy record and any open request to enforce it', async () => {
      const proposals = new ProposalStore(new MemoryStorage());
      assert.deepEqual(await policyOutlookFrom(proposals, NOW), { kind: 'none' });
      const record = { policyId: 'p', displayName: 'MfaBot', state: 'enabledForReportingButNotEnforced', createdAt: '2025-11-20T00:00:00Z', createdBy: { id: ALICE, name: 'A' }, requestedBy: { id: ALICE, name: 'A' } };
      await proposals.savePolicyRecord(record);
      assert.deepEqual(await policyOutlookFrom(proposals, NOW), { kind: 'reportOnly', since: record.createdAt });
      await proposals.createOpen({
        id: 'c0000000-0000-4000-8000-000000000001', kind: 'enable', status: 'pending', requestedBy: { id: ALICE, name: 'A' },
        createdAt: '2025-11-26T09:00:00Z', expiresAt: '2025-11-27T09:00:00Z', draft: null, policyId: 'p',
      }, () => true);
      assert.deepEqual(await policyOutlookFrom(proposals, NOW), { kind: 'enforcePending', since: record.createdAt, requestedAt: '2025-11-26T09:00:00Z', until: '2025-11-27T09:00:00Z' });
      await proposals.savePolicyRecord({ ...record, state: 'enabled', enforcedAt: '2025-11-26T12:00:00Z' });
      assert.deepEqual(await policyOutlookFrom(proposals, NOW), { kind: 'enforced', since: '2025-11-26T12:00:00Z' });
    });
  });
});

describe('digest use case', () => {
  const channel = (id: string): ConversationRef => ({ ...CHANNEL, conversation: { id } });

  function digestRig(send: (ref: ConversationRef) => Promise<void>, store = new MemoryStorage()) {
    const clock = { now: new Date('2025-11-26T07:00:00Z') };
    const service = new DigestService({
      subscriptions: new SubscriptionStore(store),
      lock: new OperationLock(store, () => clock.now),
      status: { get: async () => report() },
      messenger: { send: (ref) => send(ref) },
      isApprover: async (id) => id === ALICE,
      settings: { hourUtc: 8, weekday: 1, maxAdminsListed: 15 },
      logger: silentLogger(),
      now: () => clock.now,
    });
    return { service, clock, subscriptions: new SubscriptionStore(store) };
  }

  it('refuses a non-approver and stores an approver\'s subscription', async () => {
    const { service } = digestRig(async () => undefined);
    const refused = await service.subscribe({ actor: { id: 'x', name: 'X' }, cadence: 'daily', reference: channel('19:a'), tenantId: TENANT, teamId: null });
    assert.deepEqual(refused, { kind: 'refused', reason: 'Only approvers can subscribe a channel to the digest.' });
    const ok = await service.subscribe({ actor: { id: ALICE, name: 'Alice' }, cadence: 'daily', reference: channel('19:a'), tenantId: TENANT, teamId: null });
    assert.equal(ok.kind, 'subscribed');
    const changed = await service.subscribe({ actor: { id: ALICE, name: 'Alice' }, cadence: 'weekly', reference: channel('19:a'), tenantId: TENANT, teamId: null });
    assert.equal(changed.kind === 'subscribed' && changed.changed, 'daily');
  });

  it('posts due digests once per period, and drops a subscription whose conversation is gone', async () => {
    const posted: string[] = [];
    const { service, clock, subscriptions } = digestRig(async (ref) => {
      if (ref.conversation.id === '19:gone') throw new DeliveryError('not found', 404);
      posted.push(ref.conversation.id);
    });
    for (const id of ['19:a', '19:gone']) {
      await service.subscribe({ actor: { id: ALICE, name: 'Alice' }, cadence: 'daily', reference: channel(id), tenantId: TENANT, teamId: null });
    }
    clock.now = new Date('2025-11-26T08:05:00Z');
    const [one, two] = await Promise.all([service.tick(), service.tick()]);
    assert.deepEqual(one, [`${subscriptionId('19:a')}/daily:2025-11-26`]);
    assert.equal(one, two, 'overlapping ticks share one run');
    assert.deepEqual(posted, ['19:a']);
    assert.deepEqual((await subscriptions.list()).map((s) => s.reference.conversation.id), ['19:a']);
    assert.deepEqual(await service.tick(), []);
  });

  it('posts a digest once when one instance\'s tenant read outlasts its lease and another instance takes over', async () => {
    const store = new MemoryStorage();
    const clock = { now: new Date('2025-11-26T07:00:00Z') };
    const posted: string[] = [];
    let release = (): void => undefined;
    let reachedNow = (): void => undefined;
    const held = new Promise<void>((r) => { release = r; });
    const reached = new Promise<void>((r) => { reachedNow = r; });
    let first = true;
    const instance = () => new DigestService({
      subscriptions: new SubscriptionStore(store),
      lock: new OperationLock(store, () => clock.now),
      status: {
        get: async () => {
          if (first) {
            first = false;
            reachedNow();
            await held;
          }
          return report();
        },
      },
      messenger: { send: async (ref) => { posted.push(ref.conversation.id); } },
      isApprover: async (id) => id === ALICE,
      settings: { hourUtc: 8, weekday: 1, maxAdminsListed: 15 },
      logger: silentLogger(),
      now: () => clock.now,
    });
    const [one, two] = [instance(), instance()];
    await one.subscribe({ actor: { id: ALICE, name: 'Alice' }, cadence: 'daily', reference: channel('19:a'), tenantId: TENANT, teamId: null });
    clock.now = new Date('2025-11-26T08:05:00Z');
    const slow = one.tick();
    await reached;

    clock.now = new Date('2025-11-26T08:10:00Z');
    assert.deepEqual(await two.tick(), [`${subscriptionId('19:a')}/daily:2025-11-26`]);
    release();
    assert.deepEqual(await slow, [], 'the instance that lost its lease does not post');
    assert.deepEqual(posted, ['19:a'], 'one digest');
  });
});
