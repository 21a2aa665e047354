/** Graph DTOs → domain facts. */
import type { PrincipalKind, PrincipalRef, DirectoryUser } from '../domain/facts';

/** The `$expand=principal` object: a directoryObject whose concrete type is in `@odata.type`. */
export interface ExpandedPrincipal {
  '@odata.type'?: string;
  id?: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  accountEnabled?: boolean | null;
  userType?: string | null;
  appId?: string | null;
}

const KINDS: Record<string, PrincipalKind> = {
  '#microsoft.graph.user': 'user',
  '#microsoft.graph.group': 'group',
  '#microsoft.graph.serviceprincipal': 'servicePrincipal',
};

export function toPrincipalRef(principalId: string, p: ExpandedPrincipal | undefined): PrincipalRef {
  const kind = KINDS[(p?.['@odata.type'] ?? '').toLowerCase()] ?? 'unknown';
  const ref: PrincipalRef = { kind, id: principalId.toLowerCase(), displayName: p?.displayName ?? null };
  if (kind === 'user') {
    ref.userPrincipalName = p?.userPrincipalName ?? null;
    ref.accountEnabled = p?.accountEnabled ?? null;
    ref.userType = p?.userType ?? null;
  }
  if (kind === 'servicePrincipal') ref.appId = p?.appId ?? null;
  return ref;
}

export function toDirectoryUser(u: { id?: string; userPrincipalName?: string | null; displayName?: string | null; accountEnabled?: boolean | null; userType?: string | null }): DirectoryUser | null {
  if (!u.id) return null;
  return {
    id: u.id.toLowerCase(),
    userPrincipalName: u.userPrincipalName ?? u.id,
    displayName: u.displayName ?? u.userPrincipalName ?? u.id,
    accountEnabled: u.accountEnabled ?? null,
    ...(u.userType ? { userType: u.userType } : {}),
  };
}
