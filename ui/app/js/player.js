// The player window: the link to stream (storage's presigned GET) comes in the
// fragment; the page's CSP allows media from that link's origin alone.
import { loadLanguage, localize, pickLanguage } from "./i18n.js";

export function start(doc = document, hash = location.hash) {
  const video = doc.getElementById("video");
  const error = doc.getElementById("error");
  const link = decodeURIComponent(hash.replace(/^#/, "").replace(/\+/g, " "));
  video.addEventListener("error", () => (error.hidden = false));
  // A refusal by the page's policy is named (for the log, and for tests to read).
  doc.addEventListener("securitypolicyviolation", (e) => {
    doc.body.dataset.blocked = `${e.violatedDirective} ${e.blockedURI}`;
  });
  if (!/^https?:\/\//.test(link)) {
    error.hidden = false;
    return video;
  }
  video.src = link;
  video.focus();
  return video;
}

// In the main window's language (the `lang` it opened the player with).
async function main() {
  const chosen = new URLSearchParams(location.search).get("lang");
  try {
    await loadLanguage(pickLanguage(chosen, navigator.languages));
    localize(document);
  } catch (err) {
    console.warn("player: the catalogue could not be loaded", err);
  }
  start();
}

if (typeof window !== "undefined" && window.location?.protocol !== "about:" && document.getElementById("video")) {
  main();
}
