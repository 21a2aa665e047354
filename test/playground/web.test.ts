import assert from 'node:assert/strict';
import type { PlaygroundConfig, TenantUser } from '../../src/playground/protocol';
import { installActivities, invokeActivity, messageActivity, refreshesFor } from '../../src/playground/web/activities';
import { markdownToHtml } from '../../src/playground/web/markdown';

const config: PlaygroundConfig = {
  tenantId: 'e850083c-95fb-4b76-8782-c996e0b4ef17',
  tenantName: 'Contoso',
  serviceUrl: 'http://127.0.0.1:3980/connector/',
  bot: { id: '28:mfabot-playground', name: 'MfaBot' },
  channel: { conversationId: '19:security@thread.tacv2', name: 'Security', teamId: '19:team@thread.tacv2', teamName: 'IT' },
};
const user: TenantUser = {
  id: '03fb2515-6020-4349-ac3c-8c97e15150f9', displayName: 'Megan Bowen', userPrincipalName: 'megan.bowen@contoso.example', jobTitle: null,
  accountEnabled: true, mri: '29:03fb2515-6020-4349-ac3c-8c97e15150f9', isApprover: true, isAdmin: true, roles: [], mfaRegistered: true, botInstalled: true,
};
const inChannel = { conversationId: config.channel.conversationId, kind: 'channel' as const };

describe('playground page: the activities it sends', () => {
  it('turns "@MfaBot status" in the channel into Teams\' mention markup and entity, with the tenant and the sender\'s object id', () => {
    const a = messageActivity(config, user, inChannel, '@MfaBot status');
    assert.equal(a.text, '<at>MfaBot</at> status');
    assert.deepEqual((a.entities as unknown[])[0], { type: 'mention', text: '<at>MfaBot</at>', mentioned: { id: '28:mfabot-playground', name: 'MfaBot' } });
    assert.deepEqual(a.channelData, { tenant: { id: config.tenantId }, team: { id: config.channel.teamId, name: 'IT' }, channel: { id: config.channel.conversationId, name: 'Security' } });
    assert.deepEqual(a.from, { id: user.mri, name: 'Megan Bowen', aadObjectId: user.id });
    assert.equal(a.serviceUrl, config.serviceUrl);
    assert.equal((a.conversation as { conversationType: string }).conversationType, 'channel');
  });

  it('adds no mention entity when the text does not @mention the bot, nor in a 1:1 chat', () => {
    const plain = messageActivity(config, user, inChannel, 'status please');
    assert.equal((plain.entities as { type: string }[]).some((e) => e.type === 'mention'), false);
    const personal = messageActivity(config, user, { conversationId: 'a:1', kind: 'personal' }, '@MfaBot status');
    assert.equal(personal.text, '@MfaBot status');
    assert.deepEqual(personal.channelData, { tenant: { id: config.tenantId } });
  });

  it('shapes an Action.Execute click as the adaptiveCard/action invoke, replying to the card\'s message', () => {
    const a = invokeActivity(config, user, inChannel, '1700000000000', { verb: 'policy.approve', data: { proposalId: 'p' } }, 'manual');
    assert.equal(a.type, 'invoke');
    assert.equal(a.name, 'adaptiveCard/action');
    assert.equal(a.replyToId, '1700000000000');
    assert.deepEqual(a.value, { action: { type: 'Action.Execute', verb: 'policy.approve', data: { proposalId: 'p' } }, trigger: 'manual' });
  });

  it('tells the bot about an install as Teams does: conversationUpdate adding the bot, then installationUpdate "add", from the user\'s 1:1 chat', () => {
    const [added, installed] = installActivities(config, user, 'a:chat-1');
    assert.equal(added?.type, 'conversationUpdate');
    assert.deepEqual(added?.membersAdded, [{ id: config.bot.id }]);
    assert.equal(installed?.type, 'installationUpdate');
    assert.equal(installed?.action, 'add');
    for (const a of [added, installed]) {
      assert.deepEqual(a?.conversation, { id: 'a:chat-1', conversationType: 'personal', tenantId: config.tenantId });
      assert.deepEqual(a?.channelData, { tenant: { id: config.tenantId } });
      assert.deepEqual(a?.from, { id: user.mri, name: 'Megan Bowen', aadObjectId: user.id });
      assert.deepEqual(a?.recipient, config.bot);
    }
  });
});

describe('playground page: refresh.userIds', () => {
  const action = { type: 'Action.Execute', verb: 'policy.approve', data: { proposalId: 'p', refresh: true } };
  it('refreshes for a user listed by Teams id or object id, for everyone when userIds is omitted, and for nobody when it is empty', () => {
    assert.deepEqual(refreshesFor({ refresh: { action, userIds: [user.mri.toUpperCase()] } }, user), { verb: 'policy.approve', data: { proposalId: 'p', refresh: true } });
    assert.ok(refreshesFor({ refresh: { action, userIds: [user.id] } }, user));
    assert.ok(refreshesFor({ refresh: { action } }, user));
    assert.equal(refreshesFor({ refresh: { action, userIds: [] } }, user), undefined);
    assert.equal(refreshesFor({ refresh: { action, userIds: ['29:someone-else'] } }, user), undefined);
    assert.equal(refreshesFor({}, user), undefined);
    assert.equal(refreshesFor({ refresh: { action: { ...action, type: 'Action.Submit' } } }, user), undefined);
  });
});

describe('playground page: markdown in TextBlocks', () => {
  it('renders bold, italic, http(s) links, line breaks and <at> mentions, and nothing else as HTML', () => {
    assert.equal(markdownToHtml('**@MfaBot status** and _this_'), '<strong>@MfaBot status</strong> and <em>this</em>');
    assert.equal(markdownToHtml('see [docs](https://aka.ms/mfa)'), 'see <a href="https://aka.ms/mfa" target="_blank" rel="noopener noreferrer">docs</a>');
    assert.equal(markdownToHtml('<at>Megan Bowen</at>, hi'), '<span class="mention">Megan Bowen</span>, hi');
    assert.equal(markdownToHtml('a\nb'), 'a<br>b');
  });

  it('escapes markup and refuses script links', () => {
    assert.equal(markdownToHtml('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert(1)&gt;');
    assert.equal(markdownToHtml('[x](javascript:alert(1))'), '[x](javascript:alert(1))');
    const link = markdownToHtml('[x](https://a.example/"onmouseover="y)');
    assert.equal(link.match(/"/g)?.length, 6, `quotes stay escaped inside the href: ${link}`);
  });
});
