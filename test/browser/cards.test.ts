import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ALL_VERBS, isVerb } from '../../src/cards/verbs';
import type { AdaptiveCard } from '../../src/cards/types';
import { invokeActivity } from '../../src/playground/web/activities';
import type { PlaygroundConfig, RelayResult, TenantUser } from '../../src/playground/protocol';
import { executeActions, nodes } from '../cards/inspect';
import { validateCard } from '../cards/validate';
import { BROWSER_CATALOGUE } from './catalogue';
import { cast, launchBrowser, requireChromium, screenshot, startStack, type Browser, type Stack } from './support';

/** Verbs a card can send: its Action.Execute buttons and its refresh action. */
function verbsOf(card: AdaptiveCard): { verb: string; data: Record<string, unknown> }[] {
  return executeActions(card).map((a) => ({ verb: a.verb, data: a.data as Record<string, unknown> }));
}

/**
 * A verb's answer comes from its feature's handler: not an error, not a 501, not what an unknown verb
 * gets, and not the placeholder createBotApp answers for verbs no feature has plugged in.
 */
function assertHandled(verb: string, answer: RelayResult, unknownVerbAnswer: RelayResult): void {
  assert.notEqual(answer.status, 501, `${verb}: nobody handles it`);
  assert.ok(!isError(answer), `${verb}: answered ${answer.status} ${JSON.stringify(answer.body)}`);
  assert.notDeepEqual(answer, unknownVerbAnswer, `${verb}: answered like an unknown verb`);
  assert.doesNotMatch(JSON.stringify(answer.body ?? null), /is not available yet/, `${verb}: answered by the placeholder, not by a feature`);
}

function isError(answer: RelayResult): boolean {
  const body = answer.body as { statusCode?: number; type?: string } | undefined;
  return answer.status >= 500 || (body?.statusCode ?? 200) >= 500 || body?.type === 'application/vnd.microsoft.error';
}

describe('every card the bot sends, in Chromium with Microsoft\'s Adaptive Cards renderer', function () {
  this.timeout(60_000);
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let config: PlaygroundConfig;
  let clicker: TenantUser;
  let unknownVerbAnswer: RelayResult;

  /** Sends the invoke a click on `verb` would send, as a non-approver in the channel. */
  const click = (verb: string, data: Record<string, unknown>): Promise<RelayResult> =>
    stack.relay(invokeActivity(config, clicker, { conversationId: config.channel.conversationId, kind: 'channel' }, 'no-such-message', { verb, data }, 'manual'));

  before(async function () {
    requireChromium(this);
    stack = await startStack();
    config = (await (await fetch(`${stack.playground.url}api/config`)).json()) as PlaygroundConfig;
    clicker = cast(await stack.tenant()).nonApprover;
    unknownVerbAnswer = await click('no.such.verb', {});
    browser = await launchBrowser({ width: 900, height: 900 });
    ({ page, problems } = await browser.newPage());
    await page.goto(`${stack.playground.url}?view=gallery`);
    await page.locator('body[data-ready="true"]').waitFor();
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  for (const entry of BROWSER_CATALOGUE) {
    it(`${entry.name}: renders without renderer warnings, is valid Adaptive Card 1.5, and each of its verbs has a handler`, async () => {
      const card = entry.card();
      assert.deepEqual(validateCard(card), [], 'schema');

      problems.length = 0;
      const json: unknown = card;
      const rendered = await page.evaluate(({ json, caption }) => window.mfabotGallery?.show(json, caption), { json, caption: entry.name });
      assert.ok(rendered, 'the gallery is ready');
      assert.deepEqual(rendered.warnings, [], 'renderer parse and validation events');
      assert.deepEqual(problems, [], 'console errors and warnings');

      // Charts are drawn by the playground's extension (SVG), not replaced by their fallback.
      const charts = nodes(card).filter((n) => n.type.startsWith('Chart.'));
      for (const chart of charts) assert.ok(rendered.parsedTypes.includes(chart.type), `${chart.type} parsed as itself`);
      assert.equal(await page.locator('[data-testid="gallery"] .mfabot-chart svg[role="img"]').count(), charts.length);

      // Every Action.Execute on the card is a button a person can press.
      const buttons = await page.locator('[data-testid="gallery"] button.ac-pushButton').allTextContents();
      for (const action of executeActions(card).filter((a) => a !== card.refresh?.action)) {
        assert.ok(buttons.some((b) => b.trim() === action.title), `a "${action.title}" button`);
      }

      for (const { verb, data } of verbsOf(card)) {
        assert.ok(isVerb(verb), `${verb} is listed in VERBS`);
        assertHandled(verb, await click(verb, data), unknownVerbAnswer);
      }

      if (entry.screenshot) await screenshot(page.locator('[data-testid="gallery"]'), entry.screenshot);
    });
  }

  it('the running bot answers every verb in VERBS, so no button on any card can go unhandled', async () => {
    for (const verb of ALL_VERBS) assertHandled(verb, await click(verb, {}), unknownVerbAnswer);
  });
});
