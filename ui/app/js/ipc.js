// The only door to Rust: Tauri's global API (withGlobalTauri). Tests replace
// window.__TAURI__ with a mock of the same shape.

export function invoke(cmd, args) {
  return window.__TAURI__.core.invoke(cmd, args);
}

export function listen(event, handler) {
  return window.__TAURI__.event.listen(event, (e) => handler(e.payload));
}

// What a failed command says. Commands fail with {kind, message}: the kind picks the
// catalogue's words (e.g. "recording_saving"); the message is the app's detail.
export { errorMessage as errorText } from "./format.js";

// Thumbnails and the preview come by URL from the app's media scheme, whose form
// depends on the OS (app_info's media_base); the shell sets it at start.
let mediaBase = "idance-media://localhost/";
export function setMediaBase(base) {
  if (base) mediaBase = base;
}
export function mediaUrl(path) {
  return mediaBase + path;
}
