import type { Context } from 'koa';
import { z } from 'zod';
import { refuse } from '../../errors/catalogue.js';
import { webBundle } from './bundle.js';

/** The checkout's two return addresses, and the app's two assets: one route each, so the hot paths match no more routes than needed. */
export const checkoutParams = z.object({ result: z.enum(['success', 'fail']) });
export const assetParams = z.object({ file: z.enum(['app.js', 'app.css']) });

const notFound = (ctx: Context) => refuse('NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);

/**
 * The app's own policy: its script, style and API calls from this origin only; no inline code,
 * no frames, no plugins. The API's answers keep the stricter default (`default-src 'none'`).
 */
export const APP_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function pageHtml(opts: { checkoutUrl: string | undefined; maxPaymentAttempts: number }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>roomescape: book a room escape</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app/app.css">
<script type="module" src="/app/app.js"></script>
</head>
<body data-checkout="${escapeAttr(opts.checkoutUrl ?? '')}" data-max-attempts="${opts.maxPaymentAttempts}">
<div id="app"><noscript>This booking page needs JavaScript.</noscript></div>
</body>
</html>
`;
}

/** GET /, /checkout/success, /checkout/fail: the one page; the app reads the path. */
export function pageHandler(opts: { checkoutUrl: string | undefined; maxPaymentAttempts: number }) {
  const body = pageHtml(opts);
  return (ctx: Context & { params?: Record<string, string> }) => {
    if (ctx.params?.result !== undefined && !checkoutParams.safeParse(ctx.params).success) throw notFound(ctx);
    ctx.set('Content-Security-Policy', APP_CSP);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = body;
  };
}

/** GET /app/app.js, /app/app.css */
export function assetHandler() {
  return async (ctx: Context & { params?: Record<string, string> }) => {
    const asset = assetParams.safeParse(ctx.params);
    if (!asset.success) throw notFound(ctx);
    const kind = asset.data.file === 'app.js' ? 'js' : 'css';
    const b = await webBundle();
    ctx.type = kind === 'js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8';
    ctx.body = b[kind];
  };
}
