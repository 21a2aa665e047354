/**
 * What a tenant has without saying so: the built-in role catalogue, the built-in authentication
 * strengths and Graph's well-known ids. Fixtures may omit these collections.
 */
import { KNOWN_ROLES } from '../domain/roles';

/** Id of the singleton security defaults policy (Microsoft's sample value). */
export const SECURITY_DEFAULTS_POLICY_ID = '00000000-0000-0000-0000-000000000005';

/** Service plans that carry Entra ID licences (docs/graph-notes.md, "Licences"). */
export const PLAN = {
  aadPremiumP1: '41781fb2-bc02-4b7c-bd55-b576c07bb09d',
  aadPremiumP2: 'eec0eb4f-6444-4f95-aba0-50c24d67f998',
  entraIdGovernance: 'e866a266-3cff-43a3-acca-0c90a7e00c8b',
} as const;

/** The manifest id (`externalId` in the app catalog) the simulated tenants give MfaBot's Teams app. */
export const MFABOT_TEAMS_APP_EXTERNAL_ID = 'b3f3c2a1-6d5e-4f7a-9b8c-0d1e2f3a4b5c';

export const BUILT_IN_STRENGTH = {
  mfa: '00000000-0000-0000-0000-000000000002',
  passwordlessMfa: '00000000-0000-0000-0000-000000000003',
  phishingResistantMfa: '00000000-0000-0000-0000-000000000004',
} as const;

/**
 * Built-in roles outside MfaBot's catalogue that real tenants commonly hold; they make the
 * catalogue realistic (readers are not admins in any scope) and keep CA validation honest.
 */
const OTHER_BUILT_IN_ROLES: ReadonlyArray<{ id: string; displayName: string }> = [
  { id: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', displayName: 'Global Reader' },
  { id: '5d6b6bb7-de71-4623-b4af-96380a352509', displayName: 'Security Reader' },
  { id: '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f', displayName: 'Security Operator' },
  { id: '4a5d8f65-41da-4de4-8968-e035b65339cf', displayName: 'Reports Reader' },
  { id: '0526716b-113d-4c15-b2c8-68e3c22b9f80', displayName: 'Authentication Policy Administrator' },
  { id: '45d8d3c5-c802-45c6-b32a-1d70b5e1e86e', displayName: 'Identity Governance Administrator' },
];

export type BuiltInRoleDefinition = {
  id: string;
  displayName: string;
  description: string | null;
  isBuiltIn: boolean;
  isEnabled: boolean;
  templateId: string | null;
};

/** The default `roleDefinitions`: every role of src/domain/roles.ts plus a few common readers. */
export function defaultRoleDefinitions(): BuiltInRoleDefinition[] {
  return [...KNOWN_ROLES, ...OTHER_BUILT_IN_ROLES].map((r) => ({
    id: r.id,
    displayName: r.displayName,
    description: null,
    isBuiltIn: true,
    isEnabled: true,
    templateId: r.id,
  }));
}

export type StrengthPolicy = {
  id: string;
  displayName: string;
  description: string;
  policyType: 'builtIn' | 'custom';
  requirementsSatisfied: 'none' | 'mfa';
  allowedCombinations: string[];
  createdDateTime: string;
  modifiedDateTime: string;
};

const PHISHING_RESISTANT = ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor'];
const PASSWORDLESS = [...PHISHING_RESISTANT, 'deviceBasedPush'];
const MFA = [
  ...PASSWORDLESS, 'temporaryAccessPassOneTime', 'temporaryAccessPassMultiUse',
  'password,microsoftAuthenticatorPush', 'password,softwareOath', 'password,hardwareOath', 'password,sms',
  'password,voice', 'federatedMultiFactor', 'microsoftAuthenticatorPush,federatedSingleFactor',
  'softwareOath,federatedSingleFactor', 'hardwareOath,federatedSingleFactor', 'sms,federatedSingleFactor',
  'voice,federatedSingleFactor',
];

/** The three built-in authentication strengths, all of which require MFA. */
export function defaultAuthenticationStrengths(): StrengthPolicy[] {
  const stamp = '2021-12-01T00:00:00Z';
  const builtIn = (id: string, displayName: string, description: string, combos: string[]): StrengthPolicy => ({
    id, displayName, description, policyType: 'builtIn', requirementsSatisfied: 'mfa',
    allowedCombinations: [...combos], createdDateTime: stamp, modifiedDateTime: stamp,
  });
  return [
    builtIn(BUILT_IN_STRENGTH.mfa, 'Multifactor authentication',
      'Combinations of methods that satisfy strong authentication, such as a password + SMS', MFA),
    builtIn(BUILT_IN_STRENGTH.passwordlessMfa, 'Passwordless MFA',
      'Passwordless methods that satisfy strong authentication, such as Passwordless sign-in with the Microsoft Authenticator', PASSWORDLESS),
    builtIn(BUILT_IN_STRENGTH.phishingResistantMfa, 'Phishing-resistant MFA',
      'Phishing-resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key', PHISHING_RESISTANT),
  ];
}

/**
 * The licence a fixture gets when it says nothing about licences: Entra ID P2 (as in Microsoft 365 E5),
 * so registration details and PIM are served. A fixture that lists `subscribedSkus: []` is a Free tenant.
 */
export function defaultSubscribedSkus() {
  return [{
    id: '00000000-0000-0000-0000-0000000000e5_06ebc4ee-1bb5-47dd-8120-11324bc54e06',
    skuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06',
    skuPartNumber: 'SPE_E5',
    capabilityStatus: 'Enabled' as const,
    appliesTo: 'User',
    consumedUnits: 0,
    prepaidUnits: { enabled: 10000, lockedOut: 0, suspended: 0, warning: 0 },
    servicePlans: [
      { servicePlanId: PLAN.aadPremiumP1, servicePlanName: 'AAD_PREMIUM', provisioningStatus: 'Success', appliesTo: 'User' },
      { servicePlanId: PLAN.aadPremiumP2, servicePlanName: 'AAD_PREMIUM_P2', provisioningStatus: 'Success', appliesTo: 'User' },
    ],
  }];
}
