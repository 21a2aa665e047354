/**
 * The Teams-like client: a "Security" channel and the chosen user's 1:1 chat with the bot, a "you are"
 * picker, and a side panel showing the simulated tenant. Messages and cards arrive from the
 * playground's server over Server-Sent Events; what the user types or clicks goes to the bot as the
 * Bot Framework activities Teams would send (see activities.ts).
 *
 * Card views follow Teams: an invoke answer replaces the card for the clicker only; an update from the
 * bot replaces it for everyone; a card whose `refresh.userIds` names the viewer is refreshed (trigger
 * "automatic") when it is shown to them.
 */
import {
  personalConversationId,
  type CardJson, type ChatMessage, type Conversation, type PersonalView, type PlaygroundConfig, type PlaygroundEvents,
  type TenantUser, type TenantView,
} from '../protocol';
import { invokeActivity, messageActivity, refreshesFor, submitActivity, type Where } from './activities';
import { api } from './api';
import { clock, h, initials } from './dom';
import { markdownToHtml } from './markdown';
import { renderCard, type CardActionRequest } from './render';

const USER_KEY = 'mfabot-playground-user';
const TYPING_MS = 4_000;

type View = 'channel' | 'personal';

interface Regions {
  picker: HTMLSelectElement;
  navChannel: HTMLButtonElement;
  navChat: HTMLButtonElement;
  chatUnread: HTMLElement;
  title: HTMLElement;
  subtitle: HTMLElement;
  messages: HTMLOListElement;
  empty: HTMLElement;
  typing: HTMLElement;
  notice: HTMLElement;
  input: HTMLInputElement;
  panel: HTMLElement;
}

class PlaygroundApp {
  private tenant: TenantView;
  private readonly conversations = new Map<string, Conversation>();
  private userId: string;
  private view: View = 'channel';
  /** Message ids with a click in flight. */
  private readonly pending = new Set<string>();
  /** Automatic refreshes already sent, by message, revision and user: each fires once. */
  private readonly refreshed = new Set<string>();
  /** Messages seen per conversation and user, for the chat's unread badge. */
  private readonly seen = new Map<string, number>();
  private readonly typingUntil = new Map<string, number>();
  private readonly rendered = new Map<string, { key: string; element: HTMLElement }>();
  private regions!: Regions;
  private tenantReload: number | undefined;
  /** Conversation and message count last shown, to scroll only when messages arrive. */
  private lastShown = '';

  constructor(private readonly root: HTMLElement, private readonly config: PlaygroundConfig, tenant: TenantView) {
    this.tenant = tenant;
    this.userId = this.initialUser();
  }

  start(): void {
    this.regions = this.buildShell();
    this.renderPicker();
    this.renderPanel();
    this.renderConversation();
    this.connect();
  }

  // ---- who is using the page

  private initialUser(): string {
    const users = this.tenant.users;
    const fromUrl = new URLSearchParams(location.search).get('as')?.toLowerCase();
    const stored = localStorage.getItem(USER_KEY) ?? undefined;
    for (const candidate of [fromUrl, stored]) if (candidate && users.some((u) => u.id === candidate)) return candidate;
    // The story starts with someone who is neither an approver nor an admin.
    return (users.find((u) => !u.isApprover && !u.isAdmin) ?? users[0])?.id ?? '';
  }

  private get user(): TenantUser {
    const user = this.tenant.users.find((u) => u.id === this.userId) ?? this.tenant.users[0];
    if (!user) throw new Error('The simulated tenant has no users');
    return user;
  }

  private setUser(id: string): void {
    this.userId = id;
    localStorage.setItem(USER_KEY, id);
    this.rendered.clear();
    this.regions.messages.replaceChildren();
    this.renderConversation();
  }

  private get conversationId(): string {
    return this.view === 'channel' ? this.config.channel.conversationId : personalConversationId(this.userId);
  }

  private where(conversationId: string): Where {
    return { conversationId, kind: conversationId === this.config.channel.conversationId ? 'channel' : 'personal' };
  }

  // ---- server events

