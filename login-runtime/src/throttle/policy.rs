//! What the throttle allows: a [`ThrottleLimit`] per account and one per client address, and
//! the wait that follows a given number of failures.

use std::time::Duration;

/// How many failed logins a [`LoginThrottle`](super::LoginThrottle) lets through, per account
/// and per client address.
///
/// The default follows the OWASP Authentication Cheat Sheet ("Login throttling", "Account
/// lockout": a few free attempts, then delays that double, then a soft lockout) and stays far
/// under ASVS V2.2.1's ceiling of 100 failed attempts per account per hour:
///
/// | | free failures | then the next attempt waits | locked after | for | forgotten after |
/// |---|---|---|---|---|---|
/// | [`per_account`](ThrottleLimit::per_account) | 5 | 1 s, doubling, at most 60 s | 10 failures | 15 min | 1 h without a failure |
/// | [`per_address`](ThrottleLimit::per_address) | 50 | 1 s, doubling, at most 60 s | 100 failures | 15 min | 1 h without a failure |
///
/// So one account takes at most 10 guesses in its first quarter of a minute and one every
/// 15 minutes after that, from any number of addresses; one address, spraying one password
/// over many accounts, takes about 100 an hour. An address has the larger allowance because
/// many people share one (an office, a mobile carrier's NAT), each with their own typos.
///
/// ```
/// use std::time::Duration;
/// use login_runtime::{ThrottleLimit, ThrottlePolicy};
///
/// // A stricter account limit, and no address limit (every client comes from one gateway
/// // that no `trusted_proxies` entry names, say).
/// let policy = ThrottlePolicy::default()
///     .account(ThrottleLimit::per_account().free_failures(3).lockout(5, Duration::from_secs(30 * 60)))
///     .no_address_limit();
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct ThrottlePolicy {
    pub(crate) account: Option<ThrottleLimit>,
    pub(crate) address: Option<ThrottleLimit>,
}

impl Default for ThrottlePolicy {
    /// [`ThrottleLimit::per_account`] and [`ThrottleLimit::per_address`].
    fn default() -> Self {
        Self {
            account: Some(ThrottleLimit::per_account()),
            address: Some(ThrottleLimit::per_address()),
        }
    }
}

impl ThrottlePolicy {
    /// Failures counted per account name, whichever address they come from.
    pub fn account(self, limit: ThrottleLimit) -> Self {
        Self {
            account: Some(limit),
            ..self
        }
    }

    /// Failures counted per client address, whichever account they try.
    pub fn address(self, limit: ThrottleLimit) -> Self {
        Self {
            address: Some(limit),
            ..self
        }
    }

    /// No per-account count: only addresses are throttled.
    pub fn no_account_limit(self) -> Self {
        Self {
            account: None,
            ..self
        }
    }

    /// No per-address count: only accounts are throttled.
    pub fn no_address_limit(self) -> Self {
        Self {
            address: None,
            ..self
        }
    }
}

/// One count's rules: how many failures are free, how the wait grows after them, when a
/// lockout starts and how long failures are remembered.
///
/// With `n` failures counted, the next attempt waits:
///
/// - nothing while `n` is at most [`free_failures`](Self::free_failures);
/// - `base × factor^(n − free − 1)`, at most `max` ([`backoff`](Self::backoff));
/// - the lockout's duration once `n` reaches its threshold ([`lockout`](Self::lockout)), and
///   again after each further failure;
///
/// counted from the last attempt let through. Failures are forgotten once
/// [`window`](Self::window) has passed since the last one (never before the wait ends).
///
/// ```
/// use std::time::Duration;
/// use login_runtime::ThrottleLimit;
///
/// let limit = ThrottleLimit::per_account()
///     .free_failures(3)
///     .backoff(Duration::from_secs(2), 3, Duration::from_secs(120)) // 2 s, 6 s, 18 s, ...
///     .lockout(8, Duration::from_secs(3600))
///     .window(Duration::from_secs(24 * 3600));
/// # let _ = limit;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct ThrottleLimit {
    free: u32,
    base: Duration,
    factor: u32,
    max: Duration,
    /// Failures that start a lockout, and its duration; `None`: backoff only.
    lockout: Option<(u32, Duration)>,
    window: Duration,
}

const MINUTE: Duration = Duration::from_secs(60);

impl ThrottleLimit {
    /// The per-account default: 5 free failures, then 1 s doubling up to 60 s, a 15-minute
    /// lockout from the 10th failure on, forgotten after an hour without one.
    pub fn per_account() -> Self {
        Self {
            free: 5,
            base: Duration::from_secs(1),
            factor: 2,
            max: MINUTE,
            lockout: Some((10, 15 * MINUTE)),
            window: 60 * MINUTE,
        }
    }

    /// The per-address default: 50 free failures, then 1 s doubling up to 60 s, a 15-minute
    /// lockout from the 100th failure on, forgotten after an hour without one.
    pub fn per_address() -> Self {
        Self {
            free: 50,
            lockout: Some((100, 15 * MINUTE)),
            ..Self::per_account()
        }
    }

    /// Failed attempts in a row that cost no wait.
    pub fn free_failures(self, free: u32) -> Self {
        Self { free, ..self }
    }

    /// The wait after the first failure past the free ones (`base`), multiplied by `factor`
    /// after each further one, never more than `max`. A `factor` of 0 or 1 keeps the wait at
    /// `base`.
    pub fn backoff(self, base: Duration, factor: u32, max: Duration) -> Self {
        Self {
            base,
            factor,
            max,
            ..self
        }
    }

