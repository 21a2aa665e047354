/**
 * The composition root: configuration → Graph client and gateways → storage → use cases → Teams
 * handlers → HTTP server. Everything that runs MfaBot builds it here (the process entry, the test
 * harnesses), so no part is wired twice; `overrides` are the test knobs (a clock, storage, budgets).
 */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, MemoryStorage, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import type { Server } from 'restify';
import type { Application, TurnState } from '@microsoft/teams-ai';
import { BlobServiceClient } from '@azure/storage-blob';
import type { Client } from '@microsoft/microsoft-graph-client';
import { secretValues, type Config } from './config';
import { createLogger, type Logger } from './log';
import { createGraphClient } from './graph/client';
import { createGraphCredential } from './graph/credentials';
import { GraphTenantGateway } from './graph/gateway';
import { GraphPimGateway } from './graph/pimGateway';
import { GraphPolicyGateway } from './graph/policyGateway';
import { GraphTeamsGateway, type TeamsGateway } from './graph/teamsGateway';
import { graphGet } from './graph/requests';
import { StatusService } from './services/status';
import { SingleFlight } from './services/cache';
import { PolicyService, type PolicyFeatureSettings } from './services/policy';
import { NudgeService, policyOutlookFrom, type NudgeSettings } from './services/nudge';
import { DigestService } from './services/digest';
import { stuckAdmins, type EnforcementAftermath } from './domain/aftermath';
import type { ImpactSummary } from './domain/impact';
import { createBotApp } from './bot/app';
import { BackgroundWork } from './bot/background';
import { MsalBotCredentialsFactory, type BotTokenNetwork } from './bot/credentials';
import { DEFAULT_INVOKE_BUDGET_MS } from './bot/invoke';
import { createLifecycle } from './bot/lifecycle';
import { createNudgeHandlers } from './bot/nudgeHandlers';
import { createPolicyHandlers } from './bot/policyHandlers';
import { createPolicyPresenter } from './bot/policyPresenter';
import { createMessenger } from './bot/proactive';
import { createScheduler, type Scheduler } from './bot/scheduler';
import { createServer } from './bot/server';
import { createSignIn } from './bot/signIn';
import { DelegatedAccess, loginNetwork } from './graph/delegated';
import { delegatedWrites } from './graph/writeAccess';
import { applicationWrites, type WriteIdentity } from './services/writeAccess';
import { SIM_APP_ID } from './sim/control';
import { SIM_APP_SECRET, SIM_LOGIN_HOST } from './sim/identity';
import { AuditLog } from './store/audit';
import { BlobStore } from './store/blobStore';
import { ConversationStore } from './store/conversations';
import { FileStore } from './store/fileStore';
import type { KeyValueStore } from './store/kv';
import { OperationLock } from './store/lock';
import { NudgeStore } from './store/nudges';
import { ProposalStore } from './store/proposals';
import { SubscriptionStore } from './store/subscriptions';
import { TeamsIdStore } from './store/teamsIds';

/** Test knobs, and what the process entry supplies beyond configuration. */
export interface Overrides {
  logger?: Logger;
  /** Where log lines go when no `logger` is given (stdout by default). */
  logDestination?: NodeJS.WritableStream;
  store?: KeyValueStore;
  now?: () => Date;
  /** How long a click's work may take before a "working" card answers. */
  invokeBudgetMs?: number;
  /** Outbound Bot Connector tokens through MSAL with these login hosts and network (see bot/credentials.ts). */
  botTokenNetwork?: BotTokenNetwork;
  /** Graph client limits (tests shorten them). */
  graph?: { maxRetryDelayMs?: number };
  /** Settings no environment variable carries (tests: proposal lifetimes in ms, re-check delays). */
  policy?: Partial<PolicyFeatureSettings>;
  nudge?: Partial<NudgeSettings>;
  auditRetryDelaysMs?: readonly number[];
  /** Waits between Bot Connector retries (tests). */
  sleep?: (ms: number) => Promise<void>;
}

/** MfaBot, built but not listening. */
export interface MfaBot {
  config: Config;
  logger: Logger;
  client: Client;
  store: KeyValueStore;
  status: StatusService;
  policy: PolicyService;
  nudges: NudgeService;
  digests: DigestService;
  app: Application<TurnState>;
  server: Server;
  scheduler: Scheduler;
  /** Resolves when work that outlived its turn (slow clicks, deliveries, a scheduler pass) has finished. */
  idle(): Promise<void>;
  /** Graceful shutdown: stops the scheduler and nudge delivery; deliveries under way finish. */
  stopWork(): void;
}

