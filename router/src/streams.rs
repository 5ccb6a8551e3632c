//! Caps on long-lived streams (WebSockets, SSE and multipart subscriptions): so many per
//! client address and so many in all. A stream holds a [`StreamPermit`] for as long as it
//! lives; one refused gets HTTP 429 with `TOO_MANY_CONNECTIONS`.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

pub struct StreamLimits {
    per_client: usize,
    total: usize,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    all: usize,
    by_client: HashMap<IpAddr, usize>,
}

/// One open stream; dropping it frees the place.
pub struct StreamPermit {
    limits: Arc<StreamLimits>,
    client: Option<IpAddr>,
}

impl StreamLimits {
    /// `0` means no cap.
    pub fn new(per_client: usize, total: usize) -> Arc<StreamLimits> {
        let cap = |n: usize| if n == 0 { usize::MAX } else { n };
        Arc::new(StreamLimits {
            per_client: cap(per_client),
            total: cap(total),
            open: Mutex::new(Open::default()),
        })
    }

    /// A place for one more stream of `client`, or `None` when a cap is reached.
    pub fn acquire(self: &Arc<Self>, client: Option<IpAddr>) -> Option<StreamPermit> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.all >= self.total {
            return None;
        }
        if let Some(ip) = client {
            let count = open.by_client.entry(ip).or_default();
            if *count >= self.per_client {
                return None;
            }
            *count += 1;
        }
        open.all += 1;
        Some(StreamPermit {
            limits: self.clone(),
            client,
        })
    }
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut open = self.limits.open.lock().unwrap_or_else(|e| e.into_inner());
        open.all -= 1;
        if let Some(ip) = self.client
            && let Some(count) = open.by_client.get_mut(&ip)
        {
            *count -= 1;
            if *count == 0 {
                open.by_client.remove(&ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_client_and_in_all_and_frees_places_on_drop() {
        let limits = StreamLimits::new(2, 3);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let first = limits.acquire(Some(a)).unwrap();
        let _second = limits.acquire(Some(a)).unwrap();
        assert!(limits.acquire(Some(a)).is_none(), "per client");
        let _third = limits.acquire(Some(b)).unwrap();
        assert!(limits.acquire(Some(b)).is_none(), "in all");
        drop(first);
        assert!(limits.acquire(Some(a)).is_some());
        assert!(limits.open.lock().unwrap().by_client.len() <= 2);
    }
}
