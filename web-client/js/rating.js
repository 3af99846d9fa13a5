// After the visit: one question (five choices as radio buttons) and an optional comment.
import { h, tr } from './dom.js';

export function ratingScreen({ sig }) {
  const choices = [1, 2, 3, 4, 5].map((n) => h('label', { class: 'rate-choice', for: `rate-${n}` },
    h('input', { type: 'radio', name: 'rating', id: `rate-${n}`, value: String(n) }),
    h('span', { t: `rate.${n}` })));
  const comment = h('textarea', { id: 'rate-comment', maxlength: 1000 });
  const thanks = h('p', { class: 'ok', role: 'status' });
  const form = h('form', { class: 'rating' },
    h('fieldset', {}, h('legend', { t: 'rate.question' }), h('div', { class: 'rate-row' }, choices)),
    h('div', { class: 'field' }, h('label', { for: 'rate-comment', t: 'rate.comment' }), comment),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', t: 'rate.send' })),
    thanks);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const picked = form.querySelector('input[name="rating"]:checked');
    await sig.request('visit.rating', { rating: picked ? Number(picked.value) : null, comment: comment.value.trim() })
      .catch(() => { /* the rating is optional: thank them either way */ });
    form.querySelector('fieldset').disabled = true;
    form.querySelector('button[type="submit"]').hidden = true;
    comment.disabled = true;
    tr(thanks, 'rate.thanks');
  });
  return h('section', { class: 'screen card', 'data-screen': 'rating', 'aria-labelledby': 'rate-h' },
    h('h1', { id: 'rate-h', t: 'rate.title' }), form);
}
