/**
 * The live tenant behind the simulator: the fixture object itself (mutable, shared with
 * `Simulator.state`) plus lookups that stay correct when collections are edited in place.
 */
import type { SubscribedSku } from '@microsoft/microsoft-graph-types';
import { licenceFromSkus } from '../domain/licence';
import type { Licence } from '../domain/types';
import type {
  FixtureGroup, FixturePolicy, FixtureRegistration, FixtureRoleAssignment, FixtureServicePrincipal, FixtureTeamsApp, FixtureUser, TenantFixture,
} from './fixture';

export type DirectoryObject =
  | { kind: 'user'; obj: FixtureUser }
  | { kind: 'group'; obj: FixtureGroup }
  | { kind: 'servicePrincipal'; obj: FixtureServicePrincipal };

interface Index<T> {
  source: readonly T[];
  length: number;
  byKey: Map<string, T>;
}

export class TenantState {
  private readonly indexes = new Map<string, Index<unknown>>();
  private directAdmins: { assignments: readonly FixtureRoleAssignment[]; length: number; users: Map<string, FixtureUser>; ids: ReadonlySet<string> } | null = null;
  private byRole: { source: readonly FixtureRoleAssignment[]; length: number; positions: Map<string, number[]> } | null = null;
  private adminRows: { ids: ReadonlySet<string>; source: readonly FixtureRegistration[]; length: number; rows: readonly FixtureRegistration[] } | null = null;

  constructor(readonly tenant: TenantFixture) {}

  /**
   * A lookup map rebuilt whenever the collection is replaced or changes length; in-place edits of
   * an item need no rebuild because the map holds the same objects.
   */
  private lookup<T>(name: string, source: readonly T[], key: (item: T) => string): Map<string, T> {
    const cached = this.indexes.get(name) as Index<T> | undefined;
    if (cached && cached.source === source && cached.length === source.length) return cached.byKey;
    const byKey = new Map<string, T>();
    for (const item of source) byKey.set(key(item).toLowerCase(), item);
    this.indexes.set(name, { source, length: source.length, byKey } as Index<unknown>);
    return byKey;
  }

  /** A user by object id or userPrincipalName (both case-insensitive, as Graph). */
  user(idOrUpn: string): FixtureUser | undefined {
    const key = idOrUpn.toLowerCase();
    return this.lookup('users', this.tenant.users, (u) => u.id).get(key)
      ?? this.lookup('upns', this.tenant.users, (u) => u.userPrincipalName).get(key);
  }

  group(id: string): FixtureGroup | undefined {
    return this.lookup('groups', this.tenant.groups, (g) => g.id).get(id.toLowerCase());
  }

  servicePrincipal(id: string): FixtureServicePrincipal | undefined {
    return this.lookup('servicePrincipals', this.tenant.servicePrincipals, (s) => s.id).get(id.toLowerCase());
  }

  directoryObject(id: string): DirectoryObject | undefined {
    const user = this.lookup('users', this.tenant.users, (u) => u.id).get(id.toLowerCase());
    if (user) return { kind: 'user', obj: user };
    const group = this.group(id);
    if (group) return { kind: 'group', obj: group };
    const sp = this.servicePrincipal(id);
    return sp ? { kind: 'servicePrincipal', obj: sp } : undefined;
  }

  registration(userId: string): FixtureRegistration | undefined {
    return this.lookup('registrations', this.tenant.userRegistrationDetails, (r) => r.id).get(userId.toLowerCase());
  }

  policy(id: string): FixturePolicy | undefined {
    return this.tenant.conditionalAccessPolicies.find((p) => p.id.toLowerCase() === id.toLowerCase());
  }

  teamsApp(id: string): FixtureTeamsApp | undefined {
    return (this.tenant.teamsApps ?? []).find((a) => a.id.toLowerCase() === id.toLowerCase());
  }

