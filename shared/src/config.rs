//! Typed configuration from environment variables. Every failure names the variable it is about, so a
//! misconfigured process stops with a message an operator can act on. Any variable can instead be given as
//! a file named by `<NAME>_FILE` (Docker and Kubernetes secrets are mounted as files).

use std::str::FromStr;
use std::time::Duration;

mod api;

pub use api::{ApiSettings, Upstream};

/// A variable that is missing, malformed, or insecure for the current environment.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is required but not set")]
    Missing(String),
    #[error("environment variable {name} has an invalid value: {reason}")]
    Invalid { name: String, reason: String },
    #[error("environment variable {name} is not allowed in production: {reason}")]
    Insecure { name: String, reason: String },
}

/// Where variables come from: the process environment, or a fixed map in tests.
pub trait Source {
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct Env;

impl Source for Env {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

impl<S: std::hash::BuildHasher> Source for std::collections::HashMap<String, String, S> {
    fn get(&self, name: &str) -> Option<String> {
        self.get(name).cloned().filter(|v| !v.trim().is_empty())
    }
}

/// Fixed pairs, the last of a repeated name winning (tests: defaults first, then what a test changes).
impl Source for Vec<(&str, &str)> {
    fn get(&self, name: &str) -> Option<String> {
        self.iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
            .filter(|v| !v.trim().is_empty())
    }
}

/// Reads typed variables from a [`Source`].
pub struct Vars<'a> {
    source: &'a dyn Source,
}

impl<'a> Vars<'a> {
    pub fn new(source: &'a dyn Source) -> Self {
        Self { source }
    }

    /// The raw string, if set and not blank; when `NAME` is unset, the content of the file `NAME_FILE`
    /// names (one trailing newline dropped, as `echo` and editors add one). A file that cannot be read is an
    /// error naming `NAME_FILE`, never a silent default. The value itself never appears in an error.
    pub fn raw(&self, name: &str) -> Result<Option<String>, ConfigError> {
        if let Some(value) = self.source.get(name) {
            return Ok(Some(value));
        }
        let file_var = format!("{name}_FILE");
        let Some(path) = self.source.get(&file_var) else {
            return Ok(None);
        };
        let content = std::fs::read_to_string(path.trim()).map_err(|e| ConfigError::Invalid {
            name: file_var,
            reason: format!("cannot read `{}`: {e}", path.trim()),
        })?;
        let content = content
            .strip_suffix('\n')
            .map(|c| c.strip_suffix('\r').unwrap_or(c))
            .unwrap_or(&content);
        // Blank counts as unset, as it does for the variable itself.
        Ok(Some(content.to_owned()).filter(|c| !c.trim().is_empty()))
    }

    /// A required variable.
    pub fn required<T: FromStr>(&self, name: &str) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        let raw = self
            .raw(name)?
            .ok_or_else(|| ConfigError::Missing(name.to_owned()))?;
        parse(name, &raw)
    }

    /// An optional variable.
    pub fn optional<T: FromStr>(&self, name: &str) -> Result<Option<T>, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        self.raw(name)?.map(|raw| parse(name, &raw)).transpose()
    }

    /// A variable with a default.
    pub fn or<T: FromStr>(&self, name: &str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        Ok(self.optional(name)?.unwrap_or(default))
    }

    /// A duration in whole seconds (`*_SECS`).
    pub fn secs(&self, name: &str, default: u64) -> Result<Duration, ConfigError> {
        self.or(name, default).map(Duration::from_secs)
    }

    /// A duration in milliseconds (`*_MS`).
    pub fn millis(&self, name: &str, default: u64) -> Result<Duration, ConfigError> {
        self.or(name, default).map(Duration::from_millis)
    }

    /// A boolean: `true/false/1/0/yes/no/on/off`.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, ConfigError> {
        match self.raw(name)? {
            None => Ok(default),
            Some(raw) => match raw.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(ConfigError::Invalid {
                    name: name.to_owned(),
                    reason: format!("`{raw}` is not a boolean"),
                }),
            },
        }
    }

    /// A comma-separated list (blank entries dropped).
    pub fn list(&self, name: &str, default: &str) -> Result<Vec<String>, ConfigError> {
        Ok(self
            .raw(name)?
            .unwrap_or_else(|| default.to_owned())
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect())
    }
}

