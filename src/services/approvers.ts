/**
 * Who the approvers are: the configured object ids, and the transitive members of the approver group
 * (read from Graph, shared by clicks arriving together and reused for a few seconds only, so a removed
 * approver loses the right almost at once). A group that cannot be read fails closed.
 */
import { isConfiguredApprover } from '../domain/approval';
import { GraphFailure } from '../graph/errors';
import type { NamedUser, PolicyGateway } from '../graph/policyGateway';

export interface ApproverSettings {
  approverIds: readonly string[];
  approverGroupId: string | null;
}

/** How long one read of the approver group serves later clicks. */
const GROUP_CACHE_MS = 5_000;
const MAX_APPROVERS_SHOWN = 20;

export class Approvers {
  private group: { at: number; members: Promise<NamedUser[]> } | null = null;

  constructor(
    private readonly gateway: Pick<PolicyGateway, 'groupUsers' | 'userNames'>,
    private readonly settings: ApproverSettings,
    private readonly now: () => Date,
  ) {}

  /** Whether `userId` is an approver; `note` explains a membership check that could not be made. */
  async status(userId: string | undefined): Promise<{ approver: boolean; note?: string }> {
    if (!userId) return { approver: false, note: 'Teams did not say who clicked (no Entra object id).' };
    if (isConfiguredApprover(userId, this.settings.approverIds)) return { approver: true };
    if (!this.settings.approverGroupId) return { approver: false };
    try {
      const members = await this.groupMembers();
      return { approver: isConfiguredApprover(userId, [], members.map((m) => m.id)) };
    } catch (err) {
      const detail = err instanceof GraphFailure ? err.message : 'the approver group could not be read';
      return { approver: false, note: `The approver group could not be checked: ${detail}` };
    }
  }

  /** Approvers by name, for @mentions (configured ids first, then group members). */
  async list(): Promise<NamedUser[]> {
    const { approverIds, approverGroupId } = this.settings;
    const named = await this.gateway.userNames(approverIds.slice(0, MAX_APPROVERS_SHOWN));
    const byId = new Map(named.map((n) => [n.id.toLowerCase(), n]));
    const out: NamedUser[] = approverIds.map((id) => byId.get(id.toLowerCase()) ?? { id, displayName: id });
    if (approverGroupId) {
      try {
        for (const m of await this.groupMembers()) if (!out.some((o) => o.id.toLowerCase() === m.id)) out.push(m);
      } catch {
        // Mentions are a courtesy: the configured ids are still named.
      }
    }
    return out.slice(0, MAX_APPROVERS_SHOWN);
  }

  private groupMembers(): Promise<NamedUser[]> {
    const groupId = this.settings.approverGroupId;
    if (!groupId) return Promise.resolve([]);
    const now = this.now().getTime();
    if (this.group && now - this.group.at < GROUP_CACHE_MS) return this.group.members;
    const members = this.gateway.groupUsers(groupId);
    this.group = { at: now, members };
    members.catch(() => {
      if (this.group?.members === members) this.group = null;
    });
    return members;
  }
}
