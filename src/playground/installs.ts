/**
 * Teams' part when MfaBot is installed for a user. Installing an app in someone's personal scope
 * (Graph `POST /users/{id}/teamwork/installedApps`, which the bot does before it nudges an admin it
 * has no chat with) opens their 1:1 chat with the bot, and Teams tells the bot with a
 * `conversationUpdate` (membersAdded: the bot) and an `installationUpdate` (action `add`), docs/graph-notes.md, "Teams: proactive 1:1 messages".
 *
 * The simulator only records the installation, and in demo mode nobody wires its `onAppInstalled`
 * hook to the playground (the composition root starts the simulator before the playground exists),
 * so the playground notices installations in the simulated tenant it reads, and plays Teams' part.
 */
import type { PlaygroundConfig, RelayResult, TenantUser } from './protocol';
import type { Transcript } from './transcript';
import { installActivities } from './web/activities';

export interface InstallNotifierDeps {
  transcript: Transcript;
  config(): PlaygroundConfig;
  /** Hands an activity to the bot; answers the bot's HTTP answer (never rejects). */
  sendToBot(activity: Record<string, unknown>): Promise<RelayResult>;
  logger?: { warn(obj: object, msg?: string): void };
}

/** Tells the bot about each installation of MfaBot that appears in the simulated tenant, once. */
export class InstallNotifier {
  /** Users MfaBot is known to be installed for; null until the first read, which is the baseline. */
  private known: Set<string> | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: InstallNotifierDeps) {}

  /**
   * Compares a read of the tenant with what was seen before. Installations present at the first read
   * predate the playground and are not announced. The known set only grows: reads that finish out of
   * order must not announce an installation twice (the simulator cannot uninstall).
   */
  observe(users: readonly TenantUser[]): void {
    const installed = users.filter((u) => u.botInstalled);
    if (this.known === null) {
      this.known = new Set(installed.map((u) => u.id));
      return;
    }
    for (const user of installed) {
      if (this.known.has(user.id)) continue;
      this.known.add(user.id);
      this.queue = this.queue.then(() => this.announce(user));
    }
  }

  /** Resolves once every installation observed so far has been announced to the bot. */
  settled(): Promise<void> {
    return this.queue;
  }

  private async announce(user: TenantUser): Promise<void> {
    const conversation = this.deps.transcript.personal({ id: user.id, name: user.displayName }, true);
    // One after the other, as Teams sends them: the bot keeps the same reference from both.
    for (const activity of installActivities(this.deps.config(), user, conversation.id)) {
      const answer = await this.deps.sendToBot(activity);
      if (answer.status >= 300) {
        this.deps.logger?.warn({ status: answer.status, type: activity.type, user: user.id }, 'the bot did not accept an install notification from the playground');
      }
    }
  }
}