/** The Graph client and the gateway for the tenant read, as configured. */
export function buildGraph(config: Config, logger: Logger, overrides: Pick<Overrides, 'graph'> = {}) {
  const client = createGraphClient({
    baseUrl: config.graph.baseUrl,
    credential: createGraphCredential(config.graph.auth),
    timeoutMs: config.graph.timeoutMs,
    maxRetries: config.graph.maxRetries,
    logger,
    ...(overrides.graph?.maxRetryDelayMs !== undefined ? { maxRetryDelayMs: overrides.graph.maxRetryDelayMs } : {}),
  });
  const gateway = new GraphTenantGateway({ client, baseUrl: config.graph.baseUrl, tenantId: config.tenantId });
  return { client, gateway };
}

/** Storage as configured: a folder of files, Azure Blob Storage, or memory (tests). */
export function buildStore(config: Config): KeyValueStore {
  if (config.storage === 'memory') return new MemoryStorage();
  if (config.storage === 'blob' && config.blob) {
    return new BlobStore(BlobServiceClient.fromConnectionString(config.blob.connectionString).getContainerClient(config.blob.container));
  }
  return new FileStore(config.dataDir);
}

function buildAdapter(config: Config, overrides: Overrides): CloudAdapter {
  const authOptions: ConfigurationBotFrameworkAuthenticationOptions = config.bot
    ? {
        MicrosoftAppId: config.bot.appId,
        MicrosoftAppPassword: config.bot.password ?? undefined,
        MicrosoftAppType: config.bot.appType,
        MicrosoftAppTenantId: config.bot.tenantId,
        ...(config.bot.endpoints ?? {}),
      }
    : {};
  const credentialsFactory = config.bot?.password && overrides.botTokenNetwork
    ? new MsalBotCredentialsFactory(config.bot.appId, config.bot.password, overrides.botTokenNetwork)
    : undefined;
  return new CloudAdapter(new ConfigurationBotFrameworkAuthentication(authOptions, credentialsFactory));
}

function policySettings(config: Config, overrides: Overrides): PolicyFeatureSettings {
  return {
    roleIds: config.roleIds,
    breakGlassUserIds: config.breakGlassUserIds,
    exclusionGroupIds: config.exclusionGroupIds,
    authenticationStrengthId: config.policyStrengthId,
    approverIds: config.approverIds,
    approverGroupId: config.approverGroupId,
    twoPersonRule: config.twoPersonRule,
    proposalTtlMs: config.proposalTtlHours * 3_600_000,
    ...overrides.policy,
  };
}

/** What every part shares: the tenant read, storage, the Bot Framework adapter and its messenger. */
function buildCore(config: Config, overrides: Overrides) {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, secrets: secretValues(config), destination: overrides.logDestination });
  const now = overrides.now ?? (() => new Date());
  const { client, gateway } = buildGraph(config, logger, overrides);
  const store = overrides.store ?? buildStore(config);
  const adapter = buildAdapter(config, overrides);
  const tenantId = () => config.tenantId;
  const status = new StatusService({
    gateway,
    settings: { roleIds: config.roleIds, breakGlassUserIds: config.breakGlassUserIds, exclusionGroupId: null, exclusionGroupIds: config.exclusionGroupIds },
    cacheSeconds: config.statusCacheSeconds,
    logger,
    now,
  });
  const messenger = createMessenger(adapter, config.bot?.appId ?? '', { audience: config.bot?.endpoints?.ToChannelFromBotOAuthScope, tenantId, logger });
  return { config, overrides, logger, now, client, store, adapter, tenantId, status, messenger, background: new BackgroundWork(), proposals: new ProposalStore(store) };
}

type Core = ReturnType<typeof buildCore>;

/**
/**
 * The single sign-on settings: Entra ID's as configured, or in demo mode the simulated tenant's own
 * identity provider (its login host answered by the simulator).
 */