  private connect(): void {
    const source = new EventSource('/events');
    const on = <E extends keyof PlaygroundEvents>(event: E, handle: (data: PlaygroundEvents[E]) => void): void => {
      source.addEventListener(event, (e) => handle(JSON.parse((e as MessageEvent<string>).data) as PlaygroundEvents[E]));
    };
    on('snapshot', ({ conversations }) => {
      this.conversations.clear();
      for (const c of conversations) this.conversations.set(c.id, c);
      this.rendered.clear();
      this.regions.messages.replaceChildren();
      this.renderConversation();
      document.body.dataset.connected = 'true';
    });
    on('conversation', ({ conversation }) => {
      if (!this.conversations.has(conversation.id)) this.conversations.set(conversation.id, conversation);
      this.renderNav();
    });
    on('message', ({ message }) => {
      const conversation = this.conversations.get(message.conversationId);
      if (!conversation) return;
      const index = conversation.messages.findIndex((m) => m.id === message.id);
      if (index >= 0) conversation.messages[index] = message;
      else conversation.messages.push(message);
      if (message.from.role === 'bot') {
        this.typingUntil.delete(message.conversationId);
        this.renderTyping();
        // The bot may have changed the tenant (a policy created): the panel follows.
        this.reloadTenantSoon();
      }
      if (message.conversationId === this.conversationId) this.renderMessages();
      this.renderNav();
    });
    on('message_deleted', ({ conversationId, id }) => {
      const conversation = this.conversations.get(conversationId);
      if (!conversation) return;
      conversation.messages = conversation.messages.filter((m) => m.id !== id);
      if (conversationId === this.conversationId) this.renderMessages();
    });
    on('typing', ({ conversationId }) => {
      this.typingUntil.set(conversationId, Date.now() + TYPING_MS);
      this.renderTyping();
      setTimeout(() => this.renderTyping(), TYPING_MS + 50);
    });
    on('tenant', () => this.reloadTenantSoon());
    source.onerror = () => {
      document.body.dataset.connected = 'false';
    };
  }

  private reloadTenantSoon(): void {
    if (this.tenantReload !== undefined) return;
    this.tenantReload = window.setTimeout(() => {
      this.tenantReload = undefined;
      void this.reloadTenant();
    }, 150);
  }

  private async reloadTenant(): Promise<void> {
    try {
      this.tenant = await api.tenant();
      this.renderPanel();
      this.renderPicker();
    } catch (err) {
      this.showNotice(`Could not read the simulated tenant: ${(err as Error).message}`);
    }
  }

  // ---- layout

  private buildShell(): Regions {
    const picker = h('select', { 'data-testid': 'you-are', 'aria-label': 'You are', onchange: () => this.setUser(picker.value) });
    const navChannel = h('button', { type: 'button', class: 'nav-item', 'data-testid': 'nav-channel', onclick: () => this.open('channel') },
      h('span', { class: 'nav-icon' }, '#'), h('span', {}, this.config.channel.name), h('small', {}, this.config.channel.teamName));
    const chatUnread = h('span', { class: 'unread', 'data-testid': 'chat-unread', hidden: true });
    const navChat = h('button', { type: 'button', class: 'nav-item', 'data-testid': 'nav-chat', onclick: () => this.open('personal') },
      h('span', { class: 'nav-icon bot' }, initials(this.config.bot.name)), h('span', {}, this.config.bot.name), chatUnread);
    const title = h('h1', { 'data-testid': 'conversation-title' });
    const subtitle = h('p', { class: 'subtitle' });
    const messages = h('ol', { class: 'messages', 'data-testid': 'messages', 'aria-live': 'polite' });
    const empty = h('p', { class: 'empty' });
    const typing = h('p', { class: 'typing', 'data-testid': 'typing', hidden: true }, `${this.config.bot.name} is typing…`);
    const notice = h('p', { class: 'notice', 'data-testid': 'notice', role: 'status', hidden: true });
    const input = h('input', { type: 'text', 'data-testid': 'compose-input', 'aria-label': 'Type a message', autocomplete: 'off' });
    const form = h('form', { class: 'compose', 'data-testid': 'compose' }, input, h('button', { type: 'submit', 'data-testid': 'send' }, 'Send'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = input.value.trim();
      if (text === '') return;
      input.value = '';
      void this.sendMessage(text);
    });
    const panel = h('aside', { class: 'panel', 'data-testid': 'tenant-panel', 'aria-label': 'Simulated tenant' });

    this.root.replaceChildren(
      h('header', { class: 'topbar' },
        h('div', { class: 'brand' }, h('strong', {}, 'MfaBot playground'), h('span', {}, ' · simulated tenant, nothing leaves this machine')),
        h('label', { class: 'you-are' }, h('span', {}, 'You are'), picker)),
      h('div', { class: 'layout' },
        h('nav', { class: 'rail', 'aria-label': 'Conversations' },
          h('h2', {}, 'Teams'), navChannel, h('h2', {}, 'Chat'), navChat),
        h('main', { class: 'conversation', 'data-testid': 'conversation' },
          h('div', { class: 'conversation-header' }, title, subtitle),
          h('div', { class: 'scroller' }, empty, messages, typing),
          notice, form),
        panel),
    );
    this.root.removeAttribute('aria-busy');
    return { picker, navChannel, navChat, chatUnread, title, subtitle, messages, empty, typing, notice, input, panel };
  }

