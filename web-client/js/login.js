// Sign-in for staff pages over HTTPS: POST /api/login sets the HttpOnly session cookie,
// GET /api/whoami says who is signed in, POST /api/logout ends it. The form is labelled, reports
// a wrong password through an alert, and hands the identity ({practitioner_id, clinic_id, role})
// to onDone. The password never leaves this form except in the one POST.
import { h, tr } from './dom.js';

async function call(path, method = 'GET', body) {
  const opts = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  let json = null;
  try { json = await r.json(); } catch { /* 204 or not JSON */ }
  return { status: r.status, json };
}

export async function whoami() {
  const r = await call('/api/whoami');
  return r.status === 200 ? r.json : null;
}

export async function logout() {
  await call('/api/logout', 'POST');
}

// A sign-in form. titleKey: the heading's string; role: the role the page needs (others are
// told so and signed out again); onDone(identity) once signed in.
export function loginScreen({ titleKey, role, onDone }) {
  const user = h('input', { id: 'login-user', name: 'username', type: 'text', autocomplete: 'username', required: true });
  const pass = h('input', { id: 'login-pass', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const err = h('p', { class: 'error', role: 'alert', id: 'login-err' });
  const submit = h('button', { type: 'submit', class: 'primary', t: 'cl.login' });
  const form = h('form', { class: 'login' },
    h('div', { class: 'field' }, h('label', { for: 'login-user', t: 'cl.username' }), user),
    h('div', { class: 'field' }, h('label', { for: 'login-pass', t: 'cl.password' }), pass),
    err,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    submit.disabled = true;
    try {
      const r = await call('/api/login', 'POST', { login: user.value, password: pass.value });
      pass.value = '';
      if (r.status === 200 && role && r.json.role !== role) {
        await logout();
        tr(err, 'login.wrong_role');
      } else if (r.status === 200) {
        onDone(r.json);
        return;
      } else {
        tr(err, r.status === 429 ? 'login.rate_limited' : 'cl.login_failed');
      }
    } catch {
      tr(err, 'login.offline');
    } finally {
      submit.disabled = false;
    }
    pass.focus();
  });
  return h('section', { class: 'screen card', 'data-screen': 'login', 'aria-labelledby': 'login-h' },
    h('h1', { id: 'login-h', t: titleKey }), form);
}