    /// From `after` failures on (at least 1), the next attempt waits `duration`, whatever the
    /// backoff says; each failure after the lockout ends starts another.
    pub fn lockout(self, after: u32, duration: Duration) -> Self {
        Self {
            lockout: Some((after.max(1), duration)),
            ..self
        }
    }

    /// No lockout: the backoff's `max` is the longest wait.
    pub fn no_lockout(self) -> Self {
        Self {
            lockout: None,
            ..self
        }
    }

    /// How long failures are remembered after the last one (at least a millisecond). A wait
    /// longer than the window keeps them until the wait ends.
    pub fn window(self, window: Duration) -> Self {
        Self { window, ..self }
    }

    /// The wait, in milliseconds, after `failures` counted failures.
    pub(crate) fn delay_ms(&self, failures: u32) -> u64 {
        if let Some((after, lockout)) = self.lockout
            && failures >= after
        {
            return millis(lockout);
        }
        let Some(past_free) = failures.checked_sub(self.free).filter(|past| *past > 0) else {
            return 0;
        };
        let (base, max) = (millis(self.base), millis(self.max));
        if base == 0 {
            return 0; // no backoff (and the Lua script's `0 × ∞` is no number)
        }
        // `factor^(past_free - 1)`; anything that overflows is past `max` anyway.
        u64::from(self.factor.max(1))
            .checked_pow(past_free - 1)
            .and_then(|growth| base.checked_mul(growth))
            .map_or(max, |delay| delay.min(max))
    }

    /// How long an entry with `failures` failures must be kept after its last one, in
    /// milliseconds: the window, or the wait if that is longer.
    pub(crate) fn keep_ms(&self, failures: u32) -> u64 {
        millis(self.window).max(self.delay_ms(failures)).max(1)
    }

    /// The limit as the Redis script reads it: free, base, factor, max, lockout threshold (0:
    /// none), lockout, window; durations in milliseconds.
    #[cfg(feature = "redis")]
    pub(crate) fn script_args(&self) -> [u64; 7] {
        let (after, lockout) = self.lockout.unwrap_or((0, Duration::ZERO));
        [
            u64::from(self.free),
            millis(self.base),
            u64::from(self.factor.max(1)),
            millis(self.max),
            u64::from(after),
            millis(lockout),
            millis(self.window).max(1),
        ]
    }
}

/// Whole milliseconds, saturating; capped at 2^53 so a Lua number holds it exactly.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .min(MAX_MILLIS)
}

/// 2^53 − 1 ms: 285,000 years, and the largest integer a Lua number (a double) holds exactly.
const MAX_MILLIS: u64 = (1 << 53) - 1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_is_free_then_doubles_up_to_the_cap_then_locks() {
        let limit = ThrottleLimit::per_account();
        let waits: Vec<u64> = (0..=12).map(|n| limit.delay_ms(n)).collect();
        assert_eq!(
            waits,
            [
                0, 0, 0, 0, 0, 0, 1_000, 2_000, 4_000, 8_000, 900_000, 900_000, 900_000
            ]
        );
        let capped = limit.no_lockout();
        assert_eq!(capped.delay_ms(11), 32_000);
        assert_eq!(capped.delay_ms(12), 60_000);
        assert_eq!(capped.delay_ms(u32::MAX), 60_000, "no overflow");
    }

    #[test]
    fn the_address_default_allows_fifty_then_doubles_then_locks_at_a_hundred() {
        let limit = ThrottleLimit::per_address();
        let waits: Vec<u64> = [50, 51, 52, 56, 57, 99, 100, 101]
            .into_iter()
            .map(|n| limit.delay_ms(n))
            .collect();
        assert_eq!(
            waits,
            [0, 1_000, 2_000, 32_000, 60_000, 60_000, 900_000, 900_000]
        );
        assert_eq!(limit.keep_ms(1), 3_600_000, "an hour");
        assert_eq!(ThrottleLimit::per_account().keep_ms(1), 3_600_000);
    }

    #[test]
    fn a_custom_backoff_grows_by_its_factor_up_to_its_cap() {
        let limit = ThrottleLimit::per_account()
            .free_failures(0)
            .no_lockout()
            .backoff(Duration::from_secs(2), 3, Duration::from_secs(20));
        let waits: Vec<u64> = (0..=5).map(|n| limit.delay_ms(n)).collect();
        assert_eq!(waits, [0, 2_000, 6_000, 18_000, 20_000, 20_000]);
        let zero = limit.backoff(Duration::ZERO, 2, Duration::from_secs(20));
        assert_eq!(zero.delay_ms(u32::MAX), 0, "no base, no wait");
    }

    #[test]
    fn a_factor_of_one_or_zero_keeps_the_base() {
        let second = Duration::from_secs(1);
        for factor in [0, 1] {
            let limit = ThrottleLimit::per_account()
                .no_lockout()
                .backoff(second, factor, MINUTE);
            assert_eq!(limit.delay_ms(6), 1_000);
            assert_eq!(limit.delay_ms(u32::MAX), 1_000);
        }
    }

    #[test]
    fn failures_are_kept_for_the_window_or_the_wait_if_longer() {
        let limit = ThrottleLimit::per_account().window(Duration::from_secs(5));
        assert_eq!(limit.keep_ms(1), 5_000);
        assert_eq!(limit.keep_ms(8), 5_000);
        assert_eq!(limit.keep_ms(9), 8_000);
        assert_eq!(limit.keep_ms(10), 900_000);
        assert_eq!(limit.window(Duration::ZERO).keep_ms(0), 1, "never zero");
        let huge = limit.lockout(1, Duration::MAX);
        assert_eq!(
            huge.delay_ms(1),
            9_007_199_254_740_991,
            "2^53 - 1: exact in Lua"
        );
    }
}
