//! The in-process store: one map for every worker of the process, bounded in entries.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use super::store::{Count, Key, Store, StoreFailure, Verdict};
use crate::future::LocalBoxFuture;

/// Room for 100,000 accounts and addresses with recent failures: about 5 MB at most (an entry
/// is a 16-byte digest and 24 bytes of counts, plus the map's overhead).
const DEFAULT_CAPACITY: usize = 100_000;

/// The in-process [`ThrottleStore`](super::ThrottleStore), the default of
/// [`LoginThrottle::new`](super::LoginThrottle::new): right for one app instance, whose
/// workers share it (clones share one map).
///
/// Bounded: it holds at most [`capacity`](Self::capacity) entries (one per account and per
/// address with failures it still remembers), each the same size whatever name was typed.
/// Entries go when their failures are forgotten (the limit's window). When the store is full
/// anyway, it first drops those, then the entries with the fewest failures (the oldest first
/// among equals), an eighth of the capacity at a time: a flood of made-up account names, one
/// failure each, pushes out its own kind, not the count of an account under attack.
///
/// ```
/// use login_runtime::{LoginThrottle, MemoryThrottle, ThrottlePolicy};
///
/// let store = MemoryThrottle::with_capacity(10_000);
/// let throttle = LoginThrottle::with_store(ThrottlePolicy::default(), store.clone());
/// assert_eq!(store.len(), 0); // a gauge to export, say
/// # let _ = throttle;
/// ```
#[derive(Clone)]
pub struct MemoryThrottle {
    inner: Arc<Inner>,
}

struct Inner {
    entries: Mutex<HashMap<Key, Entry>>,
    capacity: usize,
    clock: Clock,
}

/// One count: `failures` so far, the last one at `last`, all forgotten at `expires` (ms on the
/// store's clock).
#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: u64,
    expires: u64,
}

enum Clock {
    /// Milliseconds since the store was made: monotonic, so a wall-clock step (NTP, a VM
    /// resumed) neither ends a lockout early nor makes one last for hours.
    Process(Instant),
    #[cfg(feature = "test-kit")]
    Test(TestClock),
}

impl Clock {
    fn now_ms(&self) -> u64 {
        match self {
            Self::Process(start) => u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
            #[cfg(feature = "test-kit")]
            Self::Test(clock) => clock.now_ms(),
        }
    }
}

impl Default for MemoryThrottle {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryThrottle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryThrottle")
            .field("len", &self.len())
            .field("capacity", &self.inner.capacity)
            .finish()
    }
}

