/**
 * Regenerates the README's pictures from the running product, never by hand:
 *   docs/images/status-card.png  the status card of the demo tenant, as Microsoft's renderer draws it
 *   docs/images/playground.png   the playground after "@MfaBot status" in the Security channel
 * MfaBot runs in demo mode (simulated tenant) and Debian's Chromium draws the pages (the browser tests'
 * launcher and flags). Usage: npm run screenshots
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Conversation, PlaygroundEvents } from '../src/playground/protocol';
import { PlaygroundPage } from '../test/browser/playgroundPage';
import { CHROMIUM, cast, launchBrowser, startStack } from '../test/browser/support';

const OUT = path.resolve(__dirname, '..', 'docs', 'images');

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
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH.`);
  await mkdir(OUT, { recursive: true });
  const stack = await startStack();
  const browser = await launchBrowser({ width: 1400, height: 900 });
  try {
    const { approver } = cast(await stack.tenant());
    const ui = await PlaygroundPage.open(browser, stack.playground.url, approver.id);
    await ui.say('@MfaBot status');
    const status = await ui.botCard('admins are registered for MFA');
    // Show the card from its top (headline, chart, roles) beside the tenant panel.
    await status.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await ui.page.screenshot({ path: path.join(OUT, 'playground.png') });

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
    await page.locator('[data-testid="gallery"]').screenshot({ path: path.join(OUT, 'status-card.png'), animations: 'disabled' });
    process.stdout.write(`Wrote ${path.join(OUT, 'playground.png')} and ${path.join(OUT, 'status-card.png')}\n`);
  } finally {
    await browser.close();
    await stack.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