fn parse<T: FromStr>(name: &str, raw: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    raw.trim()
        .parse()
        .map_err(|e: T::Err| ConfigError::Invalid {
            name: name.to_owned(),
            reason: e.to_string(),
        })
}

/// The deployment environment (`APP_ENV`). Production refuses insecure settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Test,
    Production,
}

impl AppEnv {
    pub fn is_production(self) -> bool {
        self == Self::Production
    }
}

impl FromStr for AppEnv {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "development" | "dev" | "local" => Ok(Self::Development),
            "test" => Ok(Self::Test),
            "production" | "prod" => Ok(Self::Production),
            other => Err(format!(
                "`{other}` is not one of development, test, production"
            )),
        }
    }
}

/// In production, refuses a secret that is missing, short, or one of the documented development values.
pub fn require_secret(
    env: AppEnv,
    name: &str,
    value: Option<&str>,
    dev_default: &str,
) -> Result<String, ConfigError> {
    match (env.is_production(), value) {
        (true, None) => Err(ConfigError::Missing(name.to_owned())),
        (true, Some(v)) if v == dev_default || v.len() < 24 => Err(ConfigError::Insecure {
            name: name.to_owned(),
            reason: "use a random secret of at least 24 characters".to_owned(),
        }),
        (_, Some(v)) => Ok(v.to_owned()),
        (false, None) => Ok(dev_default.to_owned()),
    }
}

/// `INTERNAL_API_TOKEN` outside production when none is set; production refuses it.
pub const DEV_INTERNAL_API_TOKEN: &str = "dev-internal-token";

/// The variables every service reads: where to listen, how to log, Redis, and the service token.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// `APP_ENV`: development (default), test or production.
    pub app_env: AppEnv,
    /// `HOST` (default `0.0.0.0`).
    pub host: String,
    /// `PORT`; 0 picks a free one (tests).
    pub port: u16,
    /// `LOG_JSON`: JSON logs (default: on in production).
    pub json_logs: bool,
    /// `REDIS_URL` or a Sentinel set, and the replica acknowledgements writes wait for.
    pub redis: RedisSettings,
    /// `REDIS_PREFIX`: prefix of every Redis key (default `lms:`).
    pub redis_prefix: String,
    /// `INTERNAL_API_TOKEN`: the service token of `/internal/...` routes.
    pub internal_api_token: String,
}

/// Where Redis is: one server (`REDIS_URL`) or a Sentinel set, which then wins.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisSettings {
    /// `REDIS_URL` (default `redis://127.0.0.1:6379`), used when no sentinels are given.
    pub url: String,
    /// `REDIS_SENTINELS`: comma-separated `host:port` of the sentinels (empty: no Sentinel).
    pub sentinels: Vec<String>,
    /// `REDIS_SENTINEL_MASTER`: the master's name in Sentinel (default `mymaster`).
    pub sentinel_master: String,
    /// `REDIS_PASSWORD` (or `_FILE`): for the master and replicas found through Sentinel.
    pub password: Option<String>,
    /// `REDIS_SENTINEL_PASSWORD` (or `_FILE`): for the sentinels themselves.
    pub sentinel_password: Option<String>,
    /// `REDIS_MIN_REPLICA_ACKS` (default 0): replicas that must have an event or a revocation before it
    /// counts as written (`WAIT`); 0 in a single-node stack.
    pub min_replica_acks: u32,
    /// `REDIS_REPLICA_ACK_TIMEOUT_MS` (default 1000): how long a write waits for those acknowledgements.
    pub replica_ack_timeout: Duration,
}

impl std::fmt::Debug for RedisSettings {
    // Hand-written so no password reaches a log line (a URL's is the operator's choice to write there).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSettings")
            .field("sentinels", &self.sentinels)
            .field("sentinel_master", &self.sentinel_master)
            .field("min_replica_acks", &self.min_replica_acks)
            .field("replica_ack_timeout", &self.replica_ack_timeout)
            .finish_non_exhaustive()
    }
}

