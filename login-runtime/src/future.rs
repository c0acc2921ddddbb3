//! The futures the request path shares: the boxed-future alias, and the panic guard around
//! app-supplied async code.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A boxed, single-threaded future (actix-web handlers run on one worker thread).
pub(crate) type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

pin_project_lite::pin_project! {
    /// Turns a panic inside app code (a loader) into a 500 for that request, so one bad row
    /// cannot take a worker and every request on it down (docs/behaviour.md L2).
    pub(crate) struct CatchUnwind<F> {
        #[pin]
        inner: F,
    }
}

/// Wraps `inner` so a panic while polling it becomes an internal-server error.
pub(crate) fn catch_unwind<F>(inner: F) -> CatchUnwind<F> {
    CatchUnwind { inner }
}

impl<F, T> Future for CatchUnwind<F>
where
    F: Future<Output = Result<T, actix_web::Error>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let inner = self.project().inner;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll,
            Err(_) => Poll::Ready(Err(actix_web::error::ErrorInternalServerError(
                "the loader panicked",
            ))),
        }
    }
}
