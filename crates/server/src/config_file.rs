//! The optional settings file's text: `NAME=value` lines with the same names as the
//! environment (blank lines and `#` comments allowed; `export ` and quotes around the
//! value as a shell would write them). Only text in, so it compiles on its own: the fuzz
//! target `settings_file` (tests/fuzz) includes this file.

use std::collections::HashMap;

/// The names and values of `text`, or which line is not `NAME=value`.
pub fn parse(text: &str) -> Result<HashMap<String, String>, String> {
    let mut vars = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (name, value) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: expected NAME=value", i + 1))?;
        let name = name.trim();
        // The environment's names: a typo such as `S3 BUCKET=x` is refused, not ignored.
        if !is_name(name) {
            return Err(format!(
                "line {}: '{name}' is not a setting name (letters, digits and _)",
                i + 1
            ));
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        vars.insert(name.to_string(), value.to_string());
    }
    Ok(vars)
}

fn is_name(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| !b.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the fuzz target `settings_file`: a line like `=x` or ` \x01z=1` set a
    /// variable no program could ask for; a typo in a name is now an error.
    #[test]
    fn a_name_no_environment_could_hold_is_refused() {
        for bad in ["=x", "\u{1}z=1", "S3 BUCKET=x", "1ST=x"] {
            let e = parse(bad).unwrap_err();
            assert!(
                e.contains("line 1") && e.contains("not a setting name"),
                "{bad}: {e}"
            );
        }
        assert_eq!(parse("_A1=x").unwrap()["_A1"], "x");
    }

    #[test]
    fn parses_names_values_quotes_and_comments() {
        let vars = parse(
            "# settings\nS3_BUCKET_NAME = vids\nexport MAX_UPLOAD_MB=\"10\"\n\nJWT_SECRET='a=b'\n",
        )
        .unwrap();
        assert_eq!(vars["S3_BUCKET_NAME"], "vids");
        assert_eq!(vars["MAX_UPLOAD_MB"], "10");
        assert_eq!(vars["JWT_SECRET"], "a=b");
        assert!(parse("just words").unwrap_err().contains("line 1"));
    }
}
