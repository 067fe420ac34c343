import { html } from '../html.js';

export function ErrorMessage({ text }: { text: string | null }) {
  return text ? html`<p class="error" role="alert" data-testid="error-message">${text}</p>` : null;
}

export function Notice({ text }: { text: string | null }) {
  return text ? html`<p class="notice" role="status">${text}</p>` : null;
}
