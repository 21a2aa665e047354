/**
 * Composition root: configuration → credential → Graph gateway → use cases → Teams app → HTTP.
 * In demo mode (no Microsoft app credentials) it also starts the simulated tenant on loopback.
 */
import type { AddressInfo } from 'node:net';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, MemoryStorage, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import { BlobServiceClient } from '@azure/storage-blob';
import { ConfigError, demoModeProblem, loadConfig, secretValues, type Config } from './config';
import { createLogger, routeConsole, type Logger } from './log';
import { createGraphClient } from './graph/client';
import { createGraphCredential } from './graph/credentials';
import { GraphTenantGateway } from './graph/gateway';
import { graphGet } from './graph/requests';
import { StatusService } from './services/status';
import { SingleFlight } from './services/cache';
import { createBotApp, errorSummary } from './bot/app';
import { MsalBotCredentialsFactory, type BotTokenNetwork } from './bot/credentials';
import { createPolicyFeature } from './bot/policy';
import { createNudgeFeature } from './bot/nudge';
import { FileStore } from './store/fileStore';
import { BlobStore } from './store/blobStore';
import type { KeyValueStore } from './store/kv';
import { createServer } from './bot/server';
import { startSimulator, type Simulator } from './sim/server';
import { startPlayground, type Playground } from './playground';
import { loadFixtureFile } from './sim/fixture';
import { demoTenant, DEMO_APPROVER_IDS, DEMO_BREAK_GLASS_IDS, DEMO_EXCLUSION_GROUP_ID, DEMO_TEAMS_APP_EXTERNAL_ID } from './sim/demo';

export interface RunningBot {
  /** Base URL of the bot, e.g. http://127.0.0.1:3978 (messages at /api/messages). */
  url: string;
  /** The simulator's base URL in demo mode. */
  simulator: Simulator | null;
  config: Config;
  logger: Logger;
  close(): Promise<void>;
}

/** How long shutdown waits for turns and background work before exiting anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface StartOptions {
  /** Where log lines go (tests collect them); stdout by default. */
  logDestination?: NodeJS.WritableStream;
  /** Use this simulator instead of starting one (tests share one across bots). */
  simulator?: Simulator;
  /** Outbound Bot Connector tokens through MSAL with these login hosts and network (see bot/credentials.ts). */
  botTokenNetwork?: BotTokenNetwork;
}

