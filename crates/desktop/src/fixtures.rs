//! The payloads the UI reads, written as JSON files its tests load (`ui/tests/fixtures`):
//! renaming a field, a state or a reason here fails the UI's tests until the UI follows.

/// Fails when `ui/tests/fixtures/<name>` is not `value` as the app sends it;
/// `IDANCE_WRITE_FIXTURES=1` rewrites it.
pub(crate) fn check(name: &str, value: &impl serde::Serialize) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../ui/tests/fixtures")
        .join(name);
    let want = serde_json::to_string_pretty(value).expect("payloads serialise") + "\n";
    if std::env::var_os("IDANCE_WRITE_FIXTURES").is_some() {
        std::fs::write(&path, &want).expect("fixture written");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "ui/tests/fixtures/{name} is not what the app sends: run `IDANCE_WRITE_FIXTURES=1 cargo test -p idance-desktop --lib` and make the UI follow"
    );
}
