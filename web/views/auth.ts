import { useState } from 'preact/hooks';
import { api, type User } from '../api.js';
import { html } from '../html.js';
import { describe } from '../messages.js';
import { ErrorMessage } from './common.js';

export function Account({ onSignedIn }: { onSignedIn: (u: User) => void }) {
  const [mode, setMode] = useState<'login' | 'signup'>('login');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const email = String(form.get('email') ?? '');
    const password = String(form.get('password') ?? '');
    setBusy(true);
    setError(null);
    try {
      if (mode === 'signup') await api('POST', '/auth/signup', { email, password, name: String(form.get('name') ?? '') });
      const { user } = await api<{ user: User }>('POST', '/auth/login', { email, password });
      onSignedIn(user);
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  return html`
    <section class="card narrow" aria-labelledby="account-title">
      <h2 id="account-title">${mode === 'login' ? 'Log in' : 'Sign up'}</h2>
      <form onSubmit=${submit}>
        ${mode === 'signup' && html`<label>Name <input name="name" required maxlength="100" autocomplete="name" /></label>`}
        <label>Email <input name="email" type="email" required autocomplete="email" data-testid="login-email" /></label>
        <label>Password <input name="password" type="password" required minlength="8" autocomplete=${mode === 'login' ? 'current-password' : 'new-password'} data-testid="login-password" /></label>
        <button type="submit" disabled=${busy} data-testid="login-submit">${mode === 'login' ? 'Log in' : 'Create account'}</button>
      </form>
      <${ErrorMessage} text=${error} />
      <button
        type="button"
        class="link"
        onClick=${() => {
          setMode(mode === 'login' ? 'signup' : 'login');
          setError(null);
        }}
      >
        ${mode === 'login' ? 'No account? Sign up' : 'Have an account? Log in'}
      </button>
    </section>
  `;
}
