//! Injected faults, for testing a client's retry and error handling.

use std::collections::VecDeque;
use std::time::Duration;

/// A fault the server applies to the next requests instead of (or before) its normal
/// answer. Injected with [`Server::inject`](super::Server::inject).
///
/// For testing what a client does with what RFC 6749 §5.2 does not cover: an error
/// status without an OAuth body, `Retry-After` (RFC 9110 §10.2.3), a slow server, a
/// connection closed mid-exchange.
///
/// ```
/// use s2s_oauth::testkit::Fault;
/// let outage = Fault::status(503, "text/html", "<h1>Down for maintenance</h1>")
///     .with_header("Retry-After", "7");
/// assert!(matches!(outage, Fault::Status { status: 503, .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer this status, `Content-Type`, body and extra headers (a proxy's HTML
    /// error page, a 429 with `Retry-After`, a 503...).
    Status {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` header.
        content_type: String,
        /// The body, sent as it is.
        body: String,
        /// More headers, sent as they are (values with line breaks are skipped).
        headers: Vec<(String, String)>,
    },
    /// Sleep this long, then answer normally (for client timeouts).
    Delay(Duration),
    /// Close the connection without any response (a transport error for the client).
    DropConnection,
}

impl Fault {
    /// A [`Fault::Status`] with no extra headers.
    pub fn status(status: u16, content_type: impl Into<String>, body: impl Into<String>) -> Self {
        Fault::Status {
            status,
            content_type: content_type.into(),
            body: body.into(),
            headers: Vec::new(),
        }
    }

    /// Adds a header to a [`Fault::Status`]; other faults are returned unchanged.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let Fault::Status { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

/// Faults waiting to be applied, in injection order, each with its remaining count.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    queue: VecDeque<(Fault, usize)>,
}

impl FaultQueue {
    pub(crate) fn push(&mut self, fault: Fault, times: usize) {
        if times > 0 {
            self.queue.push_back((fault, times));
        }
    }

    /// The fault for the next request, if any, counting it down.
    pub(crate) fn next(&mut self) -> Option<Fault> {
        let (fault, left) = self.queue.front_mut()?;
        let fault = fault.clone();
        *left -= 1;
        if *left == 0 {
            self.queue.pop_front();
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_apply_in_order_for_their_count() {
        let mut q = FaultQueue::default();
        q.push(Fault::DropConnection, 2);
        q.push(Fault::Delay(Duration::from_millis(1)), 0);
        q.push(Fault::status(500, "text/plain", "x"), 1);
        assert_eq!(q.next(), Some(Fault::DropConnection));
        assert_eq!(q.next(), Some(Fault::DropConnection));
        assert_eq!(q.next(), Some(Fault::status(500, "text/plain", "x")));
        assert_eq!(q.next(), None);
    }
}
