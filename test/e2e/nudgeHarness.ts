/**
 * Starts MfaBot over HTTP, built by the composition root, against a simulator the test owns, a fake
 * Bot Connector and a clock the test moves. Several bots may share one data directory (instances of
 * one deployment), and a bot can be restarted on the same directory.
 */
import { randomUUID } from 'node:crypto';
import { FileStore } from '../../src/store/fileStore';
import { silentLogger } from '../../src/log';
import { MFABOT_TEAMS_APP_EXTERNAL_ID } from '../../src/sim/defaults';
import type { TenantFixture } from '../../src/sim/fixture';
import type { Simulator } from '../../src/sim/server';
import { BOT_ID } from '../support/activities';
import { ALICE, botEnv, defaultSettings, fabrikam, listen } from './policyHarness';
import { loadConfig } from '../../src/config';
import { buildMfaBot, type MfaBot } from '../../src/compose';
import { NudgeStore } from '../../src/store/nudges';
import type { NudgeSettings } from '../../src/services/nudge';

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
  /** The nudge feature as tests drive it: history, one scheduler pass, and waiting for background work. */
  nudge: { nudgeHistory(): ReturnType<NudgeStore['history']>; tick(): Promise<void>; idle(): Promise<void> };
  bot: MfaBot;
  store: FileStore;
  close(): Promise<void>;
}

export interface NudgeBotOptions {
  sim: Simulator;
  dataDir: string;
  clock: TestClock;
  settings?: Partial<NudgeSettings>;
  approverIds?: string[];
  invokeBudgetMs?: number;
}

/** Starts a bot (not the simulator) on a free loopback port, built by the composition root. */
export async function startNudgeBot(opts: NudgeBotOptions): Promise<NudgeBot> {
  const store = new FileStore(opts.dataDir);
  const env = botEnv(opts.sim, opts.dataDir, { MFABOT_TEAMS_APP_ID: MFABOT_TEAMS_APP_EXTERNAL_ID, MFABOT_DIGEST_HOUR_UTC: '8', MFABOT_DIGEST_WEEKDAY: '1' });
  const bot = buildMfaBot(loadConfig(env), {
    logger: silentLogger(),
    store,
    now: opts.clock.now,
    invokeBudgetMs: opts.invokeBudgetMs,
    graph: { maxRetryDelayMs: 200 },
    sleep: async () => undefined,
    policy: defaultSettings({ approverIds: opts.approverIds ?? [ALICE] }),
    nudge: opts.settings,
  });
  const url = await listen(bot);
  const nudgeStore = new NudgeStore(store);
  return {
    url,
    bot,
    store,
    nudge: { nudgeHistory: () => nudgeStore.history(), tick: () => bot.scheduler.tick(), idle: () => bot.idle() },
    async close() {
      bot.stopWork();
      await bot.idle();
      await new Promise<void>((resolve) => bot.server.close(() => resolve()));
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
