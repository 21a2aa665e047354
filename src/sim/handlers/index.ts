/** The simulator's route table: every Graph endpoint it serves, in one list. */
import type { PermissionRequirement } from '../permissions';
import { Router, type Route } from '../router';
import { authenticationMethodRoutes } from './authenticationMethods';
import { batchRoutes } from './batch';
import { conditionalAccessRoutes } from './conditionalAccess';
import { directoryRoutes } from './directory';
import { pimRoutes } from './pim';
import { policyRoutes } from './policies';
import { registrationRoutes } from './registration';
import { roleRoutes } from './roles';
import { securityRoutes } from './security';
import { teamsRoutes } from './teams';

export const ROUTES: readonly Route[] = [
  ...directoryRoutes,
  ...authenticationMethodRoutes,
  ...roleRoutes,
  ...registrationRoutes,
  ...conditionalAccessRoutes,
  ...policyRoutes,
  ...pimRoutes,
  ...securityRoutes,
  ...teamsRoutes,
  ...batchRoutes,
];

export function createRouter(): Router {
  return new Router(ROUTES);
}

/**
 * Application permissions per endpoint (`"GET /users/{id}"` → requirement). Each inner list is
 * satisfied by any one of its permissions (least privileged first); all inner lists must be satisfied.
 */
export const SIM_PERMISSIONS: Readonly<Record<string, PermissionRequirement>> = Object.freeze(createRouter().permissionTable());
