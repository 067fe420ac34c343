import { z } from 'zod';
import { text } from '../bodies.js';
import { assetHandler, assetParams, checkoutParams, pageHandler } from '../web/page.js';
import { operation } from './table.js';

const tags = ['Web app'];
const page = { description: 'an HTML page', type: 'text/html', schema: text };

/** The web app: its page (at / and the checkout's return addresses) and its two assets; handlers in http/web. */
export const WEB = [
  operation({
    method: 'get',
    path: '/',
    access: 'public',
    summary: 'The booking web app',
    tags,
    responses: { 200: page },
    handler: ({ config, checkoutUrl }) => pageHandler({ checkoutUrl, maxPaymentAttempts: config.maxPaymentAttempts }),
  }),
  operation({
    method: 'get',
    path: '/checkout/:result',
    access: 'public',
    summary: 'The web app, where the checkout returns (success or fail)',
    tags,
    params: checkoutParams,
    invalid: 'NOT_FOUND',
    responses: { 200: page },
    handler: ({ config, checkoutUrl }) => pageHandler({ checkoutUrl, maxPaymentAttempts: config.maxPaymentAttempts }),
  }),
  operation({
    method: 'get',
    path: '/app/:file',
    access: 'public',
    summary: 'The web app’s script and style sheet (app.js, app.css; bundled at start)',
    tags,
    params: assetParams,
    invalid: 'NOT_FOUND',
    responses: { 200: { description: 'the file', type: '*/*', schema: z.string().describe('the file’s bytes') } },
    handler: () => assetHandler(),
  }),
];