function ssoSettings(config: Config): NonNullable<Config['writes']['sso']> & { network?: { knownAuthorities: string[]; networkClient: ReturnType<typeof loginNetwork> } } {
  if (config.writes.sso) return config.writes.sso;
  return {
    clientId: SIM_APP_ID, clientSecret: SIM_APP_SECRET, resource: `api://botid-${SIM_APP_ID}`, authorityHost: `https://${SIM_LOGIN_HOST}`, connectionName: null,
    network: { knownAuthorities: [SIM_LOGIN_HOST], networkClient: loginNetwork(SIM_LOGIN_HOST, `${config.graph.baseUrl}/_sim/idp`) },
  };
}

/** How changes are made: with the approver's own identity (exchanged on their behalf), or the app's permissions. */
function buildWriteIdentity(core: Core, gateway: GraphPolicyGateway, pim: GraphPimGateway): WriteIdentity {
  const { config, logger } = core;
  if (config.writes.mode === 'application') return applicationWrites(gateway, pim);
  const sso = ssoSettings(config);
  const access = new DelegatedAccess({ ...sso, tenantId: config.tenantId ?? '', now: core.now });
  return delegatedWrites(access, { baseUrl: config.graph.baseUrl, timeoutMs: config.graph.timeoutMs, maxRetries: config.graph.maxRetries, logger });
}

/**
 * The policy use cases, and what every status card shows of the policy's effect: the report-only
 * impact, and who got stuck after enforcement (one sign-in read serves all the cards of a while).
 */
function buildPolicy(core: Core) {
  const { config, overrides, store, now, status } = core;
  let impact: SingleFlight<ImpactSummary | null> | null = null;
  let aftermath: SingleFlight<EnforcementAftermath | null> | null = null;
  const gateway = new GraphPolicyGateway({ client: core.client, baseUrl: config.graph.baseUrl });
  const pim = new GraphPimGateway({ client: core.client, baseUrl: config.graph.baseUrl });
  const policy = new PolicyService({
    gateway, pim, writeIdentity: buildWriteIdentity(core, gateway, pim), proposals: core.proposals, audit: new AuditLog(store),
    lock: new OperationLock(store, now), settings: policySettings(config, overrides), logger: core.logger, now, auditRetryDelaysMs: overrides.auditRetryDelaysMs,
    admins: async () => (await status.get()).admins,
    onChanged: () => {
      status.invalidate();
      impact?.invalidate();
      aftermath?.invalidate();
    },
  });
  impact = new SingleFlight(() => policy.impactSummary(), config.statusCacheSeconds * 1000, () => now().getTime());
  aftermath = new SingleFlight(() => policy.afterEnforcement(), config.statusCacheSeconds * 1000, () => now().getTime());
  const isApprover = async (id: string) => (await policy.approverStatus(id)).approver;
  return { policy, impact, aftermath, isApprover };
}

/** Nudges and digests; `aftermath` says who the enforced policy stopped at sign-in (they may be nudged too). */
function buildNudging(core: Core, isApprover: (id: string) => Promise<boolean>, aftermath: (opts?: { fresh?: boolean }) => Promise<EnforcementAftermath | null>) {
  const { config, overrides, store, now, status, messenger, logger } = core;
  const nudgeStore = new NudgeStore(store);
  const policyOutlook = () => policyOutlookFrom(core.proposals, now());
  const teams: TeamsGateway = new GraphTeamsGateway({ client: core.client, baseUrl: config.graph.baseUrl });
  const nudges = new NudgeService({
    status, teams, messenger, conversations: new ConversationStore(store), nudges: nudgeStore, isApprover, policyOutlook, logger, now, sleep: overrides.sleep,
    stuck: async () => stuckAdmins(await aftermath({ fresh: true }).catch(() => null)),
    settings: {
      teamsAppExternalId: config.teamsAppId, windowMs: config.nudgeWindowHours * 3_600_000, nudgers: config.nudgers, breakGlassUserIds: config.breakGlassUserIds,
      ...overrides.nudge,
    },
  });
  const digests = new DigestService({
    subscriptions: new SubscriptionStore(store), lock: new OperationLock(store, now), status, messenger, isApprover, logger, now, policyOutlook,
    nudgeHistory: () => nudgeStore.history(),
    aftermath: () => aftermath({ fresh: true }),
    settings: { hourUtc: config.digestHourUtc, weekday: config.digestWeekday, maxAdminsListed: config.maxAdminsListed },
  });
  return { nudges, digests, nudgeStore };
}

