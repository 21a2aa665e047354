/** Graph's error responses: `{"error":{"code","message","innerError":{...}}}` with an HTTP status. */

/** Thrown by handlers and the router; the server turns it into Graph's error body. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

export function errorBody(code: string, message: string, requestId: string, clientRequestId: string, now: Date): GraphErrorBody {
  return {
    error: {
      code,
      message,
      innerError: { date: now.toISOString().replace(/\.\d{3}Z$/, 'Z'), 'request-id': requestId, 'client-request-id': clientRequestId },
    },
  };
}

export const badRequest = (message: string, code = 'BadRequest'): GraphError => new GraphError(400, code, message);

export const invalidFilter = (detail: string): GraphError => badRequest(`Invalid filter clause: ${detail}`);

/** Directory objects (users, groups, registration rows…) that do not exist. */
export const resourceNotFound = (id: string): GraphError =>
  new GraphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);

export const insufficientPrivileges = (): GraphError =>
  new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');

export const nonPremiumTenant = (): GraphError =>
  new GraphError(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license");

/** Code and message Graph uses for a status the fault injector produces without a body of its own. */
export function defaultFaultError(status: number): { code: string; message: string } {
  switch (status) {
    case 429: return { code: 'TooManyRequests', message: 'Too many requests. Please retry after the time in the Retry-After header.' };
    case 500: return { code: 'generalException', message: 'General exception while processing.' };
    case 502: return { code: 'BadGateway', message: 'Bad gateway.' };
    case 503: return { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable. Please retry later.' };
    case 504: return { code: 'GatewayTimeout', message: 'The gateway timed out.' };
    case 401: return { code: 'InvalidAuthenticationToken', message: 'Access token has expired or is not yet valid.' };
    case 403: return { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' };
    case 404: return { code: 'Request_ResourceNotFound', message: 'Resource not found.' };
    default: return { code: status >= 500 ? 'InternalServerError' : 'BadRequest', message: `Injected fault ${status}.` };
  }
}
