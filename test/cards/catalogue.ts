/**
 * Every card MfaBot renders, at the report shapes that matter: the cards every test of schema,
 * verbs and size runs over.
 */
import { errorCard, helpCard, noticeCard, statusCard } from '../../src/cards';
import type { AdaptiveCard } from '../../src/cards/types';
import {
  NOW, allRegisteredAndCovered, freeLicenceNoneCovered, hugeTenant, p2WithEligibleAdmins, securityDefaultsOn, withCaveats,
} from './fixtures';

export interface NamedCard {
  name: string;
  card: () => AdaptiveCard;
}

export const CATALOGUE: readonly NamedCard[] = [
  { name: 'status: all registered and covered', card: () => statusCard(allRegisteredAndCovered(), { now: NOW }) },
  { name: 'status: free licence, nothing covered', card: () => statusCard(freeLicenceNoneCovered(), { now: NOW }) },
  { name: 'status: security defaults on', card: () => statusCard(securityDefaultsOn(), { now: NOW }) },
  { name: 'status: P2 with eligible admins', card: () => statusCard(p2WithEligibleAdmins(), { now: NOW, nudgeHistory: {} }) },
  { name: 'status: caveats', card: () => statusCard(withCaveats(), { now: NOW }) },
  { name: 'status: 5,000 admins with long names, 14 uncovered roles', card: () => statusCard(hugeTenant(), { now: NOW }) },
  { name: 'status: 5,000 admins, CJK text', card: () => statusCard(hugeTenant(5_000, '界'), { now: NOW }) },
  { name: 'status: 5,000 admins, emoji text', card: () => statusCard(hugeTenant(5_000, '🔐'), { now: NOW, maxAdminsListed: 100 }) },
  { name: 'status: no admins', card: () => statusCard(hugeTenant(0), { now: NOW }) },
  { name: 'help', card: () => helpCard({ botName: 'MfaBot' }) },
  { name: 'help for an approver', card: () => helpCard({ botName: 'MfaBot', isApprover: true }) },
  { name: 'help after an unknown command', card: () => helpCard({ botName: 'MfaBot', unknownCommand: 'stauts please' }) },
  {
    name: 'error',
    card: () => errorCard('MfaBot could not read the tenant', 'Graph answered 403 Forbidden.', {
      hint: 'Grant AuditLog.Read.All and admin consent.', requestId: '5f0c7c4e-1a2b-4c3d-8e9f-001122334455',
    }),
  },
  { name: 'error without options', card: () => errorCard('Something went wrong', 'Try again later.') },
  { name: 'notice', card: () => noticeCard('Nudging admins is not available yet', 'Type "status" for the latest report.') },
];
