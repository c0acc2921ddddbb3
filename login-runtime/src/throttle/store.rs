//! What the throttle counts (the keys, bounded whatever the visitor typed) and the store
//! interface both stores implement.

use std::net::IpAddr;

use sha2::{Digest as _, Sha256};

use super::policy::ThrottleLimit;
use super::refusal::ThrottleScope;
use crate::future::LocalBoxFuture;
use crate::protection::ClientAddress;

/// The longest account name counted, in bytes; longer names are cut (at a character boundary).
/// No real account name comes near it, and the name is hashed anyway: the cap bounds the work
/// of normalising and hashing whatever a visitor posts.
pub(crate) const MAX_ACCOUNT_BYTES: usize = 256;

/// Bytes of SHA-256 kept per key: collisions stay out of reach (2^64 work for a chosen pair),
/// and an entry costs the same whatever was typed.
const KEY_BYTES: usize = 16;

/// What one count is about: an account or an address, by a digest of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub(crate) scope: ThrottleScope,
    pub(crate) digest: [u8; KEY_BYTES],
}

impl Key {
    fn new(scope: ThrottleScope, text: &str) -> Self {
        // The scope is hashed in too, so an account named like an address is another key.
        let label: &[u8] = match scope {
            ThrottleScope::Account => b"login-runtime throttle account\0",
            ThrottleScope::Address => b"login-runtime throttle address\0",
        };
        let hash = Sha256::new()
            .chain_update(label)
            .chain_update(text.as_bytes())
            .finalize();
        let mut digest = [0; KEY_BYTES];
        digest.copy_from_slice(&hash[..KEY_BYTES]);
        Self { scope, digest }
    }

    /// The key of the account `name` (already normalised by [`account_name`]).
    pub(crate) fn account(name: &str) -> Self {
        Self::new(ThrottleScope::Account, name)
    }

    /// The key of a client address. An IPv6 client counts by its /64: one host usually holds
    /// a whole /64, so counting single addresses would let it pick a fresh one per attempt.
    /// An IPv4-mapped IPv6 address counts as the IPv4 address.
    pub(crate) fn address(address: &ClientAddress) -> Self {
        let ip = match address {
            ClientAddress::Ip(ip) => Ok(*ip),
            ClientAddress::Hop(hop) => hop.parse::<IpAddr>().map_err(|_| hop.as_str()),
        };
        match ip.map(|ip| ip.to_canonical()) {
            Ok(IpAddr::V4(v4)) => Self::new(ThrottleScope::Address, &v4.to_string()),
            Ok(IpAddr::V6(v6)) => {
                let [a, b, c, d, ..] = v6.segments();
                let network = format!("{a:x}:{b:x}:{c:x}:{d:x}::/64");
                Self::new(ThrottleScope::Address, &network)
            }
            // Whatever a trusted proxy wrote that is no address: counted as written, capped.
            Err(hop) => Self::new(ThrottleScope::Address, truncate(hop, MAX_ACCOUNT_BYTES)),
        }
    }
}

/// The account name as counted: surrounding whitespace trimmed, ASCII letters lowercased, cut
/// to [`MAX_ACCOUNT_BYTES`]. Only ASCII case is folded: Unicode case mappings differ by
/// locale and version, and would merge names the app may keep apart. An app whose own lookup
/// folds more (Unicode case, NFKC) passes the name it looks up instead.
pub(crate) fn account_name(username: &str) -> String {
    truncate(username.trim(), MAX_ACCOUNT_BYTES).to_ascii_lowercase()
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    &text[..text.floor_char_boundary(max)]
}

/// One count an attempt is checked against, with its rules.
#[derive(Debug, Clone, Copy)]
pub struct Count<'a> {
    pub(crate) key: Key,
    pub(crate) limit: &'a ThrottleLimit,
}

/// A store's answer to an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Let through, and counted as a failure until the app says it succeeded.
    Allowed,
    /// Refused, not counted: `counts[index]` asks for `wait_ms` more, with `failures` counted.
    Refused {
        wait_ms: u64,
        index: usize,
        failures: u32,
    },
}

/// A store call failed or did not answer in time: the reason, for the log.
pub type StoreFailure = String;

/// The store interface, sealed: [`ThrottleStore`](super::ThrottleStore) is implemented by this
/// crate's stores only, so it can change with the policy it serves.
pub trait Store: Send + Sync + 'static {
    /// Checks every count; when none asks for a wait, counts the attempt in each, atomically
    /// (parallel attempts cannot all pass a check made before any of them was counted).
    fn attempt<'a>(
        &'a self,
        counts: &'a [Count<'a>],
    ) -> LocalBoxFuture<'a, Result<Verdict, StoreFailure>>;

    /// A counted attempt succeeded: forgets `clear` (the account's count) and takes the
    /// attempt back from `take_back` (the address's count, which keeps its other failures).
    fn succeeded<'a>(
        &'a self,
        clear: Option<Count<'a>>,
        take_back: Option<Count<'a>>,
    ) -> LocalBoxFuture<'a, Result<(), StoreFailure>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_are_trimmed_lowercased_in_ascii_and_capped() {
        assert_eq!(account_name("  Notch\t\n"), "notch");
        assert_eq!(account_name("NOTCH"), account_name("notch"));
        // Not folded: non-ASCII letters, inner whitespace.
        assert_eq!(account_name("ÉMILE"), "Émile");
        assert_ne!(account_name("no tch"), account_name("notch"));
        let long = "é".repeat(200); // 400 bytes
        let cut = account_name(&long);
        assert_eq!(cut.len(), MAX_ACCOUNT_BYTES);
        assert_eq!(
            account_name(&format!("{long}x")),
            cut,
            "one key past the cap"
        );
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64_and_a_mapped_ipv4_as_itself() {
        let key = |text: &str| {
            let ip = text
                .parse()
                .unwrap_or_else(|err| unreachable!("{text}: {err}"));
            Key::address(&ClientAddress::Ip(ip))
        };
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:203.0.113.7"), key("203.0.113.7"));
        assert_ne!(key("203.0.113.7"), key("203.0.113.8"));
        let hop = |text: &str| Key::address(&ClientAddress::Hop(text.to_owned()));
        assert_eq!(hop("203.0.113.7"), key("203.0.113.7"));
        assert_eq!(
            hop(&"x".repeat(10_000)),
            hop(&"x".repeat(MAX_ACCOUNT_BYTES))
        );
        assert_ne!(Key::account("203.0.113.7"), key("203.0.113.7"));
    }
}
