//! The subcommands, and which flags each one takes.

/// The subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    /// RFC 7523 §2.1: sign a JWT and exchange it for a token.
    JwtBearer,
    /// RFC 7522 §2.1: sign a SAML assertion and exchange it for a token.
    SamlBearer,
    /// RFC 6749 §4.4.
    ClientCredentials,
    /// RFC 6749 §6.
    Refresh,
    /// RFC 8693 §2.1: exchange a subject token (a platform's JWT) for a token.
    TokenExchange,
    /// Print a signed JWT assertion.
    SignJwt,
    /// Print a signed SAML assertion.
    SignSaml,
    /// Check a setup: keys, certificate, endpoint, clock; no token requested.
    Doctor,
    /// Print a DPoP proof (RFC 9449 §4.2) for one request.
    DpopProof,
    /// A token from a Google credential file of either kind (a service account
    /// key, or an `external_account` file of workload identity federation).
    Google,
    /// Ask the server whether a token is active (RFC 7662).
    Introspect,
    /// Revoke a token (RFC 7009).
    Revoke,
    /// Verify a JWT (or an RFC 9068 access token) against a JWK Set or a key.
    VerifyJwt,
}

impl Command {
    /// Every subcommand, in help order.
    pub(crate) const ALL: [Command; 13] = [
        Command::JwtBearer,
        Command::SamlBearer,
        Command::ClientCredentials,
        Command::Refresh,
        Command::TokenExchange,
        Command::Google,
        Command::SignJwt,
        Command::SignSaml,
        Command::Doctor,
        Command::DpopProof,
        Command::Introspect,
        Command::Revoke,
        Command::VerifyJwt,
    ];

    /// The name on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Command::JwtBearer => "jwt-bearer",
            Command::SamlBearer => "saml-bearer",
            Command::ClientCredentials => "client-credentials",
            Command::Refresh => "refresh",
            Command::TokenExchange => "token-exchange",
            Command::SignJwt => "sign-jwt",
            Command::SignSaml => "sign-saml",
            Command::Doctor => "doctor",
            Command::DpopProof => "dpop-proof",
            Command::Google => "google",
            Command::Introspect => "introspect",
            Command::Revoke => "revoke",
            Command::VerifyJwt => "verify-jwt",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether this subcommand asks a token endpoint for a token (the others only
    /// print an assertion).
    pub(crate) fn sends(self) -> bool {
        !matches!(
            self,
            Command::SignJwt
                | Command::SignSaml
                | Command::Doctor
                | Command::DpopProof
                | Command::VerifyJwt
        )
    }

    fn is_saml(self) -> bool {
        matches!(self, Command::SamlBearer | Command::SignSaml)
    }

    fn signs_assertion(self) -> bool {
        matches!(
            self,
            Command::JwtBearer | Command::SamlBearer | Command::SignJwt | Command::SignSaml
        )
    }

    /// Whether the subcommand takes `--flag` (without the dashes).
    pub(crate) fn accepts(self, flag: &str) -> bool {
        if self == Command::Doctor {
            return matches!(
                flag,
                "token-url"
                    | "salesforce"
                    | "timeout"
                    | "key"
                    | "cert"
                    | "issuer"
                    | "subject"
                    | "audience"
                    | "client-key"
                    | "ca-file"
            );
        }
        if self == Command::Google {
            // The credential file says where to send and how to authenticate:
            // no endpoint, assertion or client authentication flags.
            return matches!(
                flag,
                "credentials"
                    | "allow-loopback-endpoints"
                    | "client-assertion-file"
                    | "subject"
                    | "scope"
                    | "timeout"
                    | "output"
                    | "retries"
                    | "cache"
                    | "min-ttl"
                    | "max-age"
                    | "refresh"
                    | "dpop-key"
                    | "ca-file"
                    | "client-cert"
                    | "client-cert-key"
            );
        }
        if matches!(self, Command::Introspect | Command::Revoke) {
            // The token goes back to its server: the endpoint, the token, its
            // hint, and how the client authenticates (TLS included).
            return matches!(
                flag,
                "token-url"
                    | "salesforce"
                    | "timeout"
                    | "retries"
                    | "token-file"
                    | "token-env"
                    | "token-type-hint"
                    | "client-id"
                    | "client-secret-file"
                    | "client-secret-env"
                    | "client-key"
                    | "client-alg"
                    | "client-kid"
                    | "auth"
                    | "client-assertion-file"
                    | "ca-file"
                    | "client-cert"
                    | "client-cert-key"
            );
        }
        if self == Command::VerifyJwt {
            return matches!(
                flag,
                "token-file"
                    | "token-env"
                    | "jwks-url"
                    | "jwks-file"
                    | "key"
                    | "audience"
                    | "issuer"
                    | "access-token"
                    | "timeout"
            );
        }
        if self == Command::DpopProof {
            return matches!(
                flag,
                "dpop-key" | "method" | "url" | "access-token-file" | "access-token-env" | "nonce"
            );
        }
        match flag {
            "salesforce" | "token-url" => true,
            "scope" | "timeout" | "output" | "client-id" | "client-secret-file"
            | "client-secret-env" | "client-key" | "client-alg" | "client-kid" | "auth"
            | "retries" => self.sends(),
            "issuer" | "subject" | "key" | "alg" | "lifetime" => self.signs_assertion(),
            "audience" => self.signs_assertion() || self == Command::TokenExchange,
            "subject-token-file"
            | "subject-token-env"
            | "subject-token-type"
            | "actor-token-file"
            | "actor-token-env"
            | "actor-token-type"
            | "requested-token-type"
            | "resource" => self == Command::TokenExchange,
            "client-assertion-file" => self.sends(),
            "claim" | "kid" => matches!(self, Command::JwtBearer | Command::SignJwt),
            "recipient" | "cert" => self.is_saml(),
            "refresh-token-file" | "refresh-token-env" => self == Command::Refresh,
            "cache" | "min-ttl" | "max-age" | "refresh" | "dpop-key" => self.sends(),
            "ca-file" | "client-cert" | "client-cert-key" => self.sends(),
            _ => false,
        }
    }
}

/// Every flag (without the dashes) some subcommand takes, for the tests that check
/// each one against [`Command::accepts`] and the help texts.
#[cfg(test)]
pub(crate) const FLAGS: [&str; 55] = [
    "token-url",
    "salesforce",
    "scope",
    "timeout",
    "retries",
    "output",
    "issuer",
    "subject",
    "audience",
    "key",
    "alg",
    "kid",
    "lifetime",
    "claim",
    "recipient",
    "cert",
    "client-id",
    "client-secret-file",
    "client-secret-env",
    "client-key",
    "client-alg",
    "client-kid",
    "auth",
    "refresh-token-file",
    "refresh-token-env",
    "cache",
    "min-ttl",
    "max-age",
    "ca-file",
    "client-cert",
    "client-cert-key",
    "refresh",
    "dpop-key",
    "method",
    "url",
    "access-token-file",
    "access-token-env",
    "nonce",
    "subject-token-file",
    "subject-token-env",
    "subject-token-type",
    "actor-token-file",
    "actor-token-env",
    "actor-token-type",
    "requested-token-type",
    "resource",
    "client-assertion-file",
    "credentials",
    "allow-loopback-endpoints",
    "token-file",
    "token-env",
    "token-type-hint",
    "jwks-url",
    "jwks-file",
    "access-token",
];
