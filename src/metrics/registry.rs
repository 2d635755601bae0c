//! The list of labelled children of one metric family: what `prometheus_client` keeps
//! behind `metric.labels(...)`. A child is created once (under a lock, at start), kept
//! for the life of the process, and then updated through the `Arc` its user holds,
//! without any lock; only a scrape walks the list again.

use std::sync::{Arc, Mutex};

pub struct Registry<T> {
    children: Mutex<Vec<Arc<T>>>,
}

impl<T: Sync> Registry<T> {
    pub const fn new() -> Registry<T> {
        Registry {
            children: Mutex::new(Vec::new()),
        }
    }

    /// The child that `is_it` recognises, or a new one from `create`: once per label
    /// value per process, however many times it is asked for.
    pub fn child(&self, is_it: impl Fn(&T) -> bool, create: impl FnOnce() -> T) -> Arc<T> {
        let mut children = self.lock();
        if let Some(found) = children.iter().find(|child| is_it(child)) {
            return Arc::clone(found);
        }
        let created = Arc::new(create());
        children.push(Arc::clone(&created));
        created
    }

    /// Every child so far, in creation order (a copy of the list: the lock is not held
    /// while the scrape writes).
    pub fn children(&self) -> Vec<Arc<T>> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<T>>> {
        // A poisoned lock only means a thread panicked while holding it; the list is
        // still a list.
        self.children
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<T: Sync> Default for Registry<T> {
    fn default() -> Registry<T> {
        Registry::new()
    }
}
