import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type User } from './api.js';
import { html } from './html.js';
import { useMine } from './live.js';
import { describe } from './messages.js';
import { Admin } from './views/admin.js';
import { Account } from './views/auth.js';
import { Book } from './views/book.js';
import { CheckoutReturn } from './views/checkout.js';
import { ErrorMessage } from './views/common.js';
import { Mine } from './views/mine.js';

type View = 'book' | 'mine' | 'account' | 'admin' | 'checkout-success' | 'checkout-fail';

const initialView = (): View => (location.pathname === '/checkout/success' ? 'checkout-success' : location.pathname === '/checkout/fail' ? 'checkout-fail' : 'book');

function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [view, setView] = useState<View>(initialView());
  const [error, setError] = useState<string | null>(null);
  const { reservations, holds } = useMine(Boolean(user));

  useEffect(() => {
    api<User>('GET', '/auth/me').then(setUser, () => setUser(null));
  }, []);

  const go = (v: View) => {
    if (location.pathname !== '/') history.replaceState(null, '', '/');
    setView(v);
    setError(null);
  };

  const logout = async () => {
    try {
      await api('POST', '/auth/logout');
      setUser(null);
      go('book');
    } catch (err) {
      setError(describe(err));
    }
  };

  const tab = (v: View, label: string) => html`<button type="button" class=${view === v ? 'tab on' : 'tab'} aria-current=${view === v ? 'page' : undefined} onClick=${() => go(v)}>${label}</button>`;

  let main;
  if (user === undefined) main = html`<p>Loading…</p>`;
  else if (view === 'checkout-success' || view === 'checkout-fail') main = html`<${CheckoutReturn} kind=${view === 'checkout-success' ? 'success' : 'fail'} onDone=${() => go('mine')} />`;
  else if (view === 'account' || (!user && view !== 'book'))
    main = html`<${Account}
      onSignedIn=${(u: User) => {
        setUser(u);
        go('book');
      }}
    />`;
  else if (view === 'mine') main = html`<${Mine} reservations=${reservations} holds=${holds} />`;
  else if (view === 'admin' && user?.role === 'ADMIN') main = html`<${Admin} />`;
  else
    main = html`<${Book}
      user=${user}
      holds=${holds}
      onNeedLogin=${() => {
        go('account');
        setError('Please log in to hold a time slot.');
      }}
    />`;

  return html`
    <header>
      <h1>roomescape</h1>
      <nav aria-label="Main">
        ${tab('book', 'Book')} ${user && tab('mine', 'My reservations')} ${user?.role === 'ADMIN' && tab('admin', 'Admin')}
        ${user ? html`<span class="who">${user.name}</span> <button type="button" class="tab" onClick=${logout}>Log out</button>` : tab('account', 'Log in / Sign up')}
      </nav>
    </header>
    <main>
      <${ErrorMessage} text=${error} />
      ${main}
    </main>
  `;
}

render(html`<${App} />`, document.getElementById('app')!);
