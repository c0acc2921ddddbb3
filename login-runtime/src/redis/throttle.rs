//! Login throttling counts in Redis, shared by every app instance that uses the same server and
//! prefix.
//!
//! One key per account and per client address with failures, under a configurable prefix
//! (default `login-runtime:throttle:`): `<prefix>account:<digest>` and
//! `<prefix>address:<digest>`, the digest being 32 hex digits of SHA-256 of the normalised name
//! or address (never the name itself, and the same length whatever was typed). The value is
//! `<failures>:<Unix ms of the last>`, and the key expires when the failures are forgotten (the
//! limit's window, or the end of the wait if later), so Redis holds only counts still in force.
//!
//! Each attempt is one Lua script: both keys are read, checked and, when neither asks for a
//! wait, counted, atomically: attempts on several instances at once cannot all pass a check
//! made before any of them was counted. The script reads Redis's own clock (`TIME`), so the
//! instances' clocks do not need to agree.

use std::sync::Arc;

use super::RedisConnection;
use crate::auth_hash::hex;
use crate::future::LocalBoxFuture;
use crate::throttle::{Count, Key, StoreFailure, ThrottleScope, ThrottleStore, Verdict};

/// The default key prefix.
const DEFAULT_PREFIX: &str = "login-runtime:throttle:";

/// `KEYS`: the counts to check (account first); `ARGV`: seven numbers per key, as
/// `ThrottleLimit::script_args` writes them. Answers `{1}` when let through (and counted),
/// `{0, wait ms, key index (1-based), failures}` when refused (and not counted).
///
/// A value it cannot read counts as no failures and is overwritten: whoever can write such a
/// value into Redis can delete the key just as well, so reading it as "fresh" grants nothing.
const ATTEMPT: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local function wait_after(n, o)
  local after = tonumber(ARGV[o + 5])
  if after > 0 and n >= after then return tonumber(ARGV[o + 6]) end
  local free = tonumber(ARGV[o + 1])
  local base = tonumber(ARGV[o + 2])
  if n <= free or base == 0 then return 0 end
  local wait = base * tonumber(ARGV[o + 3]) ^ (n - free - 1)
  local cap = tonumber(ARGV[o + 4])
  if wait > cap then wait = cap end
  return wait
end
local counts = {}
local refused = nil
for i = 1, #KEYS do
  local o = (i - 1) * 7
  local count, last = 0, 0
  local value = redis.call('GET', KEYS[i])
  if value then
    local c, l = string.match(value, '^(%d+):(%d+)$')
    if c then count, last = tonumber(c), tonumber(l) end
  end
  counts[i] = count
  if count > 0 then
    local wait = math.ceil(last + wait_after(count, o) - now)
    if wait > 0 and (refused == nil or wait > refused[2]) then
      refused = {0, wait, i, count}
    end
  end
end
if refused then return refused end
for i = 1, #KEYS do
  local o = (i - 1) * 7
  local count = counts[i] + 1
  local keep = math.max(tonumber(ARGV[o + 7]), wait_after(count, o), 1)
  redis.call('SET', KEYS[i], string.format('%.0f:%.0f', count, now),
    'PX', string.format('%.0f', keep))
end
return {1}
";

/// `KEYS`: the account's key to clear (when `ARGV[1]` is 1), then the address's key to take
/// one failure from; its expiry stays.
const SUCCEEDED: &str = r"
local clear = tonumber(ARGV[1])
for i = 1, #KEYS do
  if i <= clear then
    redis.call('DEL', KEYS[i])
  else
    local value = redis.call('GET', KEYS[i])
    local c, l = nil, nil
    if value then c, l = string.match(value, '^(%d+):(%d+)$') end
    local ttl = redis.call('PTTL', KEYS[i])
    if c and tonumber(c) > 1 and ttl > 0 then
      redis.call('SET', KEYS[i], string.format('%.0f:%s', tonumber(c) - 1, l), 'PX', ttl)
    elseif value then
      redis.call('DEL', KEYS[i])
    end
  end
end
return 1
";

/// The [`ThrottleStore`] for several app instances: failure counts in Redis, so an attacker
/// cannot multiply the allowance by spreading attempts over the instances behind a load
/// balancer.
///
/// - **Shared and atomic.** Every instance on the same Redis and prefix sees the same counts;
///   each attempt is checked and counted in one Lua script, on Redis's clock.
/// - **Fail closed.** Each call waits at most the connection's
///   [`timeout`](super::RedisConnectionBuilder::timeout) (default one second). Past it, or
///   when Redis fails, the attempt is refused with `503`: never let through uncounted, never
///   hung. A `succeeded` that cannot be recorded reports the error; the attempt then stays
///   counted as a failure.
/// - **Bounded.** One key per account and per address with failures still remembered, about
///   100 bytes each, expiring when they are forgotten. A flood of made-up account names costs
///   Redis memory for one window: cap it with Redis's `maxmemory` (and a `volatile-*` eviction
///   policy, since every key here expires) if that matters.
///
/// Keys hold SHA-256 digests, not names; but account names are guessable, so treat the
/// digests as the names themselves. Standalone Redis (or a Sentinel-managed primary) only: not
/// Redis Cluster, where the account's and the address's keys may live on different nodes.
///
/// ```no_run
/// use login_runtime::redis::{RedisConnection, RedisThrottle};
/// use login_runtime::{LoginThrottle, ThrottlePolicy};
///
/// # async fn run() -> Result<(), login_runtime::redis::RedisConnectError> {
/// let redis = RedisConnection::connect("redis://127.0.0.1:6379").await?;
/// let throttle = LoginThrottle::with_store(
///     ThrottlePolicy::default(),
///     RedisThrottle::new(redis).prefix("myapp:throttle:"),
/// );
/// # let _ = throttle; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RedisThrottle {
    redis: RedisConnection,
    prefix: Arc<str>,
}

