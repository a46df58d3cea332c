//! Server settings from the environment (names exactly as the contract's table) and
//! flags. Every problem is a [`ConfigError`] naming the variable, never a panic.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

pub use crate::db::DatabaseConfig;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
    #[error("{var} must be set when {because}")]
    Missing {
        var: &'static str,
        because: &'static str,
    },
    #[error("settings file {path}: {reason}")]
    File { path: PathBuf, reason: String },
}

/// Where objects are stored.
#[derive(Debug, Clone)]
pub enum StorageConfig {
    /// The embedded store under the data dir.
    Local,
    /// A real bucket (AWS S3 or any S3-compatible store).
    Bucket {
        bucket: String,
        region: String,
        endpoint: Option<String>,
        /// None: the AWS SDK's default credential chain (profiles, instance roles).
        credentials: Option<(String, String)>,
        bucket_url: Option<String>,
        /// Parts are signed with CRC32C (`S3_PART_CHECKSUM=crc32c`, the default: AWS S3
        /// and Garage check it) or MD5 only (`md5`, for stores without checksums).
        crc32c: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    None,
    Any,
    List(Vec<String>),
}

/// The in-process service's stale-upload age: 7 days, the bucket rule's
/// (`idance admin lifecycle`'s default), not the 24 h `idance serve` has by default.
pub const IN_PROCESS_STALE_UPLOAD_HOURS: u64 = 7 * 24;

#[derive(Debug, Clone)]
pub struct Config {
    /// The server's own folder (`<data dir>/server`).
    pub dir: PathBuf,
    pub listen: SocketAddr,
    pub storage: StorageConfig,
    pub jwt_secret: Option<String>,
    pub presign_expires_secs: u64,
    pub max_upload_mb: u64,
    /// SQLite (one machine) or Postgres (replica mode).
    pub database: DatabaseConfig,
    /// `STALE_UPLOAD_HOURS`: a multipart upload with no activity for this long is aborted.
    pub stale_upload_hours: u64,
    pub cors: CorsOrigins,
    /// `METRICS_TOKEN`: when set, `/metrics` needs it as a bearer token.
    pub metrics_token: Option<String>,
    /// `ACCESS_TOKEN_SECONDS`: the lifetime of an access token from a sign-in.
    pub access_token_secs: u64,
    /// `REFRESH_TOKEN_DAYS`: the lifetime of a refresh token (renewed on every refresh).
    pub refresh_token_days: u64,
    /// `TRUST_FORWARDED_FOR=true` behind a load balancer: the client's address for the
    /// sign-in limits is the last `X-Forwarded-For` hop, not the balancer's.
    pub trust_forwarded_for: bool,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
/// Optional settings file in the server's folder (`NAME=value` lines).
pub const SETTINGS_FILE: &str = "server.env";

/// The settings file's names and values (none when there is no file), with the process
/// environment laid over them: the environment wins.
fn settings_with_env(path: &std::path::Path) -> Result<HashMap<String, String>, ConfigError> {
    let file = |reason: String| ConfigError::File {
        path: path.to_path_buf(),
        reason,
    };
    let mut vars = match std::fs::read_to_string(path) {
        Ok(text) => crate::config_file::parse(&text).map_err(file)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => HashMap::new(),
        Err(e) => return Err(file(e.to_string())),
    };
    vars.extend(std::env::vars());
    Ok(vars)
}

impl Config {
    /// Reads the settings file `<dir>/server.env` (if any) with the process environment
    /// over it.
    pub fn from_env(dir: PathBuf, listen: SocketAddr) -> Result<Self, ConfigError> {
        let vars = settings_with_env(&dir.join(SETTINGS_FILE))?;
        Self::from_vars(dir, listen, &vars)
    }

