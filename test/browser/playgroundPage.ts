/**
 * The playground page as a person uses it, for the browser tests: choose who you are, type in the
 * channel or your chat, press card buttons, read and use the tenant panel. Every step waits for what
 * it causes to appear, never for time.
 */
import type { Locator, Page } from 'playwright-core';
import type { RelayResult } from '../../src/playground/protocol';
import type { Browser } from './support';

export class PlaygroundPage {
  private constructor(readonly page: Page, readonly problems: string[]) {}

  /** Opens the playground (as `userId` when given) and waits until it receives the bot's messages. */
  static async open(browser: Browser, url: string, userId?: string): Promise<PlaygroundPage> {
    const { page, problems } = await browser.newPage();
    await page.goto(userId ? `${url}?as=${encodeURIComponent(userId)}` : url);
    await page.locator('body[data-connected="true"]').waitFor();
    return new PlaygroundPage(page, problems);
  }

  /** Who the page acts as (the picker's value). */
  async currentUser(): Promise<string> {
    return this.page.locator('[data-testid="you-are"]').inputValue();
  }

  async be(userId: string): Promise<void> {
    await this.page.locator('[data-testid="you-are"]').selectOption(userId);
    await this.page.locator(`body[data-user="${userId}"]`).waitFor();
  }

  async openChannel(): Promise<void> {
    await this.page.locator('[data-testid="nav-channel"]').click();
    await this.page.locator('body[data-view="channel"]').waitFor();
  }

  /** The unread count on the 1:1 chat's entry in the rail (hidden when there is nothing new). */
  chatUnread(): Locator {
    return this.page.locator('[data-testid="chat-unread"]');
  }

  async openChat(): Promise<void> {
    await this.page.locator('[data-testid="nav-chat"]').click();
    await this.page.locator('body[data-view="personal"]').waitFor();
  }

  /** Types and sends a message in the open conversation; resolves with the bot's HTTP answer to it. */
  async say(text: string): Promise<RelayResult> {
    await this.page.locator('[data-testid="compose-input"]').fill(text);
    const answered = this.page.waitForResponse((r) => r.url().endsWith('/api/activities') && r.request().postDataJSON()?.type === 'message');
    await this.page.locator('[data-testid="send"]').click();
    return (await (await answered).json()) as RelayResult;
  }

  messages(): Locator {
    return this.page.locator('[data-testid="messages"] > [data-testid="message"]');
  }

  botMessages(): Locator {
    return this.messages().and(this.page.locator('[data-from="bot"]'));
  }

  /**
   * The latest bot message whose card shows `text`, once it is there; the locator keeps pointing at
   * that message (by its activity id) whatever its card shows later.
   */
  async botCard(text: string | RegExp): Promise<Locator> {
    const found = this.botMessages().filter({ has: this.page.locator('[data-testid="card"]').filter({ hasText: text }) }).last();
    await found.waitFor();
    const id = await found.getAttribute('data-message-id');
    return this.page.locator(`[data-testid="message"][data-message-id="${id}"]`);
  }

  /**
   * Presses a card button in `message` and resolves with the bot's answer to the invoke, once the
   * page has shown it.
   */
  async press(message: Locator, title: string): Promise<RelayResult> {
    const answered = this.page.waitForResponse((r) => r.url().endsWith('/api/activities') && r.request().postDataJSON()?.value?.trigger === 'manual');
    await message.getByRole('button', { name: title, exact: true }).click();
    const answer = (await (await answered).json()) as RelayResult;
    // The page re-renders messages as events arrive: wait on the locator, not on one element.
    await message.and(this.page.locator(':not([data-pending])')).waitFor();
    return answer;
  }

  /**
   * Presses a button whose change is made with the clicker's own identity: Teams asks them once to
   * let MfaBot act as them (the consent dialog), then sends the click again with their sign-in.
   * Resolves with the bot's answer to that second click.
   */
  async pressAndAllow(message: Locator, title: string): Promise<RelayResult> {
    const asked = this.page.waitForResponse((r) => r.url().endsWith('/api/activities') && r.request().postDataJSON()?.value?.trigger === 'manual');
    await message.getByRole('button', { name: title, exact: true }).click();
    const first = (await (await asked).json()) as RelayResult;
    if (!first.consent) return first;
    const answered = this.page.waitForResponse((r) => r.url().endsWith('/api/activities') && r.request().postDataJSON()?.consent === true);
    await this.page.locator('[data-testid="consent-allow"]').click();
    const answer = (await (await answered).json()) as RelayResult;
    await message.and(this.page.locator(':not([data-pending])')).waitFor();
    return answer;
  }

  policies(): Locator {
    return this.page.locator('[data-testid="policy"]');
  }

  admin(userId: string): Locator {
    return this.page.locator(`[data-testid="admin"][data-user-id="${userId}"]`);
  }

  /** Presses "Register" for an admin in the tenant panel and waits until the panel shows them registered. */
  async register(userId: string): Promise<void> {
    await this.admin(userId).locator('[data-testid="register"]').click();
    await this.page.locator(`[data-testid="admin"][data-user-id="${userId}"][data-registered="registered"]`).waitFor();
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