/** Starts MfaBot from environment variables. */
export async function startMfaBot(env: Record<string, string | undefined> = process.env, opts: StartOptions = {}): Promise<RunningBot> {
  const unsafeDemo = demoModeProblem(env);
  if (unsafeDemo) throw new ConfigError([unsafeDemo]);
  // Contoso's approvers and break-glass accounts are defaults only for the built-in Contoso tenant.
  const builtInDemo = !env.MicrosoftAppId?.trim() && !env.MFABOT_TENANT_FILE?.trim() && !env.MFABOT_GRAPH_URL?.trim() && !opts.simulator;
  let config = loadConfig(env, builtInDemo
    ? { approverIds: DEMO_APPROVER_IDS, breakGlassUserIds: DEMO_BREAK_GLASS_IDS, exclusionGroupId: DEMO_EXCLUSION_GROUP_ID }
    : {});
  const logger = createLogger({ level: config.logLevel, secrets: secretValues(config), destination: opts.logDestination });

  let simulator: Simulator | null = opts.simulator ?? null;
  let ownSimulator = false;
  if (config.demo && !simulator && !env.MFABOT_GRAPH_URL?.trim()) {
    const tenant = config.tenantFile ? loadFixtureFile(config.tenantFile) : demoTenant();
    simulator = await startSimulator({ tenant, port: config.simPort, host: '127.0.0.1' });
    ownSimulator = true;
  }
  if (simulator) {
    const tenantId = simulator.state.organization.id;
    config = { ...config, tenantId: config.tenantId ?? tenantId, graph: { ...config.graph, baseUrl: simulator.url, auth: { kind: 'none' } } };
  }

  const client = createGraphClient({
    baseUrl: config.graph.baseUrl,
    credential: createGraphCredential(config.graph.auth),
    timeoutMs: config.graph.timeoutMs,
    maxRetries: config.graph.maxRetries,
    logger,
  });
  const gateway = new GraphTenantGateway({ client, baseUrl: config.graph.baseUrl, tenantId: config.tenantId });
  const status = new StatusService({
    gateway,
    settings: { roleIds: config.roleIds, breakGlassUserIds: config.breakGlassUserIds, exclusionGroupId: config.exclusionGroupId },
    cacheSeconds: config.statusCacheSeconds,
    logger,
  });

  const authOptions: ConfigurationBotFrameworkAuthenticationOptions = config.bot
    ? {
        MicrosoftAppId: config.bot.appId,
        MicrosoftAppPassword: config.bot.password ?? undefined,
        MicrosoftAppType: config.bot.appType,
        MicrosoftAppTenantId: config.bot.tenantId,
        ...(config.bot.endpoints ?? {}),
      }
    : {};
  const credentialsFactory = config.bot?.password && opts.botTokenNetwork
    ? new MsalBotCredentialsFactory(config.bot.appId, config.bot.password, opts.botTokenNetwork)
    : undefined;
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication(authOptions, credentialsFactory));
  const store: KeyValueStore = config.storage === 'memory'
    ? new MemoryStorage()
    : config.storage === 'blob' && config.blob
      ? new BlobStore(BlobServiceClient.fromConnectionString(config.blob.connectionString).getContainerClient(config.blob.container))
      : new FileStore(config.dataDir);
  let impact: SingleFlight<Awaited<ReturnType<typeof policy.impactSummary>>> | null = null;
  const policy = createPolicyFeature({
    onChanged: () => impact?.invalidate(),
    client,
    baseUrl: config.graph.baseUrl,
    store,
    adapter,
    botAppId: config.bot?.appId ?? '',
    logger,
    status,
    settings: {
      roleIds: config.roleIds,
      breakGlassUserIds: config.breakGlassUserIds,
      exclusionGroupId: config.exclusionGroupId,
      authenticationStrengthId: config.policyStrengthId,
      approverIds: config.approverIds,
      approverGroupId: config.approverGroupId,
      twoPersonRule: config.twoPersonRule,
      proposalTtlMs: config.proposalTtlHours * 3_600_000,
    },
  });
  // Every status card shows the report-only impact: one sign-in read serves them all, like the status sweep.
  impact = new SingleFlight(() => policy.impactSummary(), config.statusCacheSeconds * 1000);
  const nudge = createNudgeFeature({
    client,
    baseUrl: config.graph.baseUrl,
    store,
    adapter,
    botAppId: config.bot?.appId ?? '',
    audience: config.bot?.endpoints?.ToChannelFromBotOAuthScope,
    logger,
    status,
    settings: {
      teamsAppExternalId: config.teamsAppId ?? (simulator ? DEMO_TEAMS_APP_EXTERNAL_ID : null),
      windowMs: config.nudgeWindowHours * 3_600_000,
      nudgers: config.nudgers,
      approverIds: config.approverIds,
      breakGlassUserIds: config.breakGlassUserIds,
      digestHourUtc: config.digestHourUtc,
      digestWeekday: config.digestWeekday,
      maxAdminsListed: config.maxAdminsListed,
    },
    isApprover: async (id) => (await policy.service.approverStatus(id)).approver,
    tenantId: () => config.tenantId,
    tickMs: config.schedulerIntervalMs,
  });
  const app = createBotApp({
    status,
    logger,
    extraVerbs: { ...policy.verbs, ...nudge.verbs },
    extraCommands: { ...policy.commands, ...nudge.commands },
    nudgeHistory: () => nudge.nudgeHistory(),
    isApprover: async (id) => (await policy.service.approverStatus(id)).approver,
    lifecycle: nudge,
    policyImpact: (opts) => impact?.get(opts) ?? Promise.resolve(null),
    botName: 'MfaBot',
    tenantId: () => config.tenantId,
    allowMissingTenant: config.demo,
    allowOtherChannels: config.demo,
    maxAdminsListed: config.maxAdminsListed,
  });
  const server = createServer({ adapter, app, logger, ready: readiness(client, store, logger), loopbackOnly: config.demo });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${address.port}`;
  logger.info({ url, demo: config.demo, graph: config.graph.baseUrl }, 'MfaBot listening');
  nudge.start();

  return {
    url,
    simulator,
    config,
    logger,
    async close() {
      const deadline = Date.now() + SHUTDOWN_GRACE_MS;
      // Stop accepting connections; requests already received still get their answers. Keep-alive
      // connections are closed as soon as they are idle, or the server would wait for their timeout.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const sweep = setInterval(() => server.server.closeIdleConnections?.(), 50);
      server.server.closeIdleConnections?.();
      // No nudge delivery starts from now on: the ones under way finish, the rest are queued in storage.
      nudge.stop();
      // Turns first (they may start background work), then the work that outlived its turn.
      const drained = closed.then(() => Promise.all([policy.idle(), nudge.idle()]));
      const inTime = await Promise.race([
        drained.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), Math.max(0, deadline - Date.now())).unref()),
      ]);
      clearInterval(sweep);
      if (!inTime) logger.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown grace period over: work still running was abandoned');
      if (ownSimulator && simulator) await simulator.close();
    },
  };
}

/**
 * Readiness: storage can be written and Graph answers (Graph checked at most every 30 s, so probes cost
 * no throttling budget). Reading alone proves nothing: a read-only data directory reads fine and loses
 * every approval. The endpoint needs no token, so it says only which check fails; why (file paths,
 * hosts, missing permissions) goes to the log.
 */
function readiness(client: ReturnType<typeof createGraphClient>, store: KeyValueStore, logger: Logger) {
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

/**
 * The process entry point: starts MfaBot (and the playground in demo mode), sends console output of
 * libraries through the scrubbing logger, and shuts down gracefully on SIGTERM or SIGINT (a second
 * signal exits at once).
 */
export async function main(env: Record<string, string | undefined> = process.env, opts: StartOptions = {}): Promise<void> {
  const bot = await startMfaBot(env, opts);
  // botbuilder writes auth failures and turn errors with console.error: as JSON, scrubbed, like ours.
  routeConsole(bot.logger);
  // The last line of defence: every rejection and exception is meant to be handled where it happens,
  // and one that is not must not stop the bot for every other conversation.
  process.on('unhandledRejection', (reason) => bot.logger.error({ err: errorSummary(reason) }, 'unhandled rejection: MfaBot keeps serving'));
  process.on('uncaughtException', (err) => bot.logger.error({ err: errorSummary(err) }, 'uncaught exception: MfaBot keeps serving'));
  // The playground exists only in demo mode: never beside a bot with real credentials.
  let playground: Playground | null = null;
  if (bot.config.demo && bot.simulator && bot.config.tenantId) {
    playground = await startPlayground({
      botUrl: bot.url,
      simulator: bot.simulator,
      tenantId: bot.config.tenantId,
      approverIds: bot.config.approverIds,
      approverGroupId: bot.config.approverGroupId,
      roleIds: bot.config.roleIds,
      port: bot.config.playgroundPort,
      host: '127.0.0.1',
      logger: bot.logger,
    });
  }
  if (bot.config.demo) {
    process.stdout.write(
      `\nMfaBot is running in demo mode on the simulated tenant.\n` +
        (playground ? `  Playground:      ${playground.url}   <- open this in a browser\n` : '') +
        `  Bot endpoint:    ${bot.url}/api/messages\n` +
        `  Simulated Graph: ${bot.simulator?.graphUrl ?? bot.config.graph.baseUrl}\n\n`,
    );
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      bot.logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    bot.logger.info({ signal }, 'shutting down');
    try {
      await playground?.close();
      await bot.close();
      bot.logger.info('stopped');
      process.exit(0);
    } catch (err) {
      bot.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