impl RedisSettings {
    /// One server at `url`, no acknowledgements.
    pub fn direct(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            sentinels: Vec::new(),
            sentinel_master: "mymaster".to_owned(),
            password: None,
            sentinel_password: None,
            min_replica_acks: 0,
            replica_ack_timeout: Duration::from_secs(1),
        }
    }

    pub fn from_vars(v: &Vars<'_>) -> Result<Self, ConfigError> {
        let sentinels = v.list("REDIS_SENTINELS", "")?;
        for node in &sentinels {
            let valid = node
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
            if !valid {
                return Err(ConfigError::Invalid {
                    name: "REDIS_SENTINELS".to_owned(),
                    reason: format!("`{node}` is not host:port"),
                });
            }
        }
        Ok(Self {
            url: v.or("REDIS_URL", "redis://127.0.0.1:6379".to_owned())?,
            sentinels,
            sentinel_master: v.or("REDIS_SENTINEL_MASTER", "mymaster".to_owned())?,
            password: v.raw("REDIS_PASSWORD")?,
            sentinel_password: v.raw("REDIS_SENTINEL_PASSWORD")?,
            min_replica_acks: v.or("REDIS_MIN_REPLICA_ACKS", 0)?,
            replica_ack_timeout: v.millis("REDIS_REPLICA_ACK_TIMEOUT_MS", 1000)?,
        })
    }
}

impl ServiceSettings {
    pub fn from_vars(v: &Vars<'_>, default_port: u16) -> Result<Self, ConfigError> {
        let app_env: AppEnv = v.or("APP_ENV", AppEnv::Development)?;
        Ok(Self {
            app_env,
            host: v.or("HOST", "0.0.0.0".to_owned())?,
            port: v.or("PORT", default_port)?,
            json_logs: v.flag("LOG_JSON", app_env.is_production())?,
            redis: RedisSettings::from_vars(v)?,
            redis_prefix: v.or("REDIS_PREFIX", "lms:".to_owned())?,
            internal_api_token: require_secret(
                app_env,
                "INTERNAL_API_TOKEN",
                v.raw("INTERNAL_API_TOKEN")?.as_deref(),
                DEV_INTERNAL_API_TOKEN,
            )?,
        })
    }
}

/// `MONGO_URI` (required) and `MONGO_DB` (the service's own database).
#[derive(Debug, Clone)]
pub struct MongoSettings {
    pub uri: String,
    pub db: String,
}

