/**
 * Regenerates the README's pictures from the running product, never by hand:
 *   docs/images/playground.png   the playground after "@MfaBot status" in the Security channel
 *   docs/images/status-card.png  the status card of the demo tenant, as Microsoft's renderer draws it
 *   docs/images/nudge.png        a nudged admin's 1:1 chat with MfaBot, after an approver nudged them
 * MfaBot runs in demo mode (simulated tenant) and Debian's Chromium draws the pages (the browser tests'
 * launcher and flags). Usage: npm run screenshots [-- NAME...], NAME one of playground, status-card,
 * nudge (default: all three).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Conversation, PlaygroundEvents } from '../src/playground/protocol';
import { PlaygroundPage } from '../test/browser/playgroundPage';
import { CHROMIUM, cast, launchBrowser, startStack } from '../test/browser/support';

const OUT = path.resolve(__dirname, '..', 'docs', 'images');
const PICTURES = ['playground', 'status-card', 'nudge'] as const;
type Picture = (typeof PICTURES)[number];

/** The pictures named on the command line, all of them when none is. */
function wanted(args: readonly string[]): Set<Picture> {
  const unknown = args.filter((a) => !(PICTURES as readonly string[]).includes(a));
  if (unknown.length > 0) throw new Error(`Unknown picture ${unknown.join(', ')}: choose from ${PICTURES.join(', ')}.`);
  return new Set(args.length > 0 ? (args as Picture[]) : PICTURES);
}

/** The playground's conversations, from the first Server-Sent Event (the snapshot). */
async function conversations(playgroundUrl: string): Promise<Conversation[]> {
  const res = await fetch(`${playgroundUrl}events`);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the playground closed its event stream');
    text += decoder.decode(value, { stream: true });
    const snapshot = /event: snapshot\ndata: (.+)\n\n/.exec(text);
    if (snapshot?.[1]) {
      await reader.cancel();
      return (JSON.parse(snapshot[1]) as PlaygroundEvents['snapshot']).conversations;
    }
  }
}

async function main(): Promise<void> {
  const pictures = wanted(process.argv.slice(2));
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH.`);
  await mkdir(OUT, { recursive: true });
  const stack = await startStack();
  const browser = await launchBrowser({ width: 1400, height: 900 });
  const written: string[] = [];
  try {
    const { approver, unregisteredAdmins } = cast(await stack.tenant());
    const ui = await PlaygroundPage.open(browser, stack.playground.url, approver.id);
    await ui.say('@MfaBot status');
    const status = await ui.botCard('admins are registered for MFA');
    if (pictures.has('playground')) {
      // Show the card from its top (headline, chart, roles) beside the tenant panel.
      await status.evaluate((el) => el.scrollIntoView({ block: 'start' }));
      written.push(path.join(OUT, 'playground.png'));
      await ui.page.screenshot({ path: written.at(-1) });
    }

    if (pictures.has('status-card')) {
      // Before the nudge below replaces the status card in the channel with its delivery result.
      const channel = (await conversations(stack.playground.url)).find((c) => c.kind === 'channel');
      const card = channel?.messages.find((m) => m.from.role === 'bot' && m.cards.length > 0)?.cards[0];
      if (!card) throw new Error('the bot posted no status card');
      const { page } = await browser.newPage();
      await page.setViewportSize({ width: 900, height: 900 });
      await page.goto(`${stack.playground.url}?view=gallery`);
      await page.locator('body[data-ready="true"]').waitFor();
      const json: unknown = card;
      const rendered = await page.evaluate((c) => window.mfabotGallery?.show(c), json);
      if (!rendered || rendered.warnings.length > 0) throw new Error(`the renderer complained: ${rendered?.warnings.join('; ') ?? 'no gallery'}`);
      written.push(path.join(OUT, 'status-card.png'));
      await page.locator('[data-testid="gallery"]').screenshot({ path: written.at(-1), animations: 'disabled' });
      await page.close();
    }

    if (pictures.has('nudge')) {
      // The approver nudges two unregistered admins; the first of them opens their chat with MfaBot.
      const nudged = unregisteredAdmins.slice(0, 2);
      for (const admin of nudged) {
        await status.getByRole('checkbox', { name: `${admin.displayName} (${admin.userPrincipalName})`, exact: true }).check();
      }
      await ui.press(status, 'Nudge selected');
      await status.locator('[data-testid="card"]').filter({ hasText: `Nudges: ${nudged.length} sent` }).waitFor();
      const [first] = nudged;
      if (!first) throw new Error('the demo tenant has no unregistered admin');
      await ui.be(first.id);
      await ui.openChat();
      await ui.botCard('Please register for multifactor authentication (MFA)');
      // The side panel catches up with the installation MfaBot made through Graph.
      await ui.page.locator(`[data-testid="admin"][data-user-id="${first.id}"][data-bot-installed="true"]`).waitFor();
      written.push(path.join(OUT, 'nudge.png'));
      await ui.page.screenshot({ path: written.at(-1) });
    }
    process.stdout.write(`Wrote ${written.join(', ')}\n`);
  } finally {
    await browser.close();
    await stack.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
