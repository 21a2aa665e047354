import assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import { POLICY_DISPLAY_NAME } from '../../src/domain/policyDraft';
import type { TenantUser } from '../../src/playground/protocol';
import { PlaygroundPage } from './playgroundPage';
import { cast, launchBrowser, requireChromium, screenshot, startStack, type Browser, type Stack } from './support';

/**
 * The product story, played in the playground against MfaBot in demo mode: one person takes every
 * part through the "you are" picker, as issue 5 describes. Each `describe` continues where the
 * previous one left off (same bot, tenant and page).
 */
describe('the MfaBot story in the playground (Chromium)', function () {
  this.timeout(30_000);
  let stack: Stack;
  let browser: Browser;
  let ui: PlaygroundPage;
  let approver: TenantUser;
  let nonApprover: TenantUser;
  let unregisteredAdmins: TenantUser[];
  let admins: number;
  let registered: number;
  /** The status card posted in the channel at the start of the story. */
  let statusMessage: Locator;

  const headline = (n: number) => `${n} of ${admins} admins are registered for MFA`;

  before(async function () {
    requireChromium(this);
    stack = await startStack();
    ({ approver, nonApprover, unregisteredAdmins } = cast(await stack.tenant()));
    const people = (await stack.tenant()).users.filter((u) => u.isAdmin);
    admins = people.length;
    registered = people.filter((u) => u.mfaRegistered === true).length;
    browser = await launchBrowser();
    ui = await PlaygroundPage.open(browser, stack.playground.url);
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  afterEach(function () {
    assert.deepEqual(ui?.problems ?? [], [], 'no console errors or warnings on the page');
  });

  describe('status, approval, policy and registration', () => {
    it('starts as a non-approver in the Security channel', async () => {
      assert.equal(await ui.currentUser(), nonApprover.id);
      assert.equal(await ui.page.locator('[data-testid="conversation-title"]').textContent(), '# Security');
    });

    it('a non-approver\'s "@MfaBot status" gets the status card, the same card everyone gets: Refresh and Create policy', async () => {
      const answer = await ui.say('@MfaBot status');
      assert.equal(answer.status, 200);
      statusMessage = await ui.botCard(headline(registered));
      const buttons = await statusMessage.getByRole('button').allTextContents();
      assert.ok(buttons.includes('Refresh'), buttons.join(', '));
      assert.ok(buttons.includes('Create policy (report-only)'), buttons.join(', '));
      assert.equal(await statusMessage.locator('.mfabot-chart svg[role="img"]').count(), 1, 'the donut chart is drawn');
      await screenshot(ui.page, 'story-1-status');
    });

    it('a non-approver who clicks Create gets the approval path: an approval card for the approvers, no buttons for them', async () => {
      const answer = await ui.press(statusMessage, 'Create policy (report-only)');
      assert.equal((answer.body as { type?: string }).type, 'application/vnd.microsoft.activity.message');
      await statusMessage.locator('[data-testid="card-note"]').filter({ hasText: 'asked the approvers' }).waitFor();
      const approval = await ui.botCard('Approval needed');
      const buttons = await approval.getByRole('button').allTextContents();
      assert.ok(!buttons.includes('Approve and create'), `a non-approver sees no Approve button: ${buttons.join(', ')}`);
      assert.equal(await approval.locator('[data-testid="card"]').getAttribute('data-personal'), 'false', 'not refreshed for a non-approver');
      assert.equal(await ui.policies().filter({ hasText: POLICY_DISPLAY_NAME }).count(), 0, 'nothing created yet');
    });

    it('an approver sees the same approval card refreshed for them (refresh.userIds) with Approve and Reject; Approve creates the policy report-only', async () => {
      await ui.be(approver.id);
      const approval = await ui.botCard('Approval needed');
      await approval.getByRole('button', { name: 'Approve and create', exact: true }).waitFor();
      assert.ok((await approval.getByRole('button').allTextContents()).includes('Reject'));
      await screenshot(ui.page, 'story-2-approval');

      await ui.press(approval, 'Approve and create');
      await ui.botCard('Created: Conditional Access policy');
      const policy = ui.policies().filter({ hasText: POLICY_DISPLAY_NAME });
      await policy.waitFor();
      assert.equal(await policy.getAttribute('data-state'), 'enabledForReportingButNotEnforced');
    });

    it('the approval card is updated in place for everyone: the non-approver now sees "Created" too', async () => {
      await ui.be(nonApprover.id);
      const created = await ui.botCard('Created: Conditional Access policy');
      assert.ok(Number(await created.getAttribute('data-revision')) > 0, 'an update of the same message, not a new one');
      assert.equal(await ui.botMessages().filter({ hasText: 'Approval needed' }).count(), 0);
    });

    it('"registering" an admin in the tenant panel and pressing Refresh raises the headline count', async () => {
      await ui.be(approver.id);
      const admin = unregisteredAdmins[0];
      assert.ok(admin);
      await ui.register(admin.id);
      await ui.page.locator('[data-testid="registered-summary"]').filter({ hasText: `${registered + 1} of ${admins}` }).waitFor();

      await ui.press(statusMessage, 'Refresh');
      await statusMessage.locator('[data-testid="card"]').filter({ hasText: headline(registered + 1) }).waitFor();
      registered += 1;
      await screenshot(ui.page, 'story-3-refreshed');
    });
  });

  describe('nudges', () => {
    it('the status card offers the unregistered admins; "Nudge selected" sends the chosen ids comma-separated, as Teams does, and the bot answers', async () => {
      const [first, second] = unregisteredAdmins.slice(1);
      assert.ok(first && second);
      for (const admin of [first, second]) {
        await statusMessage.getByRole('checkbox', { name: `${admin.displayName} (${admin.userPrincipalName})`, exact: true }).check();
      }
      const sent = ui.page.waitForRequest((r) => r.url().endsWith('/api/activities') && r.postDataJSON()?.value?.action?.verb === 'nudge.send');
      const answer = await ui.press(statusMessage, 'Nudge selected');
      const data = (await sent).postDataJSON().value.action.data as Record<string, unknown>;
      assert.deepEqual(String(data.admins).split(',').sort(), [first.id, second.id].sort());
      assert.equal(answer.status, 200);
      assert.notEqual((answer.body as { type?: string }).type, 'application/vnd.microsoft.error');
      assert.equal(await statusMessage.locator('[data-testid="card-error"]').count(), 0);
    });
  });
});
