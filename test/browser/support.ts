/**
 * Browser tests' plumbing: Debian's Chromium through playwright-core (no browser download), headless
 * with the flags that work offline and a fresh profile each time; MfaBot in demo mode with its
 * simulated tenant and the playground in front of it, exactly as `npm start` composes them.
 *
 * A missing Chromium fails under CI (CI set) and skips, saying so, elsewhere.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startMfaBot, startPlaygroundFor, type RunningBot } from '../../src/index';
import type { Playground } from '../../src/playground';
import type { RelayResult, TenantUser, TenantView } from '../../src/playground/protocol';

/** Debian's package `chromium`; CHROMIUM_PATH points elsewhere (e.g. another distribution's binary). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Offline-safe flags (machines/node.md): without the background-networking ones Chromium keeps dialling out. */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', 'test-output', 'screenshots');

/**
 * Call first in a `before` hook. Under CI a missing Chromium is a failure, never a skip; elsewhere the
 * suite is skipped with a message saying how to get it.
 */
export function requireChromium(ctx: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  const message = `Chromium not found at ${CHROMIUM}: install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH.`;
  if (process.env.CI) throw new Error(`${message} Browser tests may not be skipped under CI.`);
  process.stderr.write(`\n  skipping browser tests: ${message}\n`);
  ctx.skip();
}

export interface Browser {
  context: BrowserContext;
  /** A new tab; renderer problems (console errors and warnings, uncaught errors) are collected in `problems`. */
  newPage(): Promise<{ page: Page; problems: string[] }>;
  close(): Promise<void>;
}

/** Starts headless Chromium with a fresh, throw-away profile. */
export async function launchBrowser(viewport = { width: 1400, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'mfabot-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.setDefaultTimeout(10_000);
      return { page, problems };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface Stack {
  bot: RunningBot;
  playground: Playground;
  /** The simulated tenant as the playground shows it. */
  tenant(): Promise<TenantView>;
  /** Sends a Bot Framework activity through the playground, as the page does; answers the bot's HTTP answer. */
  relay(activity: Record<string, unknown>): Promise<RelayResult>;
  close(): Promise<void>;
}

/** MfaBot in demo mode (built-in Contoso tenant, in-memory storage) and the playground in front of it. */
export async function startStack(): Promise<Stack> {
  const bot = await startMfaBot({ PORT: '0', SIM_PORT: '0', LOG_LEVEL: 'silent', MFABOT_STORAGE: 'memory' });
  const playground = await startPlaygroundFor(bot);
  if (!playground) throw new Error('demo mode did not start the simulator');
  return {
    bot,
    playground,
    async tenant() {
      const res = await fetch(`${playground.url}api/tenant`);
      return (await res.json()) as TenantView;
    },
    async relay(activity) {
      const res = await fetch(`${playground.url}api/activities`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity),
      });
      if (!res.ok) throw new Error(`the playground refused the activity: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as RelayResult;
    },
    async close() {
      await playground.close();
      await bot.close();
    },
  };
}

/** People of the demo tenant by part: an approver, a non-approver who is not an admin, unregistered admins. */
export function cast(tenant: TenantView): { approver: TenantUser; nonApprover: TenantUser; unregisteredAdmins: TenantUser[] } {
  const approver = tenant.users.find((u) => u.isApprover);
  const nonApprover = tenant.users.find((u) => !u.isApprover && !u.isAdmin);
  const unregisteredAdmins = tenant.users.filter((u) => u.isAdmin && !u.isApprover && u.mfaRegistered === false);
  if (!approver || !nonApprover || unregisteredAdmins.length < 2) throw new Error('the demo tenant lacks an approver, a non-approver or two unregistered admins');
  return { approver, nonApprover, unregisteredAdmins };
}

/** Writes a PNG of `what` under test-output/screenshots (git-ignored). */
export async function screenshot(what: Page | ReturnType<Page['locator']>, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}.png`);
  await what.screenshot({ path: file, animations: 'disabled' });
  return file;
}
