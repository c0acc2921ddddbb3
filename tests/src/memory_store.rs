//! A server-side session store in memory, so tests can see session ids change and old ids die —
//! which a cookie store, holding the whole state in the cookie, cannot show.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;

type State = HashMap<String, String>;

/// Sessions keyed by id, shared between clones (one per worker).
#[derive(Clone, Default)]
pub struct MemoryStore {
    sessions: Arc<Mutex<HashMap<String, State>>>,
    next: Arc<AtomicU64>,
}

impl MemoryStore {
    /// How many sessions are stored.
    pub fn len(&self) -> usize {
        self.sessions.lock().map(|s| s.len()).unwrap_or_default()
    }

    /// Every stored session's state as text, to check what the library writes.
    pub fn dump(&self) -> String {
        self.sessions
            .lock()
            .map(|sessions| format!("{sessions:?}"))
            .unwrap_or_default()
    }

    /// The login record of every stored session that holds one, field by field (see
    /// [`record_fields`](crate::record_fields)).
    pub fn login_records(&self) -> Vec<HashMap<&'static str, String>> {
        let records: Vec<String> = self
            .sessions
            .lock()
            .map(|sessions| {
                sessions
                    .values()
                    .filter_map(|state| state.get("_login"))
                    .filter_map(|value| serde_json::from_str::<String>(value).ok())
                    .collect()
            })
            .unwrap_or_default();
        records
            .iter()
            .map(|text| crate::record_fields(text))
            .collect()
    }

    /// Whether no session is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn new_key(&self) -> Result<SessionKey, anyhow::Error> {
        // Predictable ids are fine in a test store; a real store uses random ones.
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        Ok(SessionKey::try_from(format!("session-{n:032}"))?)
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut HashMap<String, State>) -> T,
    ) -> Result<T, anyhow::Error> {
        let mut sessions = self
            .sessions
            .lock()
            .map_err(|_| anyhow::anyhow!("session store lock poisoned"))?;
        Ok(f(&mut sessions))
    }
}

impl SessionStore for MemoryStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        self.with(|s| s.get(key.as_ref()).cloned())
            .map_err(LoadError::Other)
    }

    async fn save(&self, state: State, _ttl: &Duration) -> Result<SessionKey, SaveError> {
        let key = self.new_key().map_err(SaveError::Other)?;
        let id = key.as_ref().to_owned();
        self.with(|s| s.insert(id, state))
            .map_err(SaveError::Other)?;
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        _ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let id = key.as_ref().to_owned();
        self.with(|s| s.insert(id, state))
            .map_err(UpdateError::Other)?;
        Ok(key)
    }

    async fn update_ttl(&self, _key: &SessionKey, _ttl: &Duration) -> Result<(), anyhow::Error> {
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        self.with(|s| s.remove(key.as_ref())).map(drop)
    }
}
