//! Client authentication at the token endpoint (RFC 6749 §2.3, RFC 7523 §2.2 and
//! §3, OIDC Core §9, RFC 8705 §2): the rules are the `server` module's
//! ([`server::authenticate`](crate::server::authenticate)); the testkit adds
//! federated client assertions (a trusted platform's JWT standing for a client),
//! the TLS chain check of its own listener, and certificate-bound tokens.

use std::time::SystemTime;

use base64ct::{Base64UrlUnpadded, Encoding};

use super::config::Client;
use super::profile::{AssertionProblem, Refusal};
use super::state::State;
use super::token::Ctx;
use crate::jwt::UnverifiedJwt;
use crate::server::{self, Credentials, PeerCertificate, Reason};

/// Who is calling, as far as client authentication can tell.
#[derive(Debug)]
pub(crate) struct Caller<'c> {
    /// The client named by the request, if any.
    pub(crate) client: Option<&'c Client>,
    /// Whether that client proved its identity (any method but none).
    pub(crate) authenticated: bool,
    /// The `x5t#S256` of the TLS client certificate that tokens issued to this
    /// caller are bound to (RFC 8705 §3).
    pub(crate) bound_to: Option<String>,
}

/// The single value of form parameter `name`; a repeated one is `invalid_request`
/// (RFC 6749 §3.2). The token endpoint's form has been through
/// [`server::Request::parse`], which refuses repeats already; the introspection
/// endpoint's has not.
pub(crate) fn param<'f>(
    form: &'f [(String, String)],
    name: &str,
) -> Result<Option<&'f str>, Refusal> {
    let mut values = form
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(Refusal::InvalidRequest(format!(
            "parameter {name} is repeated; send it once (RFC 6749 §3.2)"
        )));
    }
    Ok(first)
}

/// A refusal of the `server` module in the testkit's terms (its profiles word
/// them).
pub(crate) fn refusal(refused: server::Refusal) -> Refusal {
    let why = refused.description().to_owned();
    match refused.reason() {
        Reason::UnknownClient | Reason::UnknownIssuer => Refusal::UnknownClient(why),
        Reason::BadClientCredentials | Reason::ClientAuthenticationRequired => {
            Refusal::BadClientCredentials {
                basic: refused.challenge().is_some(),
                why,
            }
        }
        Reason::InvalidAssertion => Refusal::Assertion {
            problem: AssertionProblem::Invalid,
            why,
        },
        Reason::AssertionAudience => Refusal::Assertion {
            problem: AssertionProblem::Audience,
            why,
        },
        Reason::AssertionExpired => Refusal::Assertion {
            problem: AssertionProblem::Expired,
            why,
        },
        Reason::UnsupportedGrantType => Refusal::UnsupportedGrantType(why),
        _ => Refusal::InvalidRequest(why),
    }
}

/// Authenticates the caller of a token request. Credentials that are present are
/// always checked; whether they are *required* is up to the grant.
fn identify<'c>(
    ctx: &Ctx<'c>,
    request: &server::Request,
    state: &mut State,
    now: SystemTime,
) -> Result<Caller<'c>, Refusal> {
    let presented = server::credentials(request).map_err(refusal)?;
    if let Credentials::Assertion {
        client_id,
        assertion,
    } = presented
    {
        let issuer = UnverifiedJwt::decode(assertion)
            .ok()
            .and_then(|jwt| jwt.issuer().map(str::to_owned));
        if let Some(issuer) = issuer.filter(|i| super::exchange::is_trusted_issuer(ctx, i)) {
            // A platform's JWT standing for a federated identity of the client.
            let client =
                super::exchange::federated_client(ctx, assertion, &issuer, client_id, now)?;
            return Ok(Caller {
                client: Some(client),
                authenticated: true,
                bound_to: None,
            });
        }
    }
    let peer = match presented {
        Credentials::None {
            client_id: Some(id),
        } => peer_certificate(ctx, id, now)?,
        _ => None,
    };
    let endpoint = ctx.endpoint();
    let authenticated = server::authenticate_credentials(
        presented,
        &ctx.config.registered,
        &endpoint,
        peer,
        state.jti_cache(),
        now,
    )
    .map_err(refusal)?;
    let client = authenticated
        .client()
        .and_then(|c| ctx.config.clients.get(c.id()));
    Ok(Caller {
        client,
        authenticated: authenticated.method() != server::Method::None,
        bound_to: None,
    })
}

