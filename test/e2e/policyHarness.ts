/**
 * Starts MfaBot with the policy feature over HTTP, composed exactly as the composition root does
 * (Graph client → status service → policy feature → createBotApp → restify with CloudAdapter), against
 * a simulator the test owns, with a fake Bot Connector. Bots can be closed and started again on the
 * same data directory to prove nothing is lost on restart.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { createGraphClient } from '../../src/graph/client';
import { GraphTenantGateway } from '../../src/graph/gateway';
import { StatusService } from '../../src/services/status';
import { createBotApp } from '../../src/bot/app';
import { createServer } from '../../src/bot/server';
import { createPolicyFeature, type PolicyFeature } from '../../src/bot/policy';
import type { PolicyFeatureSettings } from '../../src/services/policy';
import { FileStore } from '../../src/store/fileStore';
import { parseRoleScope } from '../../src/domain/roles';
import { silentLogger } from '../../src/log';
import { loadFixtureFile, type TenantFixture } from '../../src/sim/fixture';
import { startSimulator, type Simulator } from '../../src/sim/server';

export const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fabrikam.json');
export const TENANT = 'f1b2c3d4-0000-4000-8000-00000000fab1';
export const ALICE = 'a1000000-0000-4000-8000-000000000001';
export const BOB = 'a1000000-0000-4000-8000-000000000002';
export const CAROL = 'a1000000-0000-4000-8000-000000000003';
export const ERIN = 'a1000000-0000-4000-8000-000000000005';
export const BREAK_GLASS = 'b9000000-0000-4000-8000-0000000000b1';
export const ON_CALL_GROUP = 'c0000000-0000-4000-8000-0000000000c2';
export const POLICIES_PATH = '/v1.0/identity/conditionalAccess/policies';

export function fabrikam(): TenantFixture {
  return loadFixtureFile(FIXTURE);
}

export function tempDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'mfabot-policy-'));
}

export function defaultSettings(overrides: Partial<PolicyFeatureSettings> = {}): PolicyFeatureSettings {
  return {
    roleIds: parseRoleScope('template'),
    breakGlassUserIds: [BREAK_GLASS],
    exclusionGroupId: ON_CALL_GROUP,
    authenticationStrengthId: null,
    approverIds: [ALICE],
    approverGroupId: null,
    twoPersonRule: false,
    ...overrides,
  };
}

export interface PolicyBot {
  url: string;
  feature: PolicyFeature;
  close(): Promise<void>;
}

export interface PolicyBotOptions {
  sim: Simulator;
  dataDir: string;
  settings?: Partial<PolicyFeatureSettings>;
  now?: () => Date;
  invokeBudgetMs?: number;
  auditRetryDelaysMs?: readonly number[];
}

/** Starts a bot (not the simulator) on a free loopback port. */
export async function startPolicyBot(opts: PolicyBotOptions): Promise<PolicyBot> {
  const logger = silentLogger();
  const settings = defaultSettings(opts.settings);
  const client = createGraphClient({ baseUrl: opts.sim.url, credential: null, timeoutMs: 2_000, maxRetries: 1, logger, maxRetryDelayMs: 200 });
  const gateway = new GraphTenantGateway({ client, baseUrl: opts.sim.url, tenantId: opts.sim.state.organization.id });
  const status = new StatusService({
    gateway,
    settings: { roleIds: settings.roleIds as string[], breakGlassUserIds: [...settings.breakGlassUserIds], exclusionGroupId: settings.exclusionGroupId },
    cacheSeconds: 0,
  });
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const feature = createPolicyFeature({
    client, baseUrl: opts.sim.url, store: new FileStore(opts.dataDir), settings, adapter, botAppId: '', logger, status,
    now: opts.now, invokeBudgetMs: opts.invokeBudgetMs, auditRetryDelaysMs: opts.auditRetryDelaysMs,
  });
  const app = createBotApp({
    status, logger, botName: 'MfaBot', tenantId: () => opts.sim.state.organization.id, allowMissingTenant: true, maxAdminsListed: 15,
    extraVerbs: feature.verbs, extraCommands: feature.commands,
  });
  const server = createServer({ adapter, app, logger });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    feature,
    async close() {
      await feature.idle();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function startSim(tenant: TenantFixture = fabrikam(), grantedPermissions?: readonly string[]): Promise<Simulator> {
  return startSimulator({ tenant, port: 0, host: '127.0.0.1', ...(grantedPermissions ? { grantedPermissions } : {}) });
}

/** Graph writes to CA policies the simulator served. */
export function policyWrites(sim: Simulator): { method: string; path: string; status: number }[] {
  return sim.requests().filter((r) => r.method !== 'GET' && r.path.startsWith(POLICIES_PATH));
}
