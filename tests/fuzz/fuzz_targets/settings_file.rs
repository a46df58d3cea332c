//! The server's settings file (crates/server/src/config_file.rs, compiled here on its
//! own so the fuzz build needs none of the server's dependencies). Whatever the text:
//! no panic; what it reads back is a name an environment could hold and the value
//! written, so writing the settings out again reads the same.
#![no_main]

#[path = "../../../crates/server/src/config_file.rs"]
#[allow(dead_code)]
mod config_file;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(vars) = config_file::parse(text) else {
        return;
    };
    let mut again = String::new();
    for (name, value) in &vars {
        assert!(
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "'{name}' is not a setting's name"
        );
        again.push_str(&format!("{name}='{value}'\n"));
    }
    assert_eq!(config_file::parse(&again).as_ref(), Ok(&vars));
});