impl MemoryThrottle {
    /// A store of 100,000 entries (about 5 MB at most).
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }

    /// A store of at most `capacity` entries (at least 2: one attempt writes an account's and
    /// an address's).
    pub fn with_capacity(capacity: usize) -> Self {
        Self::build(capacity, Clock::Process(Instant::now()))
    }

    fn build(capacity: usize, clock: Clock) -> Self {
        Self {
            inner: Arc::new(Inner {
                entries: Mutex::new(HashMap::new()),
                capacity: capacity.max(2),
                clock,
            }),
        }
    }

    /// A new, empty store of the same capacity whose time is `clock`'s (feature `test-kit`):
    /// a test moves it forward instead of sleeping through a backoff or a lockout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use login_runtime::test::TestClock;
    /// use login_runtime::{LoginThrottle, MemoryThrottle, ThrottlePolicy};
    ///
    /// let clock = TestClock::new();
    /// let store = MemoryThrottle::new().with_clock(&clock);
    /// let throttle = LoginThrottle::with_store(ThrottlePolicy::default(), store);
    /// // ... ten failed logins: locked for 15 minutes ...
    /// clock.advance(Duration::from_secs(15 * 60));
    /// # let _ = throttle;
    /// ```
    #[cfg(feature = "test-kit")]
    pub fn with_clock(self, clock: &TestClock) -> Self {
        Self::build(self.inner.capacity, Clock::Test(clock.clone()))
    }

    /// How many accounts and addresses it holds failures for now (expired ones included until
    /// the store next needs their room).
    pub fn len(&self) -> usize {
        self.inner.lock().len()
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most entries it holds.
    pub fn capacity(&self) -> usize {
        self.inner.capacity
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Entry>> {
        // Every update is one insert or remove, so a panic elsewhere under the lock leaves the
        // map consistent.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn attempt(&self, counts: &[Count<'_>]) -> Verdict {
        let now = self.clock.now_ms();
        let mut entries = self.lock();
        let live = |entries: &HashMap<Key, Entry>, key: &Key| {
            entries
                .get(key)
                .copied()
                .filter(|entry| entry.expires > now)
        };
        let mut refused = None;
        for (index, count) in counts.iter().enumerate() {
            let Some(entry) = live(&entries, &count.key) else {
                continue;
            };
            let until = entry
                .last
                .saturating_add(count.limit.delay_ms(entry.failures));
            let wait_ms = until.saturating_sub(now);
            let longer = match refused {
                Some(Verdict::Refused { wait_ms: other, .. }) => wait_ms > other,
                _ => wait_ms > 0,
            };
            if longer {
                refused = Some(Verdict::Refused {
                    wait_ms,
                    index,
                    failures: entry.failures,
                });
            }
        }
        if let Some(refused) = refused {
            return refused;
        }
        for count in counts {
            let failures =
                live(&entries, &count.key).map_or(1, |entry| entry.failures.saturating_add(1));
            let entry = Entry {
                failures,
                last: now,
                expires: now.saturating_add(count.limit.keep_ms(failures)),
            };
            if entries.len() >= self.capacity && !entries.contains_key(&count.key) {
                make_room(&mut entries, self.capacity, now);
            }
            entries.insert(count.key, entry);
        }
        Verdict::Allowed
    }

    fn succeeded(&self, clear: Option<Count<'_>>, take_back: Option<Count<'_>>) {
        let now = self.clock.now_ms();
        let mut entries = self.lock();
        if let Some(count) = clear {
            entries.remove(&count.key);
        }
        if let Some(count) = take_back
            && let Some(entry) = entries.get_mut(&count.key)
        {
            if entry.failures <= 1 || entry.expires <= now {
                entries.remove(&count.key);
            } else {
                // The wait it set shrinks with the count; when it is forgotten stays as it was.
                entry.failures -= 1;
            }
        }
    }
}

/// Drops the expired entries; if the store is still over seven eighths full, drops the entries
/// with the fewest failures, the oldest first, down to seven eighths. Every full store thus
/// frees at least an eighth of its room, and the scan's cost is shared by the inserts that
/// fill it again.
fn make_room(entries: &mut HashMap<Key, Entry>, capacity: usize, now: u64) {
    entries.retain(|_, entry| entry.expires > now);
    let target = (capacity - capacity / 8).min(capacity - 1);
    let Some(excess) = entries
        .len()
        .checked_sub(target)
        .filter(|excess| *excess > 0)
    else {
        return;
    };
    let mut ranked: Vec<(u32, u64, Key)> = entries
        .iter()
        .map(|(key, entry)| (entry.failures, entry.last, *key))
        .collect();
    // The `excess - 1` entries before the pivot, and the pivot: the `excess` least worth keeping.
    let (fewest, pivot, _) =
        ranked.select_nth_unstable_by_key(excess - 1, |(failures, last, _)| (*failures, *last));
    for (_, _, key) in fewest.iter().chain([&*pivot]) {
        entries.remove(key);
    }
}

impl Store for MemoryThrottle {
    fn attempt<'a>(
        &'a self,
        counts: &'a [Count<'a>],
    ) -> LocalBoxFuture<'a, Result<Verdict, StoreFailure>> {
        Box::pin(std::future::ready(Ok(self.inner.attempt(counts))))
    }

    fn succeeded<'a>(
        &'a self,
        clear: Option<Count<'a>>,
        take_back: Option<Count<'a>>,
    ) -> LocalBoxFuture<'a, Result<(), StoreFailure>> {
        self.inner.succeeded(clear, take_back);
        Box::pin(std::future::ready(Ok(())))
    }
}