  /** Every member reachable from a group through nested groups, each once, breadth first. */
  transitiveMembers(groupId: string): DirectoryObject[] {
    const root = this.group(groupId);
    if (!root) return [];
    const out: DirectoryObject[] = [];
    const seen = new Set<string>([root.id.toLowerCase()]);
    const queue: FixtureGroup[] = [root];
    for (let g = queue.shift(); g; g = queue.shift()) {
      for (const memberId of g.members) {
        const key = memberId.toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        const member = this.directoryObject(memberId);
        if (!member) continue;
        out.push(member);
        if (member.kind === 'group') queue.push(member.obj);
      }
    }
    return out;
  }

  /** Role template ids a user holds actively (directly or through a group), lower-case: what Graph checks for delegated writes. */
  activeRoleIds(userId: string): ReadonlySet<string> {
    const key = userId.toLowerCase();
    const out = new Set<string>();
    for (const a of this.tenant.roleAssignments) {
      const principal = a.principalId.toLowerCase();
      const holds = principal === key || (this.group(principal) !== undefined && this.transitiveMembers(principal).some((m) => m.kind === 'user' && m.obj.id.toLowerCase() === key));
      if (holds) out.add(a.roleDefinitionId.toLowerCase());
    }
    return out;
  }

  /** Entra ID tier from subscribedSkus, by the same rule the bot uses (docs/graph-notes.md, "Licences"). */
  licence(): Licence {
    const skus: SubscribedSku[] = this.tenant.subscribedSkus;
    return licenceFromSkus(skus);
  }

  /**
   * Users with an active, direct assignment of any role: the simulator's (deliberately narrow)
   * meaning of `isAdmin`, so clients that trust it miss eligible and group-based admins.
   * Every registration request asks, so the set is kept until the assignments or users change
   * (same rule as the lookups above: a replaced collection or a new length).
   */
  directAdminUserIds(): ReadonlySet<string> {
    const users = this.lookup('users', this.tenant.users, (u) => u.id);
    const assignments = this.tenant.roleAssignments;
    const cached = this.directAdmins;
    if (cached && cached.assignments === assignments && cached.length === assignments.length && cached.users === users) return cached.ids;
    const ids = new Set<string>();
    for (const a of assignments) {
      if (users.has(a.principalId.toLowerCase())) ids.add(a.principalId.toLowerCase());
    }
    this.directAdmins = { assignments, length: assignments.length, users, ids };
    return ids;
  }

  /**
   * Role assignments of `roleIds` (lower case) in the fixture's order, from an index kept until the
   * assignments change (replaced, or a new length); all of them when `roleIds` is undefined.
   */
  assignmentsOfRoles(roleIds: readonly string[] | undefined): readonly FixtureRoleAssignment[] {
    const source = this.tenant.roleAssignments;
    if (!roleIds) return source;
    let index = this.byRole;
    if (!index || index.source !== source || index.length !== source.length) {
      const positions = new Map<string, number[]>();
      source.forEach((a, i) => {
        const role = a.roleDefinitionId.toLowerCase();
        const list = positions.get(role);
        if (list) list.push(i);
        else positions.set(role, [i]);
      });
      index = { source, length: source.length, positions };
      this.byRole = index;
    }
    const at = roleIds.flatMap((r) => index.positions.get(r) ?? []).sort((a, b) => a - b);
    return at.flatMap((i) => source[i] ?? []);
  }

  /**
   * The registration rows of `directAdminUserIds()`, in the report's order: what `isAdmin eq true`
   * lists, found once per change instead of by scanning every row on every page.
   */
  adminRegistrations(): readonly FixtureRegistration[] {
    const ids = this.directAdminUserIds();
    const source = this.tenant.userRegistrationDetails;
    const cached = this.adminRows;
    if (cached && cached.ids === ids && cached.source === source && cached.length === source.length) return cached.rows;
    const rows = source.filter((r) => ids.has(r.id.toLowerCase()));
    this.adminRows = { ids, source, length: source.length, rows };
    return rows;
  }
}