    /// Reads settings from `vars` (the environment, or a map in tests).
    pub fn from_vars(
        dir: PathBuf,
        listen: SocketAddr,
        vars: &HashMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            vars.get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let storage = match get("S3_BUCKET_NAME") {
            None => StorageConfig::Local,
            Some(bucket) => {
                let credentials = match (get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")) {
                    (Some(a), Some(s)) => Some((a, s)),
                    (None, None) => None,
                    (Some(_), None) => {
                        return Err(ConfigError::Missing {
                            var: "AWS_SECRET_ACCESS_KEY",
                            because: "AWS_ACCESS_KEY_ID is set",
                        });
                    }
                    (None, Some(_)) => {
                        return Err(ConfigError::Missing {
                            var: "AWS_ACCESS_KEY_ID",
                            because: "AWS_SECRET_ACCESS_KEY is set",
                        });
                    }
                };
                let endpoint = get("S3_ENDPOINT_URL");
                if let Some(e) = &endpoint {
                    check_url("S3_ENDPOINT_URL", e)?;
                }
                let bucket_url = get("S3_BUCKET_URL");
                if let Some(u) = &bucket_url {
                    check_url("S3_BUCKET_URL", u)?;
                }
                let crc32c = match get("S3_PART_CHECKSUM").as_deref() {
                    None | Some("crc32c") => true,
                    Some("md5") => false,
                    Some(_) => {
                        return Err(ConfigError::Invalid {
                            var: "S3_PART_CHECKSUM",
                            reason: "must be crc32c or md5".into(),
                        });
                    }
                };
                StorageConfig::Bucket {
                    bucket,
                    region: get("AWS_REGION").unwrap_or_else(|| "us-east-1".to_string()),
                    endpoint,
                    credentials,
                    bucket_url,
                    crc32c,
                }
            }
        };
        let presign_expires_secs = parse_number(
            "PRESIGN_EXPIRES_SECONDS",
            get("PRESIGN_EXPIRES_SECONDS"),
            3600,
        )?;
        // S3 refuses presigned URLs valid for more than 7 days.
        if !(1..=604_800).contains(&presign_expires_secs) {
            return Err(ConfigError::Invalid {
                var: "PRESIGN_EXPIRES_SECONDS",
                reason: "must be between 1 and 604800 (7 days)".into(),
            });
        }
        let max_upload_mb = parse_number("MAX_UPLOAD_MB", get("MAX_UPLOAD_MB"), 5120)?;
        if max_upload_mb == 0 {
            return Err(ConfigError::Invalid {
                var: "MAX_UPLOAD_MB",
                reason: "must be at least 1".into(),
            });
        }
        let database = match get("DATABASE_URL") {
            None => DatabaseConfig::Sqlite(dir.join("sessions.db")),
            Some(url) => database_url(&url)?,
        };
        if matches!(database, DatabaseConfig::Postgres(_)) {
            // Replica mode: every instance must see the same objects and accept the
            // same tokens.
            if matches!(storage, StorageConfig::Local) {
                return Err(ConfigError::Missing {
                    var: "S3_BUCKET_NAME",
                    because: "DATABASE_URL is postgres (replica mode): the embedded store belongs to one machine",
                });
            }
            if get("JWT_SECRET").is_none() {
                return Err(ConfigError::Missing {
                    var: "JWT_SECRET",
                    because: "DATABASE_URL is postgres (replica mode): every instance must accept the same tokens",
                });
            }
        }
        let stale_upload_hours = parse_number("STALE_UPLOAD_HOURS", get("STALE_UPLOAD_HOURS"), 24)?;
        if stale_upload_hours == 0 {
            return Err(ConfigError::Invalid {
                var: "STALE_UPLOAD_HOURS",
                reason: "must be at least 1".into(),
            });
        }
        let cors = parse_cors(get("CORS_ALLOWED_ORIGINS").as_deref())?;
        let access_token_secs =
            parse_number("ACCESS_TOKEN_SECONDS", get("ACCESS_TOKEN_SECONDS"), 900)?;
        let refresh_token_days = parse_number("REFRESH_TOKEN_DAYS", get("REFRESH_TOKEN_DAYS"), 30)?;
        for (var, v) in [
            ("ACCESS_TOKEN_SECONDS", access_token_secs),
            ("REFRESH_TOKEN_DAYS", refresh_token_days),
        ] {
            if v == 0 {
                return Err(ConfigError::Invalid {
                    var,
                    reason: "must be at least 1".into(),
                });
            }
        }
        let trust_forwarded_for = match get("TRUST_FORWARDED_FOR").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(v) => {
                return Err(ConfigError::Invalid {
                    var: "TRUST_FORWARDED_FOR",
                    reason: format!("'{v}' is not true or false"),
                });
            }
        };
        Ok(Self {
            dir,
            listen,
            storage,
            jwt_secret: get("JWT_SECRET"),
            presign_expires_secs,
            max_upload_mb,
            database,
            stale_upload_hours,
            cors,
            metrics_token: get("METRICS_TOKEN"),
            access_token_secs,
            refresh_token_days,
            trust_forwarded_for,
        })
    }