impl RedisThrottle {
    /// Counts on `redis`, under the prefix `login-runtime:throttle:`.
    pub fn new(redis: RedisConnection) -> Self {
        Self {
            redis,
            prefix: Arc::from(DEFAULT_PREFIX),
        }
    }

    /// Puts the keys under `prefix` instead (say, one per app sharing a Redis). Every instance
    /// of one app must use the same prefix.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Arc::from(prefix.into());
        self
    }

    fn key(&self, key: &Key) -> String {
        let scope = match key.scope {
            ThrottleScope::Account => "account",
            ThrottleScope::Address => "address",
        };
        format!("{}{scope}:{}", self.prefix, hex(&key.digest))
    }

    async fn eval<T: redis::FromRedisValue>(
        &self,
        script: &str,
        keys: &[Count<'_>],
        args: impl IntoIterator<Item = u64>,
    ) -> Result<T, StoreFailure> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(script).arg(keys.len());
        for count in keys {
            cmd.arg(self.key(&count.key));
        }
        for arg in args {
            cmd.arg(arg);
        }
        self.redis.query(&cmd).await.map_err(|err| err.to_string())
    }
}

impl crate::throttle::Store for RedisThrottle {
    fn attempt<'a>(
        &'a self,
        counts: &'a [Count<'a>],
    ) -> LocalBoxFuture<'a, Result<Verdict, StoreFailure>> {
        Box::pin(async move {
            let args = counts.iter().flat_map(|count| count.limit.script_args());
            let reply: Vec<u64> = self.eval(ATTEMPT, counts, args).await?;
            verdict(&reply, counts.len())
        })
    }

    fn succeeded<'a>(
        &'a self,
        clear: Option<Count<'a>>,
        take_back: Option<Count<'a>>,
    ) -> LocalBoxFuture<'a, Result<(), StoreFailure>> {
        Box::pin(async move {
            let keys: Vec<Count<'_>> = clear.into_iter().chain(take_back).collect();
            let clearing = u64::from(clear.is_some());
            let _: u64 = self.eval(SUCCEEDED, &keys, [clearing]).await?;
            Ok(())
        })
    }
}

impl ThrottleStore for RedisThrottle {}

// Here, not in `throttle/`, so that the throttle does not depend on the `redis` module.
impl crate::LoginThrottle {
    /// A throttle whose counts live in Redis (feature `redis`), shared by every app instance
    /// on it: [`RedisThrottle::new`] on `redis`.
    pub fn redis(redis: RedisConnection, policy: crate::ThrottlePolicy) -> Self {
        Self::with_store(policy, RedisThrottle::new(redis))
    }
}

/// The script's reply as a verdict; anything else is a failure (fail closed), never a pass.
fn verdict(reply: &[u64], keys: usize) -> Result<Verdict, StoreFailure> {
    match *reply {
        [1] => Ok(Verdict::Allowed),
        [0, wait_ms, index, failures] if (1..=keys as u64).contains(&index) && wait_ms > 0 => {
            Ok(Verdict::Refused {
                wait_ms,
                index: usize::try_from(index - 1).unwrap_or_default(),
                failures: u32::try_from(failures).unwrap_or(u32::MAX),
            })
        }
        _ => Err(format!("the throttle script answered {reply:?}")),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Verdict, verdict};
    use crate::ThrottleLimit;

    #[test]
    fn the_script_reads_each_limit_as_seven_whole_numbers() {
        let account = ThrottleLimit::per_account();
        assert_eq!(
            account.script_args(),
            [5, 1_000, 2, 60_000, 10, 900_000, 3_600_000]
        );
        let odd = account
            .no_lockout()
            .backoff(Duration::from_micros(1_500), 0, Duration::MAX)
            .window(Duration::ZERO);
        // No lockout is 0; the factor is at least 1, the window at least 1 ms; durations are
        // whole milliseconds, at most 2^53 - 1.
        assert_eq!(odd.script_args(), [5, 1, 1, 9_007_199_254_740_991, 0, 0, 1]);
    }

    #[test]
    fn only_the_two_expected_replies_are_verdicts() {
        assert_eq!(verdict(&[1], 2), Ok(Verdict::Allowed));
        assert_eq!(
            verdict(&[0, 1500, 2, 7], 2),
            Ok(Verdict::Refused {
                wait_ms: 1500,
                index: 1,
                failures: 7
            })
        );
        for odd in [
            &[][..],
            &[0],
            &[2],
            &[0, 1500, 3, 7],
            &[0, 1500, 0, 7],
            &[0, 0, 1, 7],
        ] {
            assert!(verdict(odd, 2).is_err(), "{odd:?}");
        }
    }
}