  private open(view: View): void {
    this.view = view;
    this.rendered.clear();
    this.regions.messages.replaceChildren();
    this.renderConversation();
    this.regions.input.focus();
  }

  private renderPicker(): void {
    const { picker } = this.regions;
    const groups: [string, TenantUser[]][] = [
      ['Approvers', this.tenant.users.filter((u) => u.isApprover)],
      ['Admins', this.tenant.users.filter((u) => !u.isApprover && u.isAdmin)],
      ['Others (not approvers)', this.tenant.users.filter((u) => !u.isApprover && !u.isAdmin)],
    ];
    picker.replaceChildren(...groups.filter(([, list]) => list.length > 0).map(([label, list]) =>
      h('optgroup', { label }, ...list.map((u) => h('option', { value: u.id }, `${u.displayName}${u.jobTitle ? ` (${u.jobTitle})` : ''}`)))));
    picker.value = this.userId;
    document.body.dataset.user = this.userId;
  }

  private renderNav(): void {
    const { navChannel, navChat, chatUnread } = this.regions;
    navChannel.classList.toggle('active', this.view === 'channel');
    navChat.classList.toggle('active', this.view === 'personal');
    navChannel.setAttribute('aria-current', String(this.view === 'channel'));
    navChat.setAttribute('aria-current', String(this.view === 'personal'));
    const chat = this.conversations.get(personalConversationId(this.userId));
    const botMessages = chat?.messages.filter((m) => m.from.role === 'bot').length ?? 0;
    const unread = this.view === 'personal' ? 0 : botMessages - (this.seen.get(`${this.userId}|chat`) ?? 0);
    chatUnread.hidden = unread <= 0;
    chatUnread.textContent = unread > 0 ? String(unread) : '';
  }

  private renderConversation(): void {
    const { title, subtitle, input } = this.regions;
    document.body.dataset.user = this.userId;
    document.body.dataset.view = this.view;
    if (this.view === 'channel') {
      title.textContent = `# ${this.config.channel.name}`;
      subtitle.textContent = `${this.config.channel.teamName} team · MfaBot reads messages that @mention it`;
      input.placeholder = `Type @${this.config.bot.name} status`;
    } else {
      title.textContent = this.config.bot.name;
      subtitle.textContent = `Your 1:1 chat with ${this.config.bot.name}, as ${this.user.displayName}`;
      input.placeholder = 'Type status or help';
    }
    this.regions.picker.value = this.userId;
    this.renderMessages();
    this.renderNav();
    this.renderTyping();
  }

  // ---- messages and cards

