//! A once-cell for one request: the user is loaded at most once, even when two extractors of
//! the same handler ask at the same time (actix polls a handler's extractors together).
//!
//! A request lives on one thread, so this is a `RefCell` and a list of wakers; tokio's
//! `OnceCell` does the same job with a semaphore, at several times the cost per request.

use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::mem;
use std::task::{Poll, Waker};

enum Slot<T> {
    Empty,
    /// Someone is loading; these are waiting for them.
    Loading(Vec<Waker>),
    Ready(T),
}

pub(crate) struct LocalOnce<T> {
    slot: RefCell<Slot<T>>,
}

impl<T: Clone> LocalOnce<T> {
    pub(crate) fn new() -> Self {
        Self {
            slot: RefCell::new(Slot::Empty),
        }
    }

    /// The value, once there is one.
    pub(crate) fn get(&self) -> Option<T> {
        match &*self.slot.borrow() {
            Slot::Ready(value) => Some(value.clone()),
            Slot::Empty | Slot::Loading(_) => None,
        }
    }

    /// The value, running `init` if nobody has (or is). A failed or cancelled `init` leaves
    /// the cell empty, and the next caller tries again.
    pub(crate) async fn get_or_try_init<E, F>(&self, init: impl FnOnce() -> F) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        loop {
            {
                let mut slot = self.slot.borrow_mut();
                match &*slot {
                    Slot::Ready(value) => return Ok(value.clone()),
                    Slot::Loading(_) => {}
                    Slot::Empty => {
                        *slot = Slot::Loading(Vec::new());
                        break;
                    }
                }
            }
            // Another caller is loading: wait until it has finished (or given up).
            poll_fn(|cx| match &mut *self.slot.borrow_mut() {
                Slot::Loading(waiters) => {
                    waiters.push(cx.waker().clone());
                    Poll::Pending
                }
                Slot::Empty | Slot::Ready(_) => Poll::Ready(()),
            })
            .await;
        }
        let mut loading = Loading {
            cell: self,
            done: false,
        };
        let result = init().await;
        loading.done = true;
        let next = match &result {
            Ok(value) => Slot::Ready(value.clone()),
            Err(_) => Slot::Empty,
        };
        self.finish(next);
        result
    }

    fn finish(&self, next: Slot<T>) {
        let previous = mem::replace(&mut *self.slot.borrow_mut(), next);
        if let Slot::Loading(waiters) = previous {
            waiters.into_iter().for_each(Waker::wake);
        }
    }
}

/// Empties the cell if the loading future is dropped before it finishes, so waiters retry.
struct Loading<'a, T: Clone> {
    cell: &'a LocalOnce<T>,
    done: bool,
}

impl<T: Clone> Drop for Loading<'_, T> {
    fn drop(&mut self) {
        if !self.done {
            self.cell.finish(Slot::Empty);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LocalOnce;
    use std::cell::Cell;
    use std::future::Future;

    #[actix_rt::test]
    async fn concurrent_callers_share_one_init() {
        let cell = LocalOnce::<u32>::new();
        let runs = Cell::new(0);
        let init = || async {
            runs.set(runs.get() + 1);
            actix_rt::task::yield_now().await;
            Ok::<_, ()>(7)
        };
        let (a, b) = futures_join(cell.get_or_try_init(init), cell.get_or_try_init(init)).await;
        assert_eq!((a, b), (Ok(7), Ok(7)));
        assert_eq!(runs.get(), 1);
        assert_eq!(cell.get(), Some(7));
    }

    #[actix_rt::test]
    async fn a_failed_init_is_retried() {
        let cell = LocalOnce::<u32>::new();
        assert_eq!(
            cell.get_or_try_init(|| async { Err::<u32, _>("down") })
                .await,
            Err("down")
        );
        assert_eq!(cell.get(), None);
        assert_eq!(
            cell.get_or_try_init(|| async { Ok::<_, &str>(3) }).await,
            Ok(3)
        );
    }

    /// Polls both to completion on one task, as actix polls a handler's extractors.
    async fn futures_join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
        let (mut a, mut b) = (Box::pin(a), Box::pin(b));
        let (mut ra, mut rb) = (None, None);
        std::future::poll_fn(|cx| {
            if ra.is_none()
                && let std::task::Poll::Ready(v) = a.as_mut().poll(cx)
            {
                ra = Some(v);
            }
            if rb.is_none()
                && let std::task::Poll::Ready(v) = b.as_mut().poll(cx)
            {
                rb = Some(v);
            }
            if ra.is_some() && rb.is_some() {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await;
        (
            ra.unwrap_or_else(|| unreachable!()),
            rb.unwrap_or_else(|| unreachable!()),
        )
    }
}