/// The connection's TLS client certificate, for a client registered for RFC 8705
/// §2: chain-verified when it chains to a client CA of the configuration.
fn peer_certificate<'p>(
    ctx: &Ctx<'p>,
    id: &str,
    now: SystemTime,
) -> Result<Option<PeerCertificate<'p>>, Refusal> {
    let Some(client) = ctx
        .config
        .clients
        .get(id)
        .filter(|c| c.uses_tls_client_auth())
    else {
        return Ok(None);
    };
    let registered = [
        client.tls_subject_dn.is_some(),
        client.tls_san_dns.is_some(),
        client.self_signed_certificate.is_some(),
    ];
    if registered.iter().filter(|&&set| set).count() > 1 {
        // RFC 8705 §2.1.2: a tls_client_auth client registers exactly one name to
        // match; a self-signed one (§2.2) registers its certificate instead.
        return Err(Refusal::BadClientCredentials {
            basic: false,
            why: format!(
                "client {:?} is registered with more than one of tls_client_auth_subject_dn, tls_client_auth_san_dns and a self-signed certificate; RFC 8705 §2.1.2 allows exactly one: register one of them",
                client.id
            ),
        });
    }
    let Some(leaf) = ctx.peer_certificates.first() else {
        return Ok(None);
    };
    if client.self_signed_certificate.is_some() {
        return Ok(Some(PeerCertificate::unverified(leaf)));
    }
    match super::tls::chains_to(&ctx.config.client_cas, ctx.peer_certificates, now) {
        Ok(()) => Ok(Some(PeerCertificate::chain_verified(leaf))),
        Err(why) => Err(Refusal::BadClientCredentials {
            basic: false,
            why: format!(
                "the TLS client certificate does not chain to a client CA the server trusts ({why}; tls_client_auth, RFC 8705 §2.1)"
            ),
        }),
    }
}

/// Authenticates the caller ([`identify`]), and works out the certificate its
/// tokens are bound to: a client registered for certificate-bound tokens must
/// send its request over mutual TLS (RFC 8705 §3).
pub(crate) fn authenticate<'c>(
    ctx: &Ctx<'c>,
    request: &server::Request,
    state: &mut State,
    now: SystemTime,
) -> Result<Caller<'c>, Refusal> {
    let mut caller = identify(ctx, request, state, now)?;
    if let Some(client) = caller.client.filter(|c| c.bound_tokens) {
        let leaf = ctx.peer_certificates.first().ok_or_else(|| {
            Refusal::InvalidRequest(format!(
                "client {:?} gets certificate-bound access tokens (RFC 8705 §3): send the request over mutual TLS, presenting the client certificate",
                client.id
            ))
        })?;
        let digest = ring::digest::digest(&ring::digest::SHA256, leaf);
        caller.bound_to = Some(Base64UrlUnpadded::encode_string(digest.as_ref()));
    }
    Ok(caller)
}

/// The registered client `id`; an unknown one is refused as the server refuses it.
pub(crate) fn lookup<'c>(ctx: &Ctx<'c>, id: &str) -> Result<&'c Client, Refusal> {
    server::lookup(&ctx.config.registered, id).map_err(refusal)?;
    ctx.config.clients.get(id).ok_or_else(|| {
        Refusal::UnknownClient(format!("client_id {id:?} is not a registered client"))
    })
}