    /// A service run inside another program (the desktop app's built-in service, its
    /// direct mode): the defaults, on 127.0.0.1 with a port of its own, over `storage`
    /// given as a value (no environment to build or read).
    pub fn in_process(dir: PathBuf, storage: StorageConfig) -> Result<Self, ConfigError> {
        if let StorageConfig::Bucket {
            endpoint: Some(e), ..
        } = &storage
        {
            check_url("S3_ENDPOINT_URL", e)?;
        }
        let listen = SocketAddr::from(([127, 0, 0, 1], 0));
        Ok(Self {
            storage,
            // Its only client is this computer's app, which may sleep through a long
            // weekend: its uploads are kept as long as the bucket rule keeps them.
            stale_upload_hours: IN_PROCESS_STALE_UPLOAD_HOURS,
            ..Self::from_vars(dir, listen, &HashMap::new())?
        })
    }

    pub fn max_upload_bytes(&self) -> u64 {
        self.max_upload_mb.saturating_mul(1024 * 1024)
    }
}

fn parse_number(
    var: &'static str,
    value: Option<String>,
    default: u64,
) -> Result<u64, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| ConfigError::Invalid {
            var,
            reason: format!("'{v}' is not a whole number"),
        }),
    }
}

fn check_url(var: &'static str, value: &str) -> Result<(), ConfigError> {
    let url = url::Url::parse(value).map_err(|e| ConfigError::Invalid {
        var,
        reason: format!("'{value}': {e}"),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::Invalid {
            var,
            reason: format!("'{value}' is not an http(s) URL"),
        });
    }
    Ok(())
}

/// `postgres://…` / `postgresql://…`, or SQLite as `sqlite:///abs/path`,
/// `sqlite://rel/path`, `sqlite:path` or a bare path.
fn database_url(url: &str) -> Result<DatabaseConfig, ConfigError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(DatabaseConfig::Postgres(url.to_string()));
    }
    if let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let path = rest.split('?').next().unwrap_or(rest);
        if path.is_empty() {
            return Err(ConfigError::Invalid {
                var: "DATABASE_URL",
                reason: "the sqlite path is empty".into(),
            });
        }
        return Ok(DatabaseConfig::Sqlite(PathBuf::from(path)));
    }
    if let Some((scheme, _)) = url.split_once("://") {
        return Err(ConfigError::Invalid {
            var: "DATABASE_URL",
            reason: format!(
                "'{scheme}' databases are not supported; use postgres://USER:PASS@HOST:PORT/DB or sqlite://PATH"
            ),
        });
    }
    Ok(DatabaseConfig::Sqlite(PathBuf::from(url)))
}

