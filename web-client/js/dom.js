// A small DOM helper: build elements without innerHTML (the CSP forbids inline styles and
// scripts, and text from the server must never be parsed as markup), mount screens, and
// announce status changes to screen readers through one polite live region.
import { t, tr, trAttr } from './i18n.js';

export { t, tr, trAttr };

// h('button', {class: 'primary', onclick: fn, t: 'visit.mute'}, child, ...)
// Special keys: t (text from the string tables), tvars (its placeholders), label (aria-label
// from the string tables).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined || k === 'tvars') continue;
    if (k === 't') tr(el, v, attrs.tvars);
    else if (k === 'label') trAttr(el, 'aria-label', v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);

// Replaces the content of the page's <main> with a screen and moves focus to its heading,
// so keyboard and screen-reader users start at the top of the new screen.
export function mount(screen) {
  const main = document.getElementById('app');
  main.replaceChildren(screen);
  main.dataset.screen = screen.dataset.screen || '';
  const heading = screen.querySelector('h1, h2');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: false });
  }
  return screen;
}

// Says text through the page's polite live region (role="status").
export function announce(text) {
  const region = document.getElementById('status');
  if (!region) return;
  region.textContent = '';
  // A fresh text node after a tick makes screen readers read repeated messages too.
  setTimeout(() => { region.textContent = text; }, 50);
}

export function setClass(el, cls, on) { el.classList.toggle(cls, !!on); }

export function formatTime(unixSeconds, lang) {
  return new Date(unixSeconds * 1000).toLocaleTimeString(lang, { hour: 'numeric', minute: '2-digit' });
}

// A span whose text follows the language switch: h('p', {}, T('wait.keep_open')).
export function T(key, vars, tag = 'span') { return tr(document.createElement(tag), key, vars); }
