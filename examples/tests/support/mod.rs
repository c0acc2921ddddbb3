//! What the example apps' tests share: a database file of their own, and the app's test
//! configuration. Each test file uses its own part of it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use login_runtime::password::Params;
use login_runtime_examples::app::Config;
use login_runtime_examples::app::db::Db;

/// The admin password the tests configure (`APP_ADMIN_PASSWORD`).
pub const ADMIN_PASSWORD: &str = "admin-test-passphrase";

/// A database file in its own temporary directory, removed when dropped.
/// `dir` is the directory the file (and the app's generated key) lives in.
pub struct TempDb {
    pub dir: PathBuf,
}

impl TempDb {
    /// A new directory, named after the test file (`suite`) and the test (`name`).
    pub fn new(suite: &str, name: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "login-runtime-{suite}-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        Self { dir }
    }

    /// The database file.
    pub fn path(&self) -> PathBuf {
        self.dir.join("app.sqlite3")
    }

    /// The database, opened (and migrated).
    pub fn db(&self) -> Db {
        Db::open(&self.path()).expect("the database opens")
    }

    /// The test configuration: argon2 at its lightest (the suite stays fast; the binaries use
    /// the OWASP parameters), a known admin password.
    pub fn config(&self) -> Config {
        let mut config = Config::new(self.path());
        config.password_params = Params::new(64, 1, 1, None).expect("valid parameters");
        config.admin_password = Some(ADMIN_PASSWORD.to_owned());
        config
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