  private renderMessages(): void {
    const { messages, empty } = this.regions;
    const conversation = this.conversations.get(this.conversationId);
    const list = conversation?.messages ?? [];
    if (this.view === 'personal') this.seen.set(`${this.userId}|chat`, list.filter((m) => m.from.role === 'bot').length);
    empty.hidden = list.length > 0;
    empty.textContent = this.view === 'channel'
      ? `Nothing here yet. Type "@${this.config.bot.name} status" below.`
      : `No messages yet. ${this.config.bot.name} writes here when it nudges you; you can also type "status".`;

    const keep = new Set(list.map((m) => m.id));
    for (const [id, entry] of this.rendered) {
      if (!keep.has(id)) {
        entry.element.remove();
        this.rendered.delete(id);
      }
    }
    let previous: Element | null = null;
    for (const message of list) {
      const view = this.visibleView(message);
      const key = JSON.stringify([this.userId, message.revision, message.text ?? '', view.cards, view.note ?? '', view.error ?? '', message.otherAttachments]);
      let entry = this.rendered.get(message.id);
      if (!entry || entry.key !== key) {
        const element = this.renderMessage(message, view);
        if (entry) entry.element.replaceWith(element);
        entry = { key, element };
        this.rendered.set(message.id, entry);
      }
      entry.element.toggleAttribute('data-pending', this.pending.has(message.id));
      const expectedPosition: Element | null = previous ? previous.nextElementSibling : messages.firstElementChild;
      if (expectedPosition !== entry.element) {
        if (previous) previous.after(entry.element);
        else messages.prepend(entry.element);
      }
      previous = entry.element;
    }
    for (const message of list) this.refreshIfListed(message);
    // Follow new messages, but leave the view alone when a card changes (the user may be reading it).
    const shown = `${this.conversationId}|${list.length}`;
    if (shown !== this.lastShown) this.regions.messages.parentElement?.scrollTo({ top: 1e9 });
    this.lastShown = shown;
  }

  /** What the current user sees of a message: their own view after a click, else the shared card. */
  private visibleView(message: ChatMessage): { cards: CardJson[]; note?: string; error?: string; personal: boolean } {
    const mine: PersonalView | undefined = message.personal[this.userId];
    if (!mine || mine.revision !== message.revision) return { cards: message.cards, personal: false };
    return {
      cards: mine.card ? [mine.card] : message.cards,
      ...(mine.note ? { note: mine.note } : {}),
      ...(mine.error ? { error: mine.error } : {}),
      personal: mine.card !== undefined,
    };
  }

  private renderMessage(message: ChatMessage, view: { cards: CardJson[]; note?: string; error?: string; personal: boolean }): HTMLElement {
    const fromBot = message.from.role === 'bot';
    const body = h('div', { class: 'message-body' },
      h('div', { class: 'message-meta' },
        h('span', { class: 'author' }, message.from.name),
        h('time', { datetime: message.timestamp }, clock(message.timestamp)),
        message.revision > 0 ? h('span', { class: 'edited' }, 'Edited') : null));
    if (message.text) {
      const text = h('div', { class: 'message-text', 'data-testid': 'message-text' });
      text.innerHTML = markdownToHtml(message.text);
      body.append(text);
    }
    view.cards.forEach((card, index) => {
      const host = h('div', { class: 'card-host', 'data-testid': 'card', 'data-card-index': index, 'data-personal': view.personal ? 'true' : 'false' });
      const rendered = renderCard(card, (request) => void this.onCardAction(message, request));
      if (rendered.warnings.length > 0) {
        host.dataset.warnings = String(rendered.warnings.length);
        console.warn('card rendered with warnings', rendered.warnings);
      }
      host.append(rendered.element);
      body.append(host);
    });
    for (const type of message.otherAttachments) body.append(h('p', { class: 'attachment' }, `Attachment not shown: ${type}`));
    if (view.note) {
      const note = h('p', { class: 'card-note', 'data-testid': 'card-note' });
      note.innerHTML = markdownToHtml(view.note);
      body.append(note);
    }
    if (view.error) body.append(h('p', { class: 'card-error', 'data-testid': 'card-error', role: 'alert' }, view.error));
    return h('li', { class: `message ${fromBot ? 'from-bot' : 'from-user'}`, 'data-testid': 'message', 'data-message-id': message.id, 'data-from': message.from.role, 'data-revision': message.revision },
      h('div', { class: `avatar${fromBot ? ' bot' : ''}`, 'aria-hidden': 'true' }, initials(message.from.name)), body);
  }

