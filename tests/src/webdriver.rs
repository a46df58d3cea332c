//! Just enough of the W3C WebDriver protocol (plain HTTP + JSON) to drive the desktop
//! app through `tauri-driver`: start a session, run scripts, take screenshots.

use base64::Engine as _;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub struct Driver {
    http: reqwest::Client,
    base: String,
    session: String,
}

impl Driver {
    /// A session on the app at `application` (tauri-driver listening at `base`).
    pub async fn start(base: &str, application: &std::path::Path) -> Driver {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": application.display().to_string()}
        }}});
        let started = Instant::now();
        let answer: Value = loop {
            match http
                .post(format!("{base}/session"))
                .json(&caps)
                .send()
                .await
            {
                Ok(r) => break r.json().await.unwrap(),
                Err(e) if started.elapsed() < Duration::from_secs(20) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("tauri-driver does not answer: {e}"),
            }
        };
        let session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {answer}"))
            .to_string();
        Driver {
            http,
            base: base.to_string(),
            session,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{path}", self.base, self.session)
    }

    /// One WebDriver command's `value`: GET when `body` is None, else POST it.
    async fn answer(&self, path: &str, body: Option<Value>) -> Value {
        let request = match body {
            Some(b) => self.http.post(self.url(path)).json(&b),
            None => self.http.get(self.url(path)),
        };
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        answer["value"].clone()
    }

    /// [`Driver::answer`], where a command the driver refused panics with `what` and
    /// the driver's words.
    async fn call(&self, what: &str, path: &str, body: Option<Value>) -> Value {
        let value = self.answer(path, body).await;
        if let Some(err) = value.get("error") {
            panic!("{what}: {err}: {}", value["message"]);
        }
        value
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub async fn exec(&self, script: &str, args: Value) -> Value {
        self.call(
            "script failed",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Polls `script` until it returns something truthy; panics after `timeout` with
    /// `what` and the last value.
    pub async fn wait_for(&self, what: &str, script: &str, timeout: Duration) -> Value {
        match self.try_wait_for(script, timeout).await {
            Ok(v) => v,
            Err(v) => panic!("timed out waiting for {what} (last value {v})"),
        }
    }

    /// [`Driver::wait_for`] that hands back the last value on timeout (to say more).
    pub async fn try_wait_for(&self, script: &str, timeout: Duration) -> Result<Value, Value> {
        let started = Instant::now();
        loop {
            let v = self.exec(script, json!([])).await;
            let truthy = !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0));
            if truthy {
                return Ok(v);
            }
            if started.elapsed() > timeout {
                return Err(v);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn screenshot(&self, path: &std::path::Path) {
        // A refused screenshot leaves an empty file (as before): it only illustrates.
        let shot = self.answer("/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot.as_str().unwrap_or_default())
            .unwrap();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }

    /// The handles of the app's windows (the current one is not necessarily first).
    pub async fn windows(&self) -> Vec<String> {
        self.answer("/window/handles", None)
            .await
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|h| h.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub async fn current_window(&self) -> String {
        let handle = self.answer("/window", None).await;
        handle.as_str().unwrap_or_default().to_string()
    }

    /// Scripts and screenshots go to that window from now on.
    pub async fn switch_to(&self, handle: &str) {
        self.call(
            &format!("cannot switch to window {handle}"),
            "/window",
            Some(json!({"handle": handle})),
        )
        .await;
    }

    /// Presses keys as a keyboard does (W3C key actions: each key down, then up). A
    /// key is a character or one of [`Key`]'s; `Key::SHIFT` held with the next key.
    pub async fn keys(&self, keys: &[&str]) {
        let mut actions = Vec::new();
        let mut held = None;
        for k in keys {
            if *k == Key::SHIFT {
                held = Some(*k);
                actions.push(json!({"type": "keyDown", "value": k}));
                continue;
            }
            actions.push(json!({"type": "keyDown", "value": k}));
            actions.push(json!({"type": "keyUp", "value": k}));
            if let Some(h) = held.take() {
                actions.push(json!({"type": "keyUp", "value": h}));
            }
        }
        let input = json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]});
        self.call(
            &format!("keys {keys:?} were not pressed"),
            "/actions",
            Some(input),
        )
        .await;
    }

    /// Presses Tab until the focused element matches `selector` (at most `max` times):
    /// how a keyboard user reaches a control. Panics naming where focus went instead.
    pub async fn tab_to(&self, selector: &str, max: usize) {
        let check = format!(
            "return document.activeElement && document.activeElement.matches({selector:?})"
        );
        let mut path = Vec::new();
        for _ in 0..max {
            if self.exec(&check, json!([])).await == json!(true) {
                return;
            }
            self.keys(&[Key::TAB]).await;
            let at = self
                .exec(
                    "const e = document.activeElement; return e ? `${e.tagName}#${e.id}.${e.className}[${e.getAttribute('aria-label') || e.textContent.trim().slice(0, 30)}]` : ''",
                    json!([]),
                )
                .await;
            path.push(at.as_str().unwrap_or_default().to_string());
        }
        if self.exec(&check, json!([])).await != json!(true) {
            panic!(
                "Tab never reached {selector} in {max} presses; focus went: {}",
                path.join(" → ")
            );
        }
    }

    pub async fn quit(self) {
        let _ = self.http.delete(self.url("")).send().await;
    }
}

/// WebDriver's codes for the keys that are not characters.
pub struct Key;

impl Key {
    pub const TAB: &'static str = "\u{E004}";
    pub const ENTER: &'static str = "\u{E007}";
    pub const SHIFT: &'static str = "\u{E008}";
    pub const ESCAPE: &'static str = "\u{E00C}";
    pub const SPACE: &'static str = "\u{E00D}";
    pub const END: &'static str = "\u{E010}";
    pub const HOME: &'static str = "\u{E011}";
    pub const LEFT: &'static str = "\u{E012}";
    pub const UP: &'static str = "\u{E013}";
    pub const RIGHT: &'static str = "\u{E014}";
    pub const DOWN: &'static str = "\u{E015}";
}
