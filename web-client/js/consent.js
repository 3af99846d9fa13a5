// The consent screen: what a video visit means, in three short points, and one tick box.
import { h, T, tr } from './dom.js';

export function consentScreen({ onAgree }) {
  const box = h('input', { type: 'checkbox', id: 'consent-box', 'aria-describedby': 'consent-err' });
  const err = h('p', { id: 'consent-err', class: 'error', role: 'alert' });
  const form = h('form', { class: 'consent', novalidate: true },
    h('label', { class: 'check', for: 'consent-box' }, box, T('consent.agree')),
    err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', t: 'consent.continue' })));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!box.checked) {
      tr(err, 'consent.must_agree');
      box.focus();
      return;
    }
    err.textContent = '';
    onAgree();
  });
  return h('section', { class: 'screen card', 'data-screen': 'consent', 'aria-labelledby': 'consent-h' },
    h('h1', { id: 'consent-h', t: 'consent.title' }),
    h('p', { class: 'lead', t: 'consent.intro' }),
    h('ul', { class: 'points' },
      h('li', { t: 'consent.point1' }), h('li', { t: 'consent.point2' }), h('li', { t: 'consent.point3' })),
    form);
}
