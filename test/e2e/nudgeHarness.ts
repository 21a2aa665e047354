/**
 * Starts MfaBot with the policy and nudge features over HTTP, composed as the composition root will
 * (Graph client → status service → features → createBotApp with both features' verbs and commands →
 * conversationUpdate/installationUpdate routes → restify with CloudAdapter), against a simulator the
 * test owns, a fake Bot Connector and a clock the test moves. Several bots may share one data
 * directory (instances of one deployment), and a bot can be restarted on the same directory.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { createGraphClient } from '../../src/graph/client';
import { GraphTenantGateway } from '../../src/graph/gateway';
import { StatusService } from '../../src/services/status';
import { createBotApp } from '../../src/bot/app';
import { createServer } from '../../src/bot/server';
import { createPolicyFeature, type PolicyFeature } from '../../src/bot/policy';
import { createNudgeFeature, type NudgeFeature, type NudgeFeatureSettings } from '../../src/bot/nudge';
import { DEFAULT_NUDGE_WINDOW_MS } from '../../src/domain/nudge';
import { FileStore } from '../../src/store/fileStore';
import { silentLogger } from '../../src/log';
import { MFABOT_TEAMS_APP_EXTERNAL_ID } from '../../src/sim/defaults';
import type { TenantFixture } from '../../src/sim/fixture';
import type { Simulator } from '../../src/sim/server';
import { BOT_ID } from '../support/activities';
import { ALICE, BREAK_GLASS, defaultSettings, fabrikam } from './policyHarness';

export { ALICE, BOB, CAROL, ERIN, BREAK_GLASS, TENANT, startSim, tempDataDir } from './policyHarness';

export const DAVE = 'a1000000-0000-4000-8000-000000000004';
export const FRANK = 'a1000000-0000-4000-8000-000000000006';
export const GINA = 'a1000000-0000-4000-8000-000000000007';
/** MfaBot in Fabrikam's org app catalog (the fixture has none; tests add it). */
export const CATALOG_APP_ID = '7e57ab00-0000-4000-8000-00000000a991';

/** Fabrikam with MfaBot in its app catalog, installed for Alice only. */
export function fabrikamWithApp(): TenantFixture {
  const tenant = fabrikam();
  tenant.teamsApps = [{ id: CATALOG_APP_ID, externalId: MFABOT_TEAMS_APP_EXTERNAL_ID, displayName: 'MfaBot', distributionMethod: 'organization' }];
  tenant.userInstalledApps = { [ALICE]: [CATALOG_APP_ID] };
  return tenant;
}

/** A clock the test moves; every feature of a bot reads it. */
export class TestClock {
  constructor(public current: Date = new Date()) {}
  readonly now = (): Date => new Date(this.current.getTime());
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

export interface NudgeBot {
  url: string;
  nudge: NudgeFeature;
  policy: PolicyFeature;
  store: FileStore;
  close(): Promise<void>;
}

export interface NudgeBotOptions {
  sim: Simulator;
  dataDir: string;
  clock: TestClock;
  settings?: Partial<NudgeFeatureSettings>;
  approverIds?: string[];
  invokeBudgetMs?: number;
}

/** Starts a bot (not the simulator) on a free loopback port. */
export async function startNudgeBot(opts: NudgeBotOptions): Promise<NudgeBot> {
  const logger = silentLogger();
  const policySettings = defaultSettings({ approverIds: opts.approverIds ?? [ALICE] });
  const client = createGraphClient({ baseUrl: opts.sim.url, credential: null, timeoutMs: 2_000, maxRetries: 1, logger, maxRetryDelayMs: 200 });
  const tenantId = opts.sim.state.organization.id;
  const gateway = new GraphTenantGateway({ client, baseUrl: opts.sim.url, tenantId });
  const status = new StatusService({
    gateway,
    settings: { roleIds: policySettings.roleIds as string[], breakGlassUserIds: [...policySettings.breakGlassUserIds], exclusionGroupId: policySettings.exclusionGroupId },
    cacheSeconds: 0,
  });
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const store = new FileStore(opts.dataDir);
  const policy = createPolicyFeature({
    client, baseUrl: opts.sim.url, store, settings: policySettings, adapter, botAppId: '', logger, status, now: opts.clock.now,
  });
  const nudge = createNudgeFeature({
    client,
    baseUrl: opts.sim.url,
    store,
    adapter,
    botAppId: '',
    logger,
    status,
    settings: {
      teamsAppExternalId: MFABOT_TEAMS_APP_EXTERNAL_ID,
      windowMs: DEFAULT_NUDGE_WINDOW_MS,
      nudgers: { kind: 'approvers' },
      approverIds: policySettings.approverIds,
      breakGlassUserIds: [BREAK_GLASS],
      digestHourUtc: 8,
      digestWeekday: 1,
      maxAdminsListed: 15,
      ...opts.settings,
    },
    isApprover: async (id) => (await policy.service.approverStatus(id)).approver,
    tenantId: () => tenantId,
    now: opts.clock.now,
    invokeBudgetMs: opts.invokeBudgetMs,
    sleep: async () => undefined,
  });

  // Wired as index.ts wires it: both features' verbs and commands, install/uninstall and references.
  const app = createBotApp({
    status, logger, botName: 'MfaBot', tenantId: () => tenantId, allowMissingTenant: true, maxAdminsListed: 15,
    extraVerbs: { ...policy.verbs, ...nudge.verbs },
    extraCommands: { ...policy.commands, ...nudge.commands },
    policyImpact: () => policy.impactSummary(),
    nudgeHistory: () => nudge.nudgeHistory(),
    lifecycle: nudge,
  });

  const server = createServer({ adapter, app, logger });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    nudge,
    policy,
    store,
    async close() {
      nudge.stop();
      await Promise.all([policy.idle(), nudge.idle()]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface PersonalOptions {
  serviceUrl: string;
  tenantId: string;
  userId: string;
  name: string;
  conversationId: string;
}

function personalBase(o: PersonalOptions) {
  return {
    id: randomUUID(),
    channelId: 'msteams',
    serviceUrl: o.serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: `29:${o.userId}`, name: o.name, aadObjectId: o.userId },
    recipient: { id: BOT_ID, name: 'MfaBot' },
    conversation: { id: o.conversationId, conversationType: 'personal', tenantId: o.tenantId, isGroup: false },
    channelData: { tenant: { id: o.tenantId } },
  };
}

/** What Teams sends when a user installs (`add`) or uninstalls (`remove`) MfaBot in their personal scope. */
export function installationUpdate(action: 'add' | 'remove', o: PersonalOptions) {
  return { ...personalBase(o), type: 'installationUpdate', action };
}

/** conversationUpdate for the bot added to (or removed from) a user's personal scope. */
export function botMembership(change: 'membersAdded' | 'membersRemoved', o: PersonalOptions) {
  return { ...personalBase(o), type: 'conversationUpdate', [change]: [{ id: BOT_ID }] };
}

/** A click in a 1:1 chat (the nudge card's "I've registered"). */
export function personalCardAction(verb: string, data: Record<string, unknown>, o: PersonalOptions & { replyToId?: string }) {
  return {
    ...personalBase(o),
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId: o.replyToId ?? randomUUID(),
    value: { action: { type: 'Action.Execute', id: verb, verb, data }, trigger: 'manual' },
  };
}