impl super::ThrottleStore for MemoryThrottle {}

/// A clock that moves only when told (feature `test-kit`), for [`MemoryThrottle::with_clock`]:
/// tests of a login handler step through backoffs and lockouts without sleeping. Clones share
/// the time.
#[cfg(feature = "test-kit")]
#[derive(Debug, Clone, Default)]
pub struct TestClock(Arc<std::sync::atomic::AtomicU64>);

#[cfg(feature = "test-kit")]
impl TestClock {
    /// A clock at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the time forward by `by` (whole milliseconds).
    pub fn advance(&self, by: std::time::Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self.0.fetch_update(
            std::sync::atomic::Ordering::SeqCst,
            std::sync::atomic::Ordering::SeqCst,
            |now| Some(now.saturating_add(by)),
        );
    }

    fn now_ms(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::throttle::ThrottleLimit;

    fn fill(entries: &mut HashMap<Key, Entry>, failures: &[u32]) -> Vec<Key> {
        failures
            .iter()
            .enumerate()
            .map(|(i, failures)| {
                let key = Key::account(&i.to_string());
                let entry = Entry {
                    failures: *failures,
                    last: i as u64,
                    expires: 1_000,
                };
                entries.insert(key, entry);
                key
            })
            .collect()
    }

    #[test]
    fn a_full_store_drops_the_fewest_failures_first_down_to_seven_eighths() {
        let mut entries = HashMap::new();
        let keys = fill(
            &mut entries,
            &[9, 1, 1, 5, 1, 7, 2, 8, 3, 4, 6, 10, 11, 12, 13, 14],
        );
        make_room(&mut entries, 16, 0);
        assert_eq!(entries.len(), 14);
        // The two oldest of the three single failures went.
        assert!(!entries.contains_key(&keys[1]) && !entries.contains_key(&keys[2]));
        assert!(entries.contains_key(&keys[4]));
    }

    #[test]
    fn expired_entries_go_first_and_a_tiny_store_still_makes_room() {
        let mut entries = HashMap::new();
        fill(&mut entries, &[1, 1]);
        make_room(&mut entries, 2, 1_000);
        assert!(entries.is_empty(), "both expired at 1000");
        let keys = fill(&mut entries, &[3, 2]);
        make_room(&mut entries, 2, 0);
        assert_eq!(entries.keys().collect::<Vec<_>>(), [&keys[0]]);
    }

    #[test]
    fn expiry_alone_may_make_exactly_enough_room() {
        let mut entries = HashMap::new();
        let keys = fill(&mut entries, &[1; 16]);
        for key in &keys[..2] {
            entries.entry(*key).and_modify(|entry| entry.expires = 5);
        }
        make_room(&mut entries, 16, 5);
        assert_eq!(entries.len(), 14, "the two expired ones, and no more");
        assert!(keys[2..].iter().all(|key| entries.contains_key(key)));
    }

    #[test]
    fn an_attempt_counts_in_every_count_or_in_none() {
        let store = MemoryThrottle::with_capacity(8);
        let tight = ThrottleLimit::per_account().free_failures(0);
        let loose = ThrottleLimit::per_address();
        let counts = [
            Count {
                key: Key::account("a"),
                limit: &tight,
            },
            Count {
                key: Key::account("b"),
                limit: &loose,
            },
        ];
        assert_eq!(store.inner.attempt(&counts), Verdict::Allowed);
        let refused = store.inner.attempt(&counts);
        assert!(
            matches!(refused, Verdict::Refused { index: 0, failures: 1, wait_ms } if wait_ms > 0),
            "{refused:?}"
        );
        let entries = store.inner.lock();
        assert_eq!(
            entries[&Key::account("b")].failures,
            1,
            "the refusal counted nothing"
        );
    }
}
