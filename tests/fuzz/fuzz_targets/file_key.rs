//! Object keys a client sends back (crates/contract/src/keys.rs): the server parses
//! them before anything touches storage. Whatever the text: no panic, and a key that
//! parses is exactly one the server could have made (it prints back to itself, with no
//! way out of its user's folder).
#![no_main]

use idance_contract::FileKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(key) = FileKey::parse(text) else {
        return;
    };
    assert_eq!(key.to_string(), text, "a parsed key is not the text it came from");
    assert_eq!(FileKey::parse(&key.to_string()).as_ref(), Ok(&key));
    assert!(!text.contains("..") && !text.contains('\\') && !text.starts_with('/'));
    assert!(key.media_type().is_some());
    assert!(text.starts_with(&format!("{}/{}/{}/", key.kind.prefix(), key.user_id, key.session_id)));
});
