//! What the clients saw, per phase of the run.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// How one request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Login,
    Read,
    Logout,
    RefusedAfterLogout,
    /// The GET after a successful logout still named the user.
    StillLoggedIn,
    /// A response named another user: must never happen.
    Mismatch,
    /// A protected GET of a logged-in client was refused (401).
    LoggedOut,
    Unavailable,
    ServerError,
    OtherStatus(u16),
    ClientTimeout,
    ConnectionError,
}

impl Outcome {
    fn label(self) -> String {
        match self {
            Self::Login => "login".into(),
            Self::Read => "read".into(),
            Self::Logout => "logout".into(),
            Self::RefusedAfterLogout => "refused after logout".into(),
            Self::StillLoggedIn => "STILL LOGGED IN after logout".into(),
            Self::Mismatch => "IDENTITY MISMATCH".into(),
            Self::LoggedOut => "logged out (401 on a read)".into(),
            Self::Unavailable => "503".into(),
            Self::ServerError => "500".into(),
            Self::OtherStatus(status) => format!("status {status}"),
            Self::ClientTimeout => "client timeout (hang)".into(),
            Self::ConnectionError => "connection error".into(),
        }
    }
}

#[derive(Default)]
struct Phase {
    counts: BTreeMap<String, u64>,
    latencies_us: Vec<u64>,
}

#[derive(Default)]
struct State {
    phase: String,
    /// Phase names in the order they began.
    order: Vec<String>,
    phases: BTreeMap<String, Phase>,
    /// A fault that ended (Redis answers again) and awaits its first successful login.
    recovering: Option<(String, Instant)>,
    recoveries: Vec<(String, Option<Duration>)>,
    mismatches: u64,
}

/// Shared by every client task (one thread).
#[derive(Clone, Default)]
pub struct Recorder(Rc<RefCell<State>>);

impl Recorder {
    /// Requests started from now on count under `name`.
    pub fn phase(&self, name: &str) {
        let mut state = self.0.borrow_mut();
        state.phase = name.to_owned();
        if !state.order.iter().any(|seen| seen == name) {
            state.order.push(name.to_owned());
        }
    }

    /// Redis answers again after `fault`: the next successful login measures the recovery.
    pub fn redis_back(&self, fault: &str) {
        let mut state = self.0.borrow_mut();
        if let Some((previous, _)) = state.recovering.take() {
            state.recoveries.push((previous, None));
        }
        state.recovering = Some((fault.to_owned(), Instant::now()));
    }

    /// The phase requests starting now belong to.
    pub fn current_phase(&self) -> String {
        self.0.borrow().phase.clone()
    }

    pub fn record(&self, phase: &str, started: Instant, elapsed: Duration, outcome: Outcome) {
        let mut state = self.0.borrow_mut();
        if outcome == Outcome::Mismatch {
            state.mismatches += 1;
        }
        if outcome == Outcome::Login
            && let Some((fault, back)) = state.recovering.clone()
            && started >= back
        {
            state.recovering = None;
            state
                .recoveries
                .push((fault, Some(started + elapsed - back)));
        }
        let phase = state.phases.entry(phase.to_owned()).or_default();
        *phase.counts.entry(outcome.label()).or_default() += 1;
        phase
            .latencies_us
            .push(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
    }

    pub fn mismatches(&self) -> u64 {
        self.0.borrow().mismatches
    }

    /// The report, as Markdown.
    pub fn report(&self) -> String {
        let mut state = self.0.borrow_mut();
        if let Some((fault, _)) = state.recovering.take() {
            state.recoveries.push((fault, None));
        }
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| phase | requests | outcomes | p50 ms | p99 ms | max ms |\n|---|---:|---|---:|---:|---:|"
        );
        let mut total: BTreeMap<String, u64> = BTreeMap::new();
        let order = state.order.clone();
        for name in &order {
            let Some(phase) = state.phases.get_mut(name) else {
                continue;
            };
            phase.latencies_us.sort_unstable();
            let n = phase.latencies_us.len();
            let pick = |q: f64| {
                let index = ((n as f64 - 1.0) * q).round() as usize;
                phase.latencies_us.get(index).copied().unwrap_or(0) as f64 / 1000.0
            };
            let outcomes = phase
                .counts
                .iter()
                .map(|(label, count)| format!("{label}: {count}"))
                .collect::<Vec<_>>()
                .join(", ");
            for (label, count) in &phase.counts {
                *total.entry(label.clone()).or_default() += count;
            }
            let _ = writeln!(
                out,
                "| {name} | {n} | {outcomes} | {:.1} | {:.1} | {:.1} |",
                pick(0.5),
                pick(0.99),
                pick(1.0)
            );
        }
        let _ = writeln!(out, "\nTotals:");
        for (label, count) in &total {
            let _ = writeln!(out, "- {label}: {count}");
        }
        if !state.recoveries.is_empty() {
            let _ = writeln!(
                out,
                "\nRecovery (Redis answering again → first successful login after it):"
            );
            for (fault, took) in &state.recoveries {
                let took = took.map_or_else(
                    || "NEVER (within the run)".to_owned(),
                    |took| format!("{:.2} s", took.as_secs_f64()),
                );
                let _ = writeln!(out, "- after {fault}: {took}");
            }
        }
        out
    }
}
