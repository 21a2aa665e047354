/**
 * The built-in demo tenant "Contoso" (contoso.example) and the ids the demo configuration needs.
 *
 * Contoso has 30 admins in the template scope (README, "Who counts as an admin?"): direct, PIM-eligible, through the
 * role-assignable groups "Tier0 Identity Admins" (with a nested contractors group) and "Helpdesk
 * Tier1 (PIM)"; 23 registered, 6 unregistered (one a Global Administrator), 1 without a registration
 * row; two FIDO2 break-glass Global Administrators; a service principal holding Application
 * Administrator; Entra ID P2 through Microsoft 365 E5; security defaults off; two named locations
 * (a trusted office range and a list of countries); and CA policies that enforce MFA for Global
 * Administrator (one policy) and Exchange Administrator (MFA for browsers and modern clients beside
 * the tenant-wide legacy-authentication block) only: the admin policy is still a report-only pilot.
 */
import { MFABOT_TEAMS_APP_EXTERNAL_ID } from './defaults';
import { parseFixture, type TenantFixture } from './fixture';
import contoso from './tenants/contoso.json';
import { cloneJson } from './util';

export const DEMO_TENANT_ID = 'e850083c-95fb-4b76-8782-c996e0b4ef17';

/** Emergency Access 01 and 02: cloud-only Global Administrators with FIDO2 keys. */
export const DEMO_BREAK_GLASS_IDS: string[] = [
  '14cc101a-564e-40c6-b4e4-121a2f4050ba',
  'e8aa2897-11d9-4385-88e2-4fc626ccc889',
];

/** "Service accounts - CA exclusion": two service accounts holding no admin role. */
export const DEMO_EXCLUSION_GROUP_ID = '66ba26ed-8c7a-459e-b17c-6650f016e096';

/**
 * Megan Bowen (Security Lead: Security + Conditional Access Administrator), Adele Vance (IT Director:
 * Global Administrator) and Diego Siciliani (Identity Operations Manager: User Administrator). Diego may
 * approve, but with changes made as the approver Graph refuses him: his role may not manage
 * Conditional Access, which the playground shows.
 */
export const DEMO_APPROVER_IDS: string[] = [
  '03fb2515-6020-4349-ac3c-8c97e15150f9',
  'db61bde3-64f6-4a90-962d-b6222bd742c4',
  '5bfaf3df-b29d-4f0b-b6bc-de36462060ad',
];

/** MfaBot in Contoso's org app catalog (installed for both approvers), and its manifest id. */
export const DEMO_TEAMS_APP_ID = '6059eb09-378e-4daf-89e6-15d2b6ca69f6';
export const DEMO_TEAMS_APP_EXTERNAL_ID = MFABOT_TEAMS_APP_EXTERNAL_ID;

/** A fresh, validated copy of the Contoso tenant (callers may mutate it freely). */
export function demoTenant(): TenantFixture {
  return parseFixture(cloneJson(contoso));
}
