/**
 * A coverage gap in one sentence a person understands, for cards and the command line:
 * "Brian (Exchange Administrator) can sign in with Exchange ActiveSync (the iPhone Mail app) without
 * MFA: 'Require MFA for admins' covers only browsers and modern clients, and no policy blocks legacy
 * clients."
 */
import type { CoverageGap } from './coverageEngine';

const PREPOSITION: Readonly<Record<string, string>> = {
  clientAppType: 'with',
  platform: 'on',
  location: 'from',
  application: 'to',
  signInRisk: 'at',
  userRisk: 'at',
};

/** "An Exchange Administrator", "A Global Administrator": the hypothetical admin of a role. */
export function roleWho(roleDisplayName: string): string {
  // "An Exchange …" but "A User …": role names starting with U sound like "you".
  return `${/^[aeio]/i.test(roleDisplayName) ? 'An' : 'A'} ${roleDisplayName}`;
}

/** "Brian (Exchange Administrator, User Administrator)". */
export function adminWho(displayName: string, roleDisplayNames: readonly string[]): string {
  const roles = [...new Set(roleDisplayNames)];
  return roles.length > 0 ? `${displayName} (${roles.join(', ')})` : displayName;
}

/** The sign-ins of the hole, after "sign-ins": "from trusted locations on iOS". */
function regionPhrase(gap: CoverageGap): string {
  return gap.narrowedBy.map((n) => `${PREPOSITION[n.dimension] ?? 'with'} ${n.region}`).join(' ');
}

/**
 * One sentence: who can sign in how without MFA, why the closest policies miss it, and what no
 * policy does. `who` names the subject ("Brian (Exchange Administrator)", or `roleWho(...)`).
 */
export function describeGap(who: string, gap: CoverageGap): string {
  const how = gap.narrowedBy.map((n) => n.phrase).join(' ');
  const misses = gap.closest.map((m) => `'${m.policyName}' ${m.reasons[0] ?? 'does not protect it'}`);
  const other = misses.length > 0 ? 'other ' : '';
  let nobody: string;
  if (gap.narrowedBy.length === 0) nobody = `no ${misses.length > 0 ? 'other ' : 'enabled '}policy requires MFA or blocks access for them`;
  else if (gap.legacyOnly) nobody = `no policy blocks ${gap.narrowedBy[0]?.region ?? 'legacy clients'}`;
  else nobody = `no ${other}policy covers sign-ins ${regionPhrase(gap)}`;
  const why = misses.length > 0 ? `${misses.join(', ')}, and ${nobody}` : nobody;
  return `${who} can sign in${how ? ` ${how}` : ''} without MFA: ${why}.`;
}
