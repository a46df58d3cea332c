// Every word the window shows comes from a Fluent catalogue (locales/*.ftl), with its
// plural rules; numbers, sizes, dates and durations go through Intl in the same
// language. A language is one .ftl file and one entry in LANGUAGES.
import { FluentBundle, FluentResource } from "../vendor/fluent-bundle/index.js";
import { negotiateLanguages } from "../vendor/fluent-langneg/index.js";

// The shipped languages; the first is the fallback.
export const LANGUAGES = ["en", "es", "pt-BR"];
// Every string bracketed and lengthened: a test's way to find words that bypass the
// catalogue and layouts that break with longer text. Not offered in Settings.
export const PSEUDO = "x-pseudo";

let bundle = null;
let fallback = null;
let current = "en";

// The language to use: the one chosen in Settings, else the best match for the
// system's languages (es-MX → es, pt-PT → pt-BR), else English.
export function pickLanguage(chosen, system = []) {
  if (chosen === PSEUDO || LANGUAGES.includes(chosen)) return chosen;
  // "pt" alone matches pt-BR: langneg's likely-subtags would make it pt-PT otherwise.
  const wanted = system.flatMap((l) => (/^pt(-|$)/i.test(l) ? ["pt-BR"] : [l]));
  return negotiateLanguages(wanted, LANGUAGES, { defaultLocale: LANGUAGES[0], strategy: "lookup" })[0];
}

// A catalogue's text, fetched from the app's own files.
export async function fetchCatalogue(lang) {
  const file = lang === PSEUDO ? "en" : lang;
  const res = await fetch(new URL(`../locales/${file}.ftl`, import.meta.url));
  if (!res.ok) throw new Error(`locales/${file}.ftl: ${res.status}`);
  return res.text();
}

// Makes `lang` the language of every t() and localize() from now on. English is kept
// as the fallback for a message a translation lacks (a test keeps them complete).
export function useCatalogue(lang, text, englishText = text) {
  const pseudo = lang === PSEUDO;
  current = pseudo ? "en" : lang;
  bundle = makeBundle(current, text, pseudo);
  fallback = lang === "en" ? bundle : makeBundle("en", englishText, false);
  if (typeof document !== "undefined") document.documentElement.lang = current;
}

export async function loadLanguage(lang, fetchText = fetchCatalogue) {
  const [text, english] = await Promise.all([fetchText(lang), lang === "en" ? null : fetchText("en")]);
  useCatalogue(lang, text, english ?? text);
}

function makeBundle(locale, text, pseudo) {
  // No isolation marks: the shipped languages all run left to right, and marks would
  // be in every copied text.
  const b = new FluentBundle(locale, { useIsolating: false, ...(pseudo ? { transform: pseudoText } : {}) });
  const errors = b.addResource(new FluentResource(text));
  if (errors.length) console.warn(`catalogue ${locale}:`, errors);
  b.pseudo = pseudo;
  return b;
}

// The BCP 47 tag for Intl.
export function locale() {
  return current;
}

function format(id, args, attr) {
  for (const b of [bundle, fallback]) {
    const m = b?.getMessage(id);
    const pattern = attr ? m?.attributes?.[attr] : m?.value;
    if (pattern) {
      const text = b.formatPattern(pattern, args);
      return b.pseudo ? `⟦${text}⟧` : text;
    }
  }
  console.warn(`no message ${id}${attr ? `.${attr}` : ""}`);
  return id;
}

// A message's text.
export function t(id, args) {
  return format(id, args);
}

// One attribute of a message (e.g. its aria-label).
export function tAttr(id, attr, args) {
  return format(id, args, attr);
}

// The attributes a message may set on its element.
const ATTRS = ["aria-label", "placeholder", "title", "alt", "aria-valuetext"];

// Sets an element's words from its data-l10n-id (and data-l10n-args, JSON).
export function localizeElement(el, id = el.dataset.l10nId, args) {
  el.dataset.l10nId = id;
  if (args) el.dataset.l10nArgs = JSON.stringify(args);
  const a = args ?? (el.dataset.l10nArgs ? JSON.parse(el.dataset.l10nArgs) : undefined);
  for (const b of [bundle, fallback]) {
    const m = b?.getMessage(id);
    if (!m) continue;
    if (m.value) el.textContent = format(id, a);
    for (const name of ATTRS) if (m.attributes[name]) el.setAttribute(name, format(id, a, name));
    return el;
  }
  console.warn(`no message ${id}`);
  return el;
}

// Every marked element under `root` (the page at start and on a language change).
export function localize(root) {
  for (const el of root.querySelectorAll("[data-l10n-id]")) localizeElement(el);
}

// The pseudo-locale's text: accented and a third longer (doubled vowels), still readable.
const ACCENTED = Object.fromEntries(
  [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"].map((c, i) => [c, [..."ȧƀƈḓḗƒɠħīĵķŀḿƞǿƥɋřşŧŭṽẇẋẏẑȦƁƇḒḖƑƓĦĪĴĶĿḾȠǾƤɊŘŞŦŬṼẆẊẎẐ"][i]]),
);
export function pseudoText(s) {
  return s.replace(/[A-Za-z]/g, (c) => ("aeiouAEIOU".includes(c) ? ACCENTED[c] + ACCENTED[c] : ACCENTED[c]));
}
