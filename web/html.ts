import { h } from 'preact';
import htm from 'htm';

/** JSX-like templates without a compile step: htm bound to Preact. */
export const html = htm.bind(h);
