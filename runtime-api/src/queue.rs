//! The invocation queue and everything recorded beside it, shared between the routes (the
//! handler's side) and [`crate::RuntimeApi`] (the test's side), with one condition variable
//! that wakes whichever side waits on a change.

use crate::invocation::{Invocation, Posted};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Default)]
pub(crate) struct State {
    /// Events not yet handed out, with their request ids, oldest first.
    pub(crate) queue: VecDeque<(String, Vec<u8>)>,
    pub(crate) invocations: HashMap<String, Invocation>,
    pub(crate) first_poll: Option<Instant>,
    pub(crate) init_error: Option<Posted>,
    /// `METHOD path` of each request no route matched.
    pub(crate) unexpected: Vec<String>,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    pub(crate) changed: Condvar,
    pub(crate) stopping: AtomicBool,
    next_id: AtomicU64,
}

impl Shared {
    pub(crate) fn new() -> Shared {
        Shared {
            state: Mutex::default(),
            changed: Condvar::new(),
            stopping: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking connection thread must not hide what was recorded before it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues an event behind the others and returns its request id (UUID-shaped, as the
    /// handlers' runtime passes it on).
    pub(crate) fn enqueue(&self, event: Vec<u8>) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let id = format!("00000000-0000-4000-8000-{n:012x}");
        let mut state = self.lock();
        state.queue.push_back((id.clone(), event));
        state.invocations.insert(
            id.clone(),
            Invocation {
                request_id: id.clone(),
                enqueued_at: Instant::now(),
                delivered_at: None,
                outcome: None,
            },
        );
        drop(state);
        self.changed.notify_all();
        id
    }

    /// Waits until `ready` picks something out of the state, or the time is up.
    pub(crate) fn wait_until<T>(
        &self,
        limit: Duration,
        mut ready: impl FnMut(&mut State) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + limit;
        let mut state = self.lock();
        loop {
            if let Some(found) = ready(&mut state) {
                return Some(found);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}