  /** Teams refreshes a card on display when its `refresh.userIds` names the viewer (docs/graph-notes.md, "Adaptive Cards in Teams"). */
  private refreshIfListed(message: ChatMessage): void {
    const mine = message.personal[this.userId];
    if (mine && mine.revision === message.revision) return;
    message.cards.forEach((card) => {
      const action = refreshesFor(card, this.user);
      const key = `${message.id}|${message.revision}|${this.userId}`;
      if (!action || this.refreshed.has(key)) return;
      this.refreshed.add(key);
      void this.invoke(message, action, 'automatic');
    });
  }

  private async onCardAction(message: ChatMessage, request: CardActionRequest): Promise<void> {
    if (request.kind === 'execute') return this.invoke(message, request, 'manual');
    if (request.kind === 'openUrl') {
      window.open(request.url, '_blank', 'noopener,noreferrer');
      return;
    }
    await this.relay(submitActivity(this.config, this.user, this.where(message.conversationId), message.id, request.data));
  }

  private async invoke(message: ChatMessage, action: { verb: string; id?: string; data: Record<string, unknown> }, trigger: 'manual' | 'automatic'): Promise<void> {
    this.setPending(message.id, true);
    try {
      await this.relay(invokeActivity(this.config, this.user, this.where(message.conversationId), message.id, action, trigger));
    } finally {
      this.setPending(message.id, false);
    }
  }

  private setPending(messageId: string, on: boolean): void {
    if (on) this.pending.add(messageId);
    else this.pending.delete(messageId);
    this.rendered.get(messageId)?.element.toggleAttribute('data-pending', on);
    document.body.dataset.pending = String(this.pending.size);
  }

  private async sendMessage(text: string): Promise<void> {
    const where = this.where(this.conversationId);
    const result = await this.relay(messageActivity(this.config, this.user, where, text));
    if (result?.status === 204 && where.kind === 'channel') {
      this.showNotice(`In a channel, ${this.config.bot.name} reads only messages that @mention it: try "@${this.config.bot.name} status".`);
    }
  }

