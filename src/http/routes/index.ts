import { DOCS } from '../openapi/operations.js';
import { ADMIN } from './admin.js';
import { AUTH } from './auth.js';
import { BOOKING } from './booking.js';
import { CATALOGUE } from './catalogue.js';
import { LIVE } from './live.js';
import { OPS } from './ops.js';
import { PAYMENTS } from './payments.js';
import { WAITLIST } from './waitlist.js';
import { WEB } from './web.js';
import type { Operation } from './table.js';

/**
 * Every operation of the service, each declared once in its room's file. The router, the OpenAPI
 * document and the checks of requests (and, in tests, responses) come from this list; a new
 * route is one more `operation({...})` in a file here, or a new file's list added below.
 */
export const OPERATIONS: readonly Operation[] = [...OPS, ...AUTH, ...CATALOGUE, ...BOOKING, ...WAITLIST, ...PAYMENTS, ...ADMIN, ...LIVE, ...WEB, ...DOCS];
