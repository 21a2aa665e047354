/**
 * The process entry: reads the configuration, starts the simulated tenant in demo mode, builds MfaBot
 * (src/compose.ts) and serves it over HTTP until SIGTERM.
 */
import type { AddressInfo } from 'node:net';
import { loadBotConfig, secretValues, type Config } from './config';
import { createLogger, routeConsole, type Logger } from './log';
import { buildMfaBot, type Overrides } from './compose';
import { errorSummary } from './bot/failures';
import type { BotTokenNetwork } from './bot/credentials';
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

export interface StartOptions extends Pick<Overrides, 'logDestination' | 'invokeBudgetMs'> {
  /** Use this simulator instead of starting one (tests share one across bots). */
  simulator?: Simulator;
  /** Outbound Bot Connector tokens through MSAL with these login hosts and network (see bot/credentials.ts). */
  botTokenNetwork?: BotTokenNetwork;
}

/**
 * The configuration, with demo mode's simulated tenant in place: Contoso's approvers and break-glass
 * accounts are defaults only for the built-in Contoso tenant.
 */
async function configure(env: Record<string, string | undefined>, opts: StartOptions): Promise<{ config: Config; simulator: Simulator | null; ownSimulator: boolean }> {
  let config = loadBotConfig(env, opts.simulator
    ? {}
    : { approverIds: DEMO_APPROVER_IDS, breakGlassUserIds: DEMO_BREAK_GLASS_IDS, exclusionGroupIds: [DEMO_EXCLUSION_GROUP_ID] });
  let simulator: Simulator | null = opts.simulator ?? null;
  let ownSimulator = false;
  if (config.demo && !simulator && !config.graphUrlGiven) {
    const tenant = config.tenantFile ? loadFixtureFile(config.tenantFile) : demoTenant();
    simulator = await startSimulator({ tenant, port: config.simPort, host: '127.0.0.1' });
    ownSimulator = true;
  }
  if (simulator) {
    config = {
      ...config,
      tenantId: config.tenantId ?? simulator.state.organization.id,
      teamsAppId: config.teamsAppId ?? DEMO_TEAMS_APP_EXTERNAL_ID,
      graph: { ...config.graph, baseUrl: simulator.url, auth: { kind: 'none' } },
    };
  }
  return { config, simulator, ownSimulator };
}

/** Starts MfaBot from environment variables. */
export async function startMfaBot(env: Record<string, string | undefined> = process.env, opts: StartOptions = {}): Promise<RunningBot> {
  const { config, simulator, ownSimulator } = await configure(env, opts);
  const logger = createLogger({ level: config.logLevel, secrets: secretValues(config), destination: opts.logDestination });
  const bot = buildMfaBot(config, { logger, botTokenNetwork: opts.botTokenNetwork, invokeBudgetMs: opts.invokeBudgetMs });
  const { server } = bot;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${address.port}`;
  logger.info({ url, demo: config.demo, graph: config.graph.baseUrl }, 'MfaBot listening');
  bot.scheduler.start();

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
      bot.stopWork();
      // Turns first (they may start background work), then the work that outlived its turn.
      const drained = closed.then(() => bot.idle());
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
 * The playground in front of a bot in demo mode, showing its simulated tenant as the bot is configured
 * (approvers, roles). Null otherwise: the playground never runs beside a bot with real credentials.
 */
export async function startPlaygroundFor(bot: RunningBot, opts: { port?: number; logger?: Logger } = {}): Promise<Playground | null> {
  if (!bot.config.demo || !bot.simulator || !bot.config.tenantId) return null;
  return startPlayground({
    botUrl: bot.url,
    simulator: bot.simulator,
    tenantId: bot.config.tenantId,
    approverIds: bot.config.approverIds,
    approverGroupId: bot.config.approverGroupId,
    roleIds: bot.config.roleIds,
    port: opts.port ?? 0,
    host: '127.0.0.1',
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
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
  const playground = await startPlaygroundFor(bot, { port: bot.config.playgroundPort, logger: bot.logger });
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