  private async relay(activity: Record<string, unknown>): Promise<{ status: number } | undefined> {
    try {
      let result = await api.send(activity);
      if (result.consent) {
        // As Teams does the first time an app signs a user in: ask, then go on with their click.
        if (!(await this.askConsent(result.consent.text))) {
          this.showNotice('You did not let MfaBot act as you, so nothing was changed.');
          return result;
        }
        result = await api.send({ ...activity, consent: true });
      }
      if (result.status >= 400 && activity.type === 'message') this.showNotice(`${this.config.bot.name} answered HTTP ${result.status}.`);
      return result;
    } catch (err) {
      this.showNotice(`Could not reach ${this.config.bot.name}: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** The consent prompt Teams shows before an app acts as the user for the first time. */
  private askConsent(text: string): Promise<boolean> {
    return new Promise((resolve) => {
      const close = (answer: boolean) => {
        dialog.remove();
        resolve(answer);
      };
      const dialog = h('div', { class: 'consent', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'consent-title', 'data-testid': 'consent-dialog' },
        h('div', { class: 'consent-box' },
          h('h2', { id: 'consent-title' }, `${this.config.bot.name} needs your permission`),
          h('p', {}, text),
          h('p', { class: 'consent-fine' }, `Signed in as ${this.user.displayName}. ${this.config.bot.name} will make the changes you approve with your own identity, so Microsoft Graph checks your role; it cannot act as you otherwise.`),
          h('div', { class: 'consent-actions' },
            h('button', { type: 'button', 'data-testid': 'consent-cancel', onclick: () => close(false) }, 'Cancel'),
            h('button', { type: 'button', class: 'primary', 'data-testid': 'consent-allow', onclick: () => close(true) }, 'Allow'))));
      document.body.append(dialog);
      dialog.querySelector<HTMLButtonElement>('[data-testid="consent-allow"]')?.focus();
    });
  }

  private showNotice(text: string): void {
    const { notice } = this.regions;
    notice.textContent = text;
    notice.hidden = false;
    window.setTimeout(() => {
      if (notice.textContent === text) notice.hidden = true;
    }, 8_000);
  }

  private renderTyping(): void {
    const until = this.typingUntil.get(this.conversationId) ?? 0;
    this.regions.typing.hidden = until <= Date.now();
  }

  // ---- the simulated tenant

  private renderPanel(): void {
    const t = this.tenant;
    // The bot's own count (guests and disabled admins included), so the panel and the card agree.
    const admins = t.admins;
    const stateLabel = (state: string): [string, string] => {
      if (state === 'enabled') return ['On', 'on'];
      if (state === 'enabledForReportingButNotEnforced') return ['Report-only', 'report'];
      return ['Off', 'off'];
    };
    const policies = h('ul', { class: 'policies', 'data-testid': 'policies' }, ...t.policies.map((p) => {
      const [label, cls] = stateLabel(p.state);
      return h('li', { 'data-testid': 'policy', 'data-policy-id': p.id, 'data-state': p.state },
        h('span', { class: 'policy-name' }, p.displayName), h('span', { class: `badge state-${cls}` }, label));
    }));
    const adminList = h('ul', { class: 'admins', 'data-testid': 'admins' }, ...admins.map((u) => {
      const state = u.mfaRegistered === true ? 'registered' : u.mfaRegistered === false ? 'unregistered' : 'unknown';
      const label = { registered: 'Registered', unregistered: 'Not registered', unknown: 'Unknown' }[state];
      const button = u.mfaRegistered === true ? null : h('button', {
        type: 'button', class: 'register', 'data-testid': 'register', title: `Mark ${u.displayName} as registered for MFA in the simulated tenant`,
        onclick: (ev: Event) => void this.register(u, ev.currentTarget as HTMLButtonElement),
      }, 'Register');
      return h('li', { 'data-testid': 'admin', 'data-user-id': u.id, 'data-registered': state, 'data-bot-installed': String(u.botInstalled) },
        h('div', { class: 'admin-name' }, h('span', {}, u.displayName), u.isApprover ? h('span', { class: 'badge approver' }, 'Approver') : null,
          u.guest ? h('span', { class: 'badge guest', title: 'A guest account holding an admin role' }, 'Guest') : null,
          u.accountEnabled === false ? h('span', { class: 'badge disabled', title: 'The account is disabled' }, 'Disabled') : null,
          u.botInstalled ? h('span', { class: 'badge installed', title: `${this.config.bot.name} is installed in their Teams (personal scope)` }, `Has ${this.config.bot.name}`) : null),
        h('div', { class: 'admin-roles' }, u.roles.join(', ')),
        h('div', { class: 'admin-state' }, h('span', { class: `badge ${state}` }, label), button));
    }));
    this.regions.panel.replaceChildren(
      h('h2', {}, 'Simulated tenant'),
      h('p', { class: 'tenant-name' }, `${t.displayName} · ${t.id}`),
      h('section', {},
        h('h3', {}, `Conditional Access policies (${t.policies.length})`),
        t.securityDefaultsEnabled ? h('p', { class: 'hint' }, 'Security defaults are on.') : null,
        policies),
      h('section', {},
        h('h3', {}, 'Admins and MFA registration'),
        h('p', { class: 'summary', 'data-testid': 'registered-summary' }, `${t.totals.registered} of ${t.totals.admins} admins registered`),
        h('p', { class: 'hint' }, 'Counted as the status card counts them: active and PIM-eligible, direct and through groups, guests included.'),
        h('p', { class: 'hint' }, '"Register" does what the admin would do at aka.ms/mysecurityinfo.'),
        adminList),
    );
  }

  private async register(user: Pick<TenantUser, 'id' | 'displayName'>, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      await api.register(user.id);
      await this.reloadTenant();
    } catch (err) {
      button.disabled = false;
      this.showNotice(`Could not register ${user.displayName}: ${(err as Error).message}`);
    }
  }
}

/** Starts the client in `root`. */
export async function startApp(root: HTMLElement): Promise<void> {
  const [config, tenant] = await Promise.all([api.config(), api.tenant()]);
  new PlaygroundApp(root, config, tenant).start();
}
