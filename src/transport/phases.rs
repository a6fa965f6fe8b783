//! One request timeout, carved into ureq's per-phase budgets.
//!
//! ureq 3 can bound a request as a whole (`timeout_global`) or phase by phase
//! (resolve, connect, send the request head, send the body, receive the response
//! head, receive the body). ureq starts each phase's budget when the phase before it
//! ends, so budgets that add up to the timeout bound the whole request by the
//! timeout, the same guarantee as `timeout_global`: a server trickling its headers
//! or its body one byte at a time, or stalling, is cut off by the budget of the
//! phase it stalls in.
//!
//! Per-phase budgets are the cheaper of the two: a whole-request timeout bounds the
//! name lookup too, which makes ureq look the name up on a new thread *on every
//! request*, even when the host is an IP address or the connection is reused from
//! the pool (on loopback some 12 k instructions more per request, and 3–4× the
//! wall time: BENCHMARKS.md). Here the lookup gets a budget only when there is a
//! name to look up.
//!
//! Each I/O call also sets the socket's timeout to what is left of its phase, one
//! `setsockopt` per read or write, as that changes all the time. A per-read and a
//! per-write limit a little below the phase budgets (99 % of the response-head
//! budget, 99 % of the send budgets) make that value the same for every request on
//! a kept-alive connection, so the socket keeps it: the phase budgets still end
//! the phase, and a single read or write may wait for nearly its whole phase.
//!
//! The price: each phase can fail on its own share, before the whole timeout is
//! spent (a server that takes 60 % of the timeout to send its response head fails
//! although the body would have come at once). The shares give the waits that are
//! long in practice the most room: the server's work before its response head.

use std::time::Duration;

/// The budgets of one request, in ureq's phases. They add up to at most the timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Phases {
    /// The name lookup: `None` when the host is an IP address (nothing to look up).
    pub(super) resolve: Option<Duration>,
    /// TCP connect and the TLS handshake (through a proxy: all of it).
    pub(super) connect: Duration,
    /// Sending the request line and headers.
    pub(super) send_request: Duration,
    /// Sending the form body.
    pub(super) send_body: Duration,
    /// Waiting for and receiving the response head: the server's own work.
    pub(super) recv_response: Duration,
    /// Receiving the response body.
    pub(super) recv_body: Duration,
    /// The longest single read: just under `recv_response` (see the module docs).
    pub(super) per_read: Duration,
    /// The longest single write: just under the send budgets.
    pub(super) per_write: Duration,
}

/// The timeouts a ureq config has, as far as the phases are concerned.
#[derive(Clone, Copy)]
pub(super) struct Current {
    pub(super) timeouts: ureq::config::Timeouts,
    pub(super) per_read: Option<Duration>,
    pub(super) per_write: Option<Duration>,
}

impl Current {
    /// An agent's (or ureq's defaults, for a new agent).
    pub(super) fn of(config: &ureq::config::Config) -> Self {
        Current {
            timeouts: config.timeouts(),
            per_read: config.timeout_per_read(),
            per_write: config.timeout_per_write(),
        }
    }
}

impl Phases {
    /// The budgets for `timeout`: resolve 1/10, connect (TCP and TLS) 1/5, send the
    /// request head 1/20 and the body 1/20, receive the response head 1/2 and the
    /// body 1/10. `lookup`: whether the host is a name to look up.
    pub(super) fn of(timeout: Duration, lookup: bool) -> Self {
        let send = timeout / 20;
        let recv_response = timeout / 2;
        Phases {
            resolve: lookup.then(|| timeout / 10),
            connect: timeout / 5,
            send_request: send,
            send_body: send,
            recv_response,
            recv_body: timeout / 10,
            per_read: recv_response - recv_response / 100,
            per_write: send - send / 100,
        }
    }

    /// Whether `current` (an agent's timeouts) are these budgets, with no global or
    /// per-call timeout (which would make ureq's name lookup run on a thread), and
    /// per-read and per-write limits no longer than these: then a request needs no
    /// configuration of its own.
    pub(super) fn are(&self, current: &Current) -> bool {
        let t = &current.timeouts;
        t.global.is_none()
            && t.per_call.is_none()
            && t.resolve == self.resolve
            && t.connect == Some(self.connect)
            && t.send_request == Some(self.send_request)
            && t.send_body == Some(self.send_body)
            && t.recv_response == Some(self.recv_response)
            && t.recv_body == Some(self.recv_body)
            && current.per_read.is_some_and(|d| d <= self.per_read)
            && current.per_write.is_some_and(|d| d <= self.per_write)
    }
}

