//! The optional settings file: `NAME=value` lines with the same names as the
//! environment (blank lines and `#` comments allowed). The environment wins.

use crate::config::ConfigError;
use std::collections::HashMap;
use std::path::Path;

/// Reads `path` into a map; a missing file is an empty map.
pub fn read(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => {
            return Err(ConfigError::File {
                path: path.to_path_buf(),
                reason: e.to_string(),
            });
        }
    };
    parse(&text).map_err(|reason| ConfigError::File {
        path: path.to_path_buf(),
        reason,
    })
}

fn parse(text: &str) -> Result<HashMap<String, String>, String> {
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
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        vars.insert(name.trim().to_string(), value.to_string());
    }
    Ok(vars)
}

/// The file's settings with the process environment laid over them.
pub fn merged_with_env(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
    let mut vars = read(path)?;
    vars.extend(std::env::vars());
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

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