/** Builds MfaBot from a configuration: every part, wired once. */
export function buildMfaBot(config: Config, overrides: Overrides = {}): MfaBot {
  const core = buildCore(config, overrides);
  const { logger, now, store, background, messenger } = core;
  const budgetMs = overrides.invokeBudgetMs ?? DEFAULT_INVOKE_BUDGET_MS;
  const { policy, impact, aftermath, isApprover } = buildPolicy(core);
  const { nudges, digests, nudgeStore } = buildNudging(core, isApprover, (opts) => aftermath.get(opts));
  const teamsIds = new TeamsIdStore(store);
  const lifecycle = createLifecycle({ conversations: new ConversationStore(store), teamsIds, forgetDigests: (where) => digests.forget(where), tenantId: core.tenantId, now, logger });
  const sso = ssoSettings(config);
  const signIn = createSignIn({ resource: sso.resource, connectionName: sso.connectionName, adapter: core.adapter, logger, now });
  const policyHandlers = createPolicyHandlers({
    service: policy, presenter: createPolicyPresenter({ service: policy, teamsIds, now }), messenger, lifecycle, signIn, background, logger, invokeBudgetMs: budgetMs,
  });
  const nudgeHandlers = createNudgeHandlers({
    service: nudges, digests, messenger, lifecycle, background, logger, now, invokeBudgetMs: budgetMs, windowMs: config.nudgeWindowHours * 3_600_000,
    digestHourUtc: config.digestHourUtc, digestWeekday: config.digestWeekday, botAppId: config.bot?.appId ?? '',
  });
  const scheduler = createScheduler([
    { name: 'resume queued nudges', run: () => nudgeHandlers.resumeQueued() },
    { name: 'post due digests', run: async () => { await digests.tick(); } },
    { name: 're-check registrations', run: async () => { await nudges.recheckDue(config.tenantId); } },
  ], { intervalMs: config.schedulerIntervalMs, logger, background });
  const app = createBotApp({
    status: core.status, logger, botName: 'MfaBot', tenantId: core.tenantId, maxAdminsListed: config.maxAdminsListed,
    allowMissingTenant: config.demo, allowOtherChannels: config.demo,
    extraVerbs: { ...policyHandlers.verbs, ...nudgeHandlers.verbs },
    extraCommands: { ...policyHandlers.commands, ...nudgeHandlers.commands },
    nudgeHistory: () => nudgeStore.history(), isApprover, lifecycle, signIn,
    policyImpact: (opts) => impact.get(opts),
    policyAftermath: (opts) => aftermath.get(opts),
  });
  const server = createServer({ adapter: core.adapter, app, logger, ready: readiness(core.client, store, logger), loopbackOnly: config.demo });
  return {
    config, logger, client: core.client, store, status: core.status, policy, nudges, digests, app, server, scheduler,
    idle: () => background.idle(),
    stopWork() {
      scheduler.stop();
      nudges.drain();
    },
  };
}

/**
 * Readiness: storage can be written and Graph answers (Graph checked at most every 30 s, so probes cost
 * no throttling budget). Reading alone proves nothing: a read-only data directory reads fine and loses
 * every approval. The endpoint needs no token, so it says only which check fails; why (file paths,
 * hosts, missing permissions) goes to the log.
 */
function readiness(client: Client, store: KeyValueStore, logger: Logger) {
  let last: { at: number; ok: boolean } | null = null;
  // One item for every instance: an unconditional write never conflicts, and nothing accumulates.
  const probeKey = 'health/probe';
  return async () => {
    let storageOk = true;
    try {
      await store.write({ [probeKey]: { at: new Date().toISOString() } });
      await store.read([probeKey]);
    } catch (err) {
      storageOk = false;
      logger.warn({ detail: err instanceof Error ? err.message : String(err) }, 'readiness: storage not reachable');
    }
    if (!last || Date.now() - last.at > 30_000) {
      try {
        await graphGet(client, '/organization?$select=id');
        last = { at: Date.now(), ok: true };
      } catch (err) {
        logger.warn({ detail: err instanceof Error ? err.message : String(err) }, 'readiness: Graph not reachable');
        last = { at: Date.now(), ok: false };
      }
    }
    const word = (ok: boolean): string => (ok ? 'ok' : 'failing');
    return { ok: last.ok && storageOk, checks: { storage: word(storageOk), graph: word(last.ok) } };
  };
}