impl MongoSettings {
    pub fn from_vars(v: &Vars<'_>, default_db: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            uri: v.required("MONGO_URI")?,
            db: v.or("MONGO_DB", default_db.to_owned())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn errors_name_the_variable() {
        let map = vars(&[("PORT", "eighty")]);
        let v = Vars::new(&map);
        let err = v.required::<u16>("PORT").unwrap_err();
        assert!(err.to_string().contains("PORT"), "{err}");
        let err = v.required::<u16>("MISSING_ONE").unwrap_err();
        assert_eq!(err, ConfigError::Missing("MISSING_ONE".into()));
    }

    #[test]
    fn defaults_apply_only_when_unset_or_blank() {
        let map = vars(&[("A", "7"), ("B", "  ")]);
        let v = Vars::new(&map);
        assert_eq!(v.or("A", 1u32).unwrap(), 7);
        assert_eq!(v.or("B", 1u32).unwrap(), 1);
        assert!(v.flag("C", true).unwrap());
        assert_eq!(v.list("D", "a, b,,c").unwrap(), vec!["a", "b", "c"]);
    }

    #[test]
    fn service_settings_have_defaults_and_name_bad_variables() {
        let map = vars(&[("MONGO_URI", "mongodb://x")]);
        let s = ServiceSettings::from_vars(&Vars::new(&map), 4009).unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.json_logs),
            ("0.0.0.0", 4009, false)
        );
        assert_eq!(s.internal_api_token, DEV_INTERNAL_API_TOKEN);
        assert_eq!(
            MongoSettings::from_vars(&Vars::new(&map), "lms_x")
                .unwrap()
                .db,
            "lms_x"
        );
        let map = vars(&[("PORT", "http")]);
        assert!(
            ServiceSettings::from_vars(&Vars::new(&map), 1)
                .unwrap_err()
                .to_string()
                .contains("PORT")
        );
        let none = vars(&[]);
        assert_eq!(
            MongoSettings::from_vars(&Vars::new(&none), "d").unwrap_err(),
            ConfigError::Missing("MONGO_URI".into())
        );
        let prod = vars(&[("APP_ENV", "production")]);
        let err = ServiceSettings::from_vars(&Vars::new(&prod), 1).unwrap_err();
        assert!(err.to_string().contains("INTERNAL_API_TOKEN"), "{err}");
        assert!(ServiceSettings::from_vars(&Vars::new(&prod), 1).is_err());
    }

    /// A file under the system temp directory holding `content`, removed when dropped.
    struct TempFile(std::path::PathBuf);

    impl TempFile {
        fn new(tag: &str, content: &str) -> Self {
            let path = std::env::temp_dir().join(format!(
                "shared-config-{tag}-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            std::fs::write(&path, content).unwrap();
            Self(path)
        }

        fn path(&self) -> &str {
            self.0.to_str().unwrap()
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[test]
    fn a_file_variable_is_read_when_the_variable_itself_is_unset() {
        let secret = TempFile::new("secret", "s3cr3t-value\n");
        let crlf = TempFile::new("crlf", "two-lines\nkept\r\n");
        let blank = TempFile::new("blank", "\n");
        let map = vars(&[
            ("TOKEN_FILE", secret.path()),
            ("MULTI_FILE", crlf.path()),
            ("EMPTY_FILE", blank.path()),
            ("PORT_FILE", secret.path()),
        ]);
        let v = Vars::new(&map);
        // Exactly one trailing newline goes; anything before it is the value.
        assert_eq!(v.raw("TOKEN").unwrap().as_deref(), Some("s3cr3t-value"));
        assert_eq!(v.raw("MULTI").unwrap().as_deref(), Some("two-lines\nkept"));
        // A blank file counts as unset, like a blank variable.
        assert_eq!(v.raw("EMPTY").unwrap(), None);
        assert_eq!(
            v.required::<String>("EMPTY").unwrap_err(),
            ConfigError::Missing("EMPTY".into())
        );
        // Typed readers go through the file too, and a bad value still names the variable.
        assert_eq!(v.required::<String>("TOKEN").unwrap(), "s3cr3t-value");
        let err = v.required::<u16>("PORT").unwrap_err();
        assert!(err.to_string().contains("PORT"), "{err}");
        assert!(
            !err.to_string().contains("s3cr3t"),
            "the value leaked: {err}"
        );
    }

    #[test]
    fn the_variable_itself_wins_over_its_file() {
        let file = TempFile::new("wins", "from-file\n");
        let map = vars(&[("TOKEN", "from-env"), ("TOKEN_FILE", file.path())]);
        assert_eq!(
            Vars::new(&map).raw("TOKEN").unwrap().as_deref(),
            Some("from-env")
        );
    }

    #[test]
    fn an_unreadable_file_is_an_error_naming_the_file_variable() {
        let map = vars(&[("INTERNAL_API_TOKEN_FILE", "/no/such/dir/token")]);
        let v = Vars::new(&map);
        let err = v.raw("INTERNAL_API_TOKEN").unwrap_err();
        assert!(
            matches!(&err, ConfigError::Invalid { name, reason }
                if name == "INTERNAL_API_TOKEN_FILE" && reason.contains("/no/such/dir/token")),
            "{err}"
        );
        // Every reader reports it instead of falling back to a default.
        assert!(v.or("INTERNAL_API_TOKEN", String::new()).is_err());
        assert!(v.flag("INTERNAL_API_TOKEN", false).is_err());
        assert!(v.list("INTERNAL_API_TOKEN", "a").is_err());
        let err = ServiceSettings::from_vars(&v, 1).unwrap_err();
        assert!(err.to_string().contains("INTERNAL_API_TOKEN_FILE"), "{err}");
    }

    #[test]
    fn production_refuses_default_and_short_secrets() {
        assert!(require_secret(AppEnv::Production, "S", None, "dev").is_err());
        assert!(require_secret(AppEnv::Production, "S", Some("dev"), "dev").is_err());
        assert!(require_secret(AppEnv::Production, "S", Some("short"), "dev").is_err());
        assert_eq!(
            require_secret(AppEnv::Development, "S", None, "dev").unwrap(),
            "dev"
        );
        let strong = "a-very-long-random-secret-value-123";
        assert_eq!(
            require_secret(AppEnv::Production, "S", Some(strong), "dev").unwrap(),
            strong
        );
    }
}
