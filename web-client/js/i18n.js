// Strings and language: English and Spanish tables (strings/en.js, strings/es.js), the
// language picked from the browser (or the patient's earlier choice), and a switch that
// re-labels the live page in place, so video, meters and typed text survive the change.
import en from './strings/en.js';
import es from './strings/es.js';

const tables = { en, es };
const listeners = new Set();
let lang = pick();

function pick() {
  try {
    const saved = localStorage.getItem('anteroom.lang');
    if (saved && tables[saved]) return saved;
  } catch { /* storage may be blocked (private mode): fall back to the browser */ }
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const base = String(l).toLowerCase().split('-')[0];
    if (tables[base]) return base;
  }
  return 'en';
}

export function currentLang() { return lang; }

// t('wait.position', {n: 2}) → "You are number 2 in line."
export function t(key, vars = {}) {
  const s = tables[lang][key] ?? tables.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
}

// Marks an element as showing a string; apply() refreshes it after a language switch.
export function tr(el, key, vars) {
  el.dataset.i18n = key;
  if (vars) el.dataset.i18nVars = JSON.stringify(vars);
  else delete el.dataset.i18nVars;
  el.textContent = t(key, vars);
  return el;
}

// Same for attributes: label(el, 'aria-label', 'visit.mute').
export function trAttr(el, attr, key, vars) {
  el.dataset[`i18nAttr${attr.replace(/-/g, '')}`] = JSON.stringify([attr, key, vars || null]);
  el.setAttribute(attr, t(key, vars));
  return el;
}

export function apply(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    const vars = el.dataset.i18nVars ? JSON.parse(el.dataset.i18nVars) : undefined;
    el.textContent = t(el.dataset.i18n, vars);
  }
  for (const el of root.querySelectorAll('*')) {
    for (const [k, v] of Object.entries(el.dataset)) {
      if (!k.startsWith('i18nAttr')) continue;
      const [attr, key, vars] = JSON.parse(v);
      el.setAttribute(attr, t(key, vars || undefined));
    }
  }
  document.documentElement.lang = lang;
}

export function setLang(l) {
  if (!tables[l] || l === lang) return;
  lang = l;
  try { localStorage.setItem('anteroom.lang', l); } catch { /* not kept: fine */ }
  apply();
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) { listeners.add(fn); }

// Wires the page's language switch button (present in every page's header).
export function initSwitch() {
  document.documentElement.lang = lang;
  const btn = document.getElementById('lang-switch');
  if (btn) {
    const render = () => {
      btn.textContent = t('lang.switch');
      btn.setAttribute('lang', lang === 'en' ? 'es' : 'en');
      btn.setAttribute('aria-label', t('lang.switch.label'));
    };
    render();
    btn.addEventListener('click', () => { setLang(lang === 'en' ? 'es' : 'en'); render(); });
  }
  apply();
}
