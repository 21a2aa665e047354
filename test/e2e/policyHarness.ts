/**
 * Starts MfaBot over HTTP, built by the composition root (src/compose.ts) from a demo-mode
 * configuration, against a simulator the test owns, with a fake Bot Connector. Bots can be closed and
 * started again on the same data directory to prove nothing is lost on restart.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { PolicyFeatureSettings } from '../../src/services/policy';
import { parseRoleScope } from '../../src/domain/roles';
import { silentLogger } from '../../src/log';
import { loadConfig } from '../../src/config';
import { buildMfaBot, type MfaBot } from '../../src/compose';
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
    exclusionGroupIds: [ON_CALL_GROUP],
    authenticationStrengthId: null,
    approverIds: [ALICE],
    approverGroupId: null,
    twoPersonRule: false,
    ...overrides,
  };
}

export interface PolicyBot {
  url: string;
  feature: { impactSummary(): ReturnType<MfaBot['policy']['impactSummary']>; idle(): Promise<void> };
  bot: MfaBot;
  close(): Promise<void>;
}

export interface PolicyBotOptions {
  sim: Simulator;
  dataDir: string;
  settings?: Partial<PolicyFeatureSettings>;
  now?: () => Date;
  invokeBudgetMs?: number;
  auditRetryDelaysMs?: readonly number[];
  /** More environment variables (e.g. MFABOT_WRITE_MODE). */
  env?: Record<string, string>;
  /** Log lines, when a test reads them. */
  logDestination?: NodeJS.WritableStream;
}

/**
 * The environment of a bot in demo mode on `sim` with a file store in `dataDir`: Fabrikam's approver,
 * break-glass account and on-call exclusion group, short Graph timeouts and no status cache.
 */
export function botEnv(sim: Simulator, dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    MFABOT_GRAPH_URL: sim.url,
    MicrosoftAppTenantId: sim.state.organization.id,
    MFABOT_STORAGE: 'file',
    MFABOT_DATA_DIR: dataDir,
    MFABOT_APPROVERS: ALICE,
    MFABOT_BREAK_GLASS: BREAK_GLASS,
    MFABOT_EXCLUSION_GROUP: ON_CALL_GROUP,
    MFABOT_STATUS_CACHE_SECONDS: '0',
    // These tests are about approvals and the policy; test/e2e/delegated.test.ts makes changes with the approver's own identity.
    MFABOT_WRITE_MODE: 'application',
    MFABOT_GRAPH_TIMEOUT_MS: '2000',
    MFABOT_GRAPH_MAX_RETRIES: '1',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

/** Listens on a free loopback port. */
export async function listen(bot: MfaBot): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    bot.server.once('error', reject);
    bot.server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(bot.server.address() as AddressInfo).port}`;
}

/** Starts a bot (not the simulator) on a free loopback port, built by the composition root. */
export async function startPolicyBot(opts: PolicyBotOptions): Promise<PolicyBot> {
  const config = loadConfig(botEnv(opts.sim, opts.dataDir, opts.env));
  const bot = buildMfaBot(config, {
    ...(opts.logDestination ? { logDestination: opts.logDestination } : { logger: silentLogger() }),
    now: opts.now,
    invokeBudgetMs: opts.invokeBudgetMs,
    auditRetryDelaysMs: opts.auditRetryDelaysMs,
    graph: { maxRetryDelayMs: 200 },
    policy: defaultSettings(opts.settings),
  });
  const url = await listen(bot);
  return {
    url,
    bot,
    feature: { impactSummary: () => bot.policy.impactSummary(), idle: () => bot.idle() },
    async close() {
      await bot.idle();
      await new Promise<void>((resolve) => bot.server.close(() => resolve()));
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
