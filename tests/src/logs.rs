//! Captures this thread's `tracing` output, to assert on the log lines a user would read.
//!
//! One subscriber for the whole test process, installed on first use, writes each line to the
//! buffer of the thread that logged it. Per-test subscribers (`set_default`) would be simpler,
//! but tracing caches each log site's interest process-wide, and with tests running in parallel
//! a site first reached on a thread without a subscriber could be cached as "nobody listens"
//! while another test was capturing it: that test then saw no lines at all, now and then.

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, Once};

use tracing_subscriber::fmt::MakeWriter;

/// The captured log text.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

thread_local! {
    /// Where this thread's lines go while a capture is active.
    static CAPTURE: RefCell<Option<Logs>> = const { RefCell::new(None) };
}

/// Ends the capture when dropped.
#[must_use = "the capture ends when the guard is dropped"]
pub struct CaptureGuard(());

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURE.with(|capture| capture.borrow_mut().take());
    }
}

impl Logs {
    /// Starts capturing on the current thread until the guard drops. actix's test services run
    /// on the test's own thread, so every line the library logs for a request lands here.
    pub fn capture() -> (Self, CaptureGuard) {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_writer(ThreadWriter)
                .with_ansi(false)
                .with_max_level(tracing::Level::DEBUG)
                .finish();
            // A test binary that already has a global subscriber keeps it; nothing to capture.
            let _ = tracing::subscriber::set_global_default(subscriber);
        });
        let logs = Self::default();
        CAPTURE.with(|capture| *capture.borrow_mut() = Some(logs.clone()));
        (logs, CaptureGuard(()))
    }

    /// Everything logged so far.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|bytes| bytes.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// Writes to the current thread's capture, if any; otherwise drops the line.
struct ThreadWriter;

impl Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|capture| {
            if let Some(Logs(bytes)) = &*capture.borrow()
                && let Ok(mut bytes) = bytes.lock()
            {
                bytes.extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for ThreadWriter {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        Self
    }
}
