import { assetHandler, pageHandler } from '../web/page.js';
import type { AppDeps } from '../deps.js';
import { Routes } from './table.js';

/** The web app: its page (at / and the checkout's return addresses) and its two assets; handlers in http/web. */
export function webRoutes({ config, checkoutUrl, guard }: AppDeps): Routes {
  const page = pageHandler({ checkoutUrl, maxPaymentAttempts: config.maxPaymentAttempts });
  return new Routes(guard).get('/', 'public', page).get('/checkout/:result', 'public', page).get('/app/:file', 'public', assetHandler());
}