/// `$builder` (a ureq `ConfigBuilder`, of an agent or of a request) with the budgets
/// of `$phases` and no global or per-call timeout, calling only the setters whose
/// value differs from `$from` (a [`Current`]: what the builder starts from; each
/// setter of a request's config looks the config up again). A shorter per-read or
/// per-write limit of the agent's is kept. A macro: the builder's scope trait is
/// private to ureq, so a function cannot be generic over both scopes.
macro_rules! with_phases {
    ($builder:expr, $phases:expr, $from:expr) => {{
        let phases: &$crate::transport::phases::Phases = $phases;
        let from: &$crate::transport::phases::Current = $from;
        let t = &from.timeouts;
        let mut builder = $builder;
        if t.global.is_some() {
            builder = builder.timeout_global(None);
        }
        if t.per_call.is_some() {
            builder = builder.timeout_per_call(None);
        }
        if t.resolve != phases.resolve {
            builder = builder.timeout_resolve(phases.resolve);
        }
        if t.connect != Some(phases.connect) {
            builder = builder.timeout_connect(Some(phases.connect));
        }
        if t.send_request != Some(phases.send_request) {
            builder = builder.timeout_send_request(Some(phases.send_request));
        }
        if t.send_body != Some(phases.send_body) {
            builder = builder.timeout_send_body(Some(phases.send_body));
        }
        if t.recv_response != Some(phases.recv_response) {
            builder = builder.timeout_recv_response(Some(phases.recv_response));
        }
        if t.recv_body != Some(phases.recv_body) {
            builder = builder.timeout_recv_body(Some(phases.recv_body));
        }
        if !from.per_read.is_some_and(|d| d <= phases.per_read) {
            builder = builder.timeout_per_read(Some(phases.per_read));
        }
        if !from.per_write.is_some_and(|d| d <= phases.per_write) {
            builder = builder.timeout_per_write(Some(phases.per_write));
        }
        builder
    }};
}
pub(super) use with_phases;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SendOptions;

    fn total(p: &Phases) -> Duration {
        p.resolve.unwrap_or_default()
            + p.connect
            + p.send_request
            + p.send_body
            + p.recv_response
            + p.recv_body
    }

    #[test]
    fn the_budgets_add_up_to_at_most_the_timeout() {
        for ms in [1, 7, 999, 1000, 30_000, 86_400_000] {
            let timeout = Duration::from_millis(ms);
            let phases = Phases::of(timeout, true);
            assert!(total(&phases) <= timeout, "{timeout:?}: {phases:?}");
        }
        let phases = Phases::of(Duration::from_secs(30), true);
        assert_eq!(total(&phases), Duration::from_secs(30));
        assert_eq!(phases.resolve, Some(Duration::from_secs(3)));
        assert_eq!(phases.connect, Duration::from_secs(6));
        assert_eq!(phases.recv_response, Duration::from_secs(15));
        assert_eq!(Phases::of(Duration::from_secs(30), false).resolve, None);
    }

    #[test]
    fn the_crate_agent_has_the_default_budgets_and_nothing_global() {
        let agent = crate::agent();
        let timeouts = Current::of(agent.config());
        assert!(Phases::of(SendOptions::DEFAULT_TIMEOUT, true).are(&timeouts));
        let t = &timeouts.timeouts;
        assert!(t.global.is_none() && t.per_call.is_none());
        assert_eq!(
            agent.config().timeout_per_read(),
            Some(Duration::from_millis(14_850))
        );
        assert_eq!(
            agent.config().timeout_per_write(),
            Some(Duration::from_millis(1_485))
        );
        // An IP address needs no lookup budget: the agent's 3 s would put the
        // lookup on a thread, so such a request sets its own.
        assert!(!Phases::of(SendOptions::DEFAULT_TIMEOUT, false).are(&timeouts));
        assert!(!Phases::of(Duration::from_secs(10), true).are(&timeouts));
        let plain: ureq::Agent = ureq::Agent::config_builder().build().into();
        assert!(!Phases::of(SendOptions::DEFAULT_TIMEOUT, true).are(&Current::of(plain.config())));
    }

    #[test]
    fn only_an_ip_address_host_skips_the_lookup() {
        for (url, ip) in [
            ("http://127.0.0.1:8080/token", true),
            ("http://[::1]:8080/token", true),
            ("https://192.0.2.7/token", true),
            ("http://localhost:8080/token", false),
            ("https://login.salesforce.com/services/oauth2/token", false),
            ("https://1.2.3.4.example/token", false),
            ("not a url", false),
        ] {
            assert_eq!(crate::url::host_is_ip(url), ip, "{url}");
        }
    }
}
