//! The variables `scripts/test` exports, fresh per-test names, and the variable sets a service reads in a
//! test.

use std::collections::HashMap;

/// A variable the test servers export; never skipped, because a skipped suite looks green.
pub fn required_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with ./scripts/test, which starts the test servers and exports it")
    })
}

/// A loopback port nothing listens on.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("cannot bind a probe port");
    listener
        .local_addr()
        .expect("probe port has no address")
        .port()
}

/// A fresh id for one test's database name and Redis key prefix, so that no two tests share state.
pub fn run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A unique, valid e-mail address.
pub fn email() -> String {
    format!("user-{}@example.com", &run_id()[..12])
}

/// The variables every service reads in a test: loopback on port 0, the test Redis under the key prefix
/// `test:<run_id>:` and, `with_mongo`, the test MongoDB with the database `test_<run_id>`.
pub fn base_vars(run_id: &str, with_mongo: bool) -> HashMap<String, String> {
    let mut vars = HashMap::from([
        ("APP_ENV".into(), "test".into()),
        ("HOST".into(), "127.0.0.1".into()),
        ("PORT".into(), "0".into()),
        ("REDIS_URL".into(), required_env("REDIS_URL")),
        ("REDIS_PREFIX".into(), format!("test:{run_id}:")),
    ]);
    if with_mongo {
        vars.insert("MONGO_URI".into(), required_env("MONGO_URI"));
        // A service that writes needs a drop guard for this database (`TestDatabase::named`).
        vars.insert("MONGO_DB".into(), format!("test_{run_id}"));
    }
    vars
}

/// `vars` with each of `overrides` set, replacing what was there.
pub fn with_overrides(
    mut vars: HashMap<String, String>,
    overrides: &[(&str, &str)],
) -> HashMap<String, String> {
    for (name, value) in overrides {
        vars.insert((*name).to_owned(), (*value).to_owned());
    }
    vars
}