fn parse_cors(value: Option<&str>) -> Result<CorsOrigins, ConfigError> {
    let Some(value) = value else {
        return Ok(CorsOrigins::None);
    };
    let items: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if items.contains(&"*") {
        return Ok(CorsOrigins::Any);
    }
    for origin in &items {
        let ok = url::Url::parse(origin)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.path() == "/");
        if !ok || origin.ends_with('/') {
            return Err(ConfigError::Invalid {
                var: "CORS_ALLOWED_ORIGINS",
                reason: format!("'{origin}' is not an origin like https://app.example.com"),
            });
        }
    }
    Ok(if items.is_empty() {
        CorsOrigins::None
    } else {
        CorsOrigins::List(items.into_iter().map(String::from).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_vars(PathBuf::from("/d"), DEFAULT_LISTEN.parse().unwrap(), &vars)
    }

    #[test]
    fn defaults_use_the_local_store_and_contract_defaults() {
        let c = config(&[]).unwrap();
        assert!(matches!(c.storage, StorageConfig::Local));
        assert_eq!(c.presign_expires_secs, 3600);
        assert_eq!(c.max_upload_mb, 5120);
        assert_eq!(
            c.database,
            DatabaseConfig::Sqlite(PathBuf::from("/d/sessions.db"))
        );
        assert_eq!(c.stale_upload_hours, 24);
        assert_eq!(c.cors, CorsOrigins::None);
    }

    /// The desktop app's service: storage as a value, everything else the defaults,
    /// the environment never read, a port of its own on 127.0.0.1.
    #[test]
    fn an_in_process_service_takes_its_storage_as_a_value() {
        let bucket = |endpoint: &str| StorageConfig::Bucket {
            bucket: "classes".into(),
            region: "eu-west-1".into(),
            endpoint: Some(endpoint.into()),
            credentials: Some(("k".into(), "s".into())),
            bucket_url: None,
            crc32c: true,
        };
        let c = Config::in_process("/d".into(), bucket("http://127.0.0.1:3900")).unwrap();
        assert!(matches!(&c.storage, StorageConfig::Bucket { bucket, .. } if bucket == "classes"));
        assert_eq!(c.listen, SocketAddr::from(([127, 0, 0, 1], 0)));
        assert_eq!(c.presign_expires_secs, 3600);
        // A laptop asleep over a long weekend finds its uploads where it left them.
        assert_eq!(c.stale_upload_hours, 168);
        assert_eq!(
            c.database,
            DatabaseConfig::Sqlite(PathBuf::from("/d/sessions.db"))
        );
        let e = Config::in_process("/d".into(), bucket("garage.local:3900")).unwrap_err();
        assert!(e.to_string().contains("S3_ENDPOINT_URL"), "{e}");
    }

    #[test]
    fn errors_name_the_variable() {
        let e = config(&[("MAX_UPLOAD_MB", "lots")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("MAX_UPLOAD_MB"), "{e}");
        let e = config(&[("S3_BUCKET_NAME", "b"), ("AWS_ACCESS_KEY_ID", "a")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("AWS_SECRET_ACCESS_KEY"), "{e}");
        let e = config(&[("DATABASE_URL", "mysql://x/y")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("DATABASE_URL") && e.contains("mysql"), "{e}");
        let e = config(&[("CORS_ALLOWED_ORIGINS", "example.com")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("CORS_ALLOWED_ORIGINS"), "{e}");
        let e = config(&[("S3_BUCKET_NAME", "b"), ("S3_ENDPOINT_URL", "ftp://x")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("S3_ENDPOINT_URL"), "{e}");
    }

    #[test]
    fn bucket_cors_and_database_settings_are_read() {
        let c = config(&[
            ("S3_BUCKET_NAME", "vids"),
            ("S3_ENDPOINT_URL", "http://127.0.0.1:3900"),
            ("AWS_ACCESS_KEY_ID", "a"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_REGION", "garage"),
            (
                "CORS_ALLOWED_ORIGINS",
                "https://a.example, http://localhost:3000",
            ),
            ("DATABASE_URL", "sqlite:///var/x.db"),
        ])
        .unwrap();
        let StorageConfig::Bucket {
            bucket,
            region,
            credentials,
            crc32c,
            ..
        } = c.storage
        else {
            panic!("not a bucket")
        };
        assert_eq!((bucket.as_str(), region.as_str()), ("vids", "garage"));
        assert!(crc32c, "parts are signed with CRC32C unless told otherwise");
        assert_eq!(credentials, Some(("a".into(), "s".into())));
        assert_eq!(
            c.cors,
            CorsOrigins::List(vec![
                "https://a.example".into(),
                "http://localhost:3000".into()
            ])
        );
        assert_eq!(
            c.database,
            DatabaseConfig::Sqlite(PathBuf::from("/var/x.db"))
        );
        assert_eq!(
            config(&[("CORS_ALLOWED_ORIGINS", "*")]).unwrap().cors,
            CorsOrigins::Any
        );
    }

    #[test]
    fn the_part_checksum_is_crc32c_md5_or_a_clear_error() {
        let with = |v| {
            config(&[("S3_BUCKET_NAME", "b"), ("S3_PART_CHECKSUM", v)]).map(|c| match c.storage {
                StorageConfig::Bucket { crc32c, .. } => crc32c,
                StorageConfig::Local => panic!("not a bucket"),
            })
        };
        assert!(with("crc32c").unwrap());
        assert!(!with("md5").unwrap());
        let e = with("sha1").unwrap_err().to_string();
        assert!(
            e.contains("S3_PART_CHECKSUM") && e.contains("crc32c or md5"),
            "{e}"
        );
    }

    #[test]
    fn replica_mode_needs_a_bucket_and_a_shared_secret() {
        let pg = ("DATABASE_URL", "postgres://u:p@db:5432/idance");
        let bucket = [
            ("S3_BUCKET_NAME", "vids"),
            ("AWS_ACCESS_KEY_ID", "a"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ];
        let e = config(&[pg, ("JWT_SECRET", "x")]).unwrap_err().to_string();
        assert!(e.starts_with("S3_BUCKET_NAME must be set"), "{e}");
        let e = config(&[&bucket[..], &[pg]].concat())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("JWT_SECRET must be set"), "{e}");
        let c = config(&[&bucket[..], &[pg, ("JWT_SECRET", "x")]].concat()).unwrap();
        assert_eq!(
            c.database,
            DatabaseConfig::Postgres("postgres://u:p@db:5432/idance".into())
        );
        let e = config(&[("STALE_UPLOAD_HOURS", "0")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("STALE_UPLOAD_HOURS"), "{e}");
    }
}
