//! `--help` texts: the tool's and each subcommand's, put together from shared
//! blocks so a flag reads the same everywhere.

use crate::command::Command;

macro_rules! secrets_note {
    () => {
        "Secrets (client secrets, refresh tokens, private keys) are read only from files or
environment variables, never from flag values (they would show in ps), and are never
echoed in messages. A secret or token file's single trailing newline (\\n or \\r\\n) is
ignored; nothing else is trimmed. A missing or empty variable or file is exit 2.
"
    };
}

macro_rules! exit_codes {
    () => {
        "Exit codes:
  0  token obtained (or assertion printed; doctor: no check failed; introspect:
     the token is active; revoke: the server took the revocation; verify-jwt:
     the token is valid)
  1  a negative answer that is no failure: doctor found a fail (its fail: lines
     are on stdout), introspect says the token is not active (the answer is on
     stdout)
  2  usage error or bad local input (key, certificate, flags; google: a credential
     file refused, --subject with an external_account file, a token source that
     cannot be read; verify-jwt: an unreadable token, key or JWK Set file);
     nothing was sent
  3  the authorization server refused (OAuth error response); retrying won't help;
     stderr carries `error: <code>: <description> (HTTP <status>)`; verify-jwt:
     the token is not valid (`error: <reason>`)
  4  a retry may help: connection refused or reset, timeout, a temporary DNS
     failure, 5xx, 429, 408, server_error, temporarily_unavailable (the line
     ends with `(retry after N s)` when the server sent Retry-After)
  5  the endpoint answered, but not as a token endpoint, or cannot be trusted;
     retrying won't help until the configuration is fixed: a redirect (never
     followed), a 4xx that is no OAuth error (404: a wrong path), a success
     answer that is no token response (an HTML login or maintenance page), a
     body over 1 MiB, a TLS certificate this machine does not trust (a private
     CA: --ca-file), an answer that is not HTTP (another service on that port),
     a host name that does not exist, a Salesforce response signature that does
     not match the consumer secret, a Google generateAccessToken refusal (403),
     a --jwks-url that answers with no JWK Set
Every failure prints one line `error: ...` on stderr, sometimes followed by one
`hint: ...` line saying what to fix (Salesforce's known refusals among them).
"
    };
}

macro_rules! endpoint {
    () => {
        "Endpoint (one of):
  --token-url URL          token endpoint (https; http only on a loopback host)
  --salesforce login|test|URL
                           Salesforce presets: token URL = <base>/services/oauth2/token;
                           default audience = https://login.salesforce.com for login
                           and a My Domain URL (https://acme.my.salesforce.com), or
                           https://test.salesforce.com for test and a sandbox My Domain
                           (...sandbox.my.salesforce.com), as Salesforce requires.
                           What Salesforce refuses is refused before anything is
                           sent (JWT bearer: RS256 only, an assertion lifetime of at
                           most 180 s; SAML: an RSA key, at most 300 s; client
                           credentials: My Domain only); the response signature is
                           checked when the consumer secret is given

"
    };
}

macro_rules! sign_endpoint {
    () => {
        "Endpoint (optional, for the defaults of --audience and the recipient):
  --token-url URL          the token endpoint the assertion is meant for
  --salesforce login|test|URL
                           Salesforce presets: token URL = <base>/services/oauth2/token;
                           default audience = https://login.salesforce.com for login
                           and a My Domain URL, or https://test.salesforce.com for test
                           and a sandbox My Domain (...sandbox.my.salesforce.com);
                           what Salesforce would refuse is refused (JWT: RS256
                           only, a lifetime of at most 180 s; SAML: an RSA key, at
                           most 300 s)

"
    };
}

macro_rules! request {
    () => {
        "Request:
  --scope SCOPE            scope to ask for (space-separated tokens)
  --timeout SECS           whole-request timeout, per attempt (default 30, at most
                           86400)
  --retries N              retry what a retry may help (exit 4 failures: connection,
                           timeout, 5xx, 429, 408) up to N times, waiting about 1 s,
                           then 2, 4... (with jitter, at most 60 s), or the server's
                           Retry-After (1 to 300 s); never exit 2, 3 or 5
                           failures (default 0, at most 100)
  --output json|token|header|env
                           json (default): the token response as one JSON object on
                           stdout, every field the server sent (tokens included),
                           plus expires_at (Unix seconds) when the lifetime is known;
                           token: the access token alone, with a trailing newline;
                           header: `Authorization: <token_type> <access_token>`, for
                           curl -H @file or -H \"$(...)\";
                           env: single-quoted shell assignments ACCESS_TOKEN=,
                           TOKEN_TYPE=, EXPIRES_AT= (when known) and INSTANCE_URL=
                           (when sent), for eval \"$(s2s-oauth ... --output env)\"

"
    };
}

macro_rules! cache {
    () => {
        "Cache:
  --cache FILE             reuse the token cached in FILE while it is valid for
                           --min-ttl, else get one and cache it; keyed by the request
                           (another request's token is replaced, never served); one
                           request across concurrent runs (a lock on FILE.lock); the
                           file is 0600, must be owned by the user, never a symlink
  --min-ttl SECS           serve a cached token only if valid this long (default 60)
  --max-age SECS           how long a token with no expires_in (Salesforce) is kept
                           (default 900)
  --refresh                ignore the token cached before this run and replace it
                           (after a 401); runs refreshing together send one request

"
    };
}

macro_rules! dpop {
    () => {
        "DPoP (RFC 9449):
  --dpop-key FILE          PEM private key (EC P-256 is the usual choice; any RSA,
                           EC or Ed25519 key) the token is bound to: the request
                           carries a DPoP proof signed with it, and token_type in the
                           output says DPoP. A server's use_dpop_nonce answer is
                           sent once more with its nonce. Use the token with a
                           proof from s2s-oauth dpop-proof and the same key

"
    };
}

macro_rules! assertion {
    ($what:literal, $subject:expr, $more:expr) => {
        concat!(
            "Assertion:
  --issuer ISS             ",
            $what,
            "; required (Salesforce: the connected app's
                           consumer key)
",
            $subject,
            "  --audience AUD           audience (default: the --salesforce preset's audience, else
                           the token URL)
  --key FILE               PEM private key (PKCS#8, or PKCS#1 for RSA, SEC1 for EC);
                           RSA keys need 2048 bits or more; encrypted keys are refused
                           (decrypt with openssl pkey); required
  --lifetime SECS          assertion lifetime (default 180)
",
            $more,
            "\n"
        )
    };
}

macro_rules! jwt_assertion {
    () => {
        assertion!(
            "iss",
            "  --subject SUB            sub (Salesforce: the username); leave it out only for a
                           server that wants none (a Google service account without
                           domain-wide delegation)
",
            "  --alg ALG                JWT algorithm (default: RS256 for RSA, ES256 for P-256,
                           ES384 for P-384, EdDSA for Ed25519; RSA keys also take
                           RS384, RS512, PS256, PS384, PS512)
  --kid KID                the JWT header's kid (Okta, Google: the key's id)
  --claim NAME=VALUE       extra JWT claim, repeatable; VALUE is taken as JSON when it
                           parses as JSON (42, true, null, {\"a\":1}, [1,2], \"quoted\"),
                           else as a string; not iss, sub, aud, exp, nbf, iat or jti
"
        )
    };
}

macro_rules! saml_assertion {
    () => {
        assertion!(
            "Issuer",
            "  --subject SUB            the NameID (Salesforce: the username); required
",
            "  --alg ALG                signature algorithm: RS256 (default for RSA), RS384, RS512,
                           or ES256 (P-256 keys)
  --recipient URL          SubjectConfirmationData Recipient (default: the token URL)
  --cert FILE              PEM X.509 certificate of --key, put in the KeyInfo (the one
                           uploaded to the server); required
"
        )
    };
}

macro_rules! client_auth {
    () => {
        "Client authentication:
  --client-id ID           the client id (Salesforce: the consumer key)
  --client-secret-file FILE
                           client secret from a file
  --client-secret-env VAR  client secret from an environment variable
  --client-key FILE        PEM private key for private-key-jwt
  --client-alg ALG         client assertion algorithm (default: the client key's
                           default; HS256 for client-secret-jwt, or HS384, HS512)
  --client-kid KID         the client assertion header's kid
  --auth none|basic|post|private-key-jwt|client-secret-jwt|tls|self-signed-tls
                           default: basic with a secret, private-key-jwt with a client
                           key, else none (with none, a given --client-id goes in the
                           form body); tls (tls_client_auth) and self-signed-tls
                           (self_signed_tls_client_auth, RFC 8705): the TLS client
                           certificate authenticates, --client-id in the form body
  --client-assertion-file FILE
                           a platform-issued JWT (a Kubernetes service-account token,
                           a GitHub Actions or SPIFFE JWT) sent as the client
                           assertion (RFC 7523 \u{a7}2.2) with --client-id if given;
                           read again on every run (the platform rotates it); no
                           secret, --client-key or --auth with it
  --client-cert FILE       PEM client certificate chain (leaf first) presented in
                           the TLS handshake (RFC 8705): for --auth tls or
                           self-signed-tls, or for certificate-bound tokens with any
                           method; needs --client-cert-key
  --client-cert-key FILE   its PEM private key (checked to match the certificate)

TLS:
  --ca-file FILE           also trust the CA certificates in FILE (PEM) for the
                           server's certificate, the built-in roots kept (an
                           identity provider on a private CA); a server whose
                           certificate chains to neither is refused (exit 5)

"
    };
}

macro_rules! footer {
    () => {
        concat!(
            "\n",
            secrets_note!(),
            "\nExit codes: 0 ok, 2 bad input (nothing sent), 3 refused by the server,\n4 a retry may help, 5 not a token endpoint or not trusted (fix the\nconfiguration); see s2s-oauth --help.\n"
        )
    };
}

macro_rules! sign_footer {
    () => {
        "
The private key is read from its file only, never from flag values, and is never
echoed in messages. Nothing is sent: the assertion goes to stdout.

Exit codes: 0 assertion printed, 2 bad input (key, certificate, flags).
"
    };
}

/// `s2s-oauth --help`.
pub(crate) const TOP: &str = concat!(
    "s2s-oauth ",
    env!("CARGO_PKG_VERSION"),
    ": OAuth 2.0 server-to-server tokens for scripts and cron jobs

Usage: s2s-oauth <SUBCOMMAND> [OPTIONS]
       s2s-oauth <SUBCOMMAND> --help     the subcommand's options and an example
       s2s-oauth --version

Subcommands:
  jwt-bearer          get a token with a signed JWT assertion (RFC 7523 \u{a7}2.1)
  saml-bearer         get a token with a signed SAML 2.0 assertion (RFC 7522 \u{a7}2.1)
  client-credentials  get a token as the client itself (RFC 6749 \u{a7}4.4)
  refresh             exchange a refresh token for an access token (RFC 6749 \u{a7}6)
  token-exchange      exchange a platform's token for a token (RFC 8693 \u{a7}2.1)
  google              a token from a Google credential file (service account or
                      workload identity federation)
  sign-jwt            print a signed JWT assertion (compact, on one line)
  sign-saml           print a signed SAML 2.0 assertion (XML)
  doctor              check keys, certificate, endpoint, clock; ok:/warn:/fail: lines
  dpop-proof          print a DPoP proof for one request to an API (RFC 9449 \u{a7}4.2)
  introspect          ask the server whether a token is active (RFC 7662)
  revoke              revoke an access or refresh token (RFC 7009)
  verify-jwt          verify a JWT or access token (RFC 9068) with a JWK Set or a key

Output: the token response as one JSON object on stdout (--output json, the
default, with expires_at added when the lifetime is known), the access token
alone (--output token), an Authorization header line (--output header), or
shell assignments for eval (--output env). --retries N retries what a retry may
help (exit 4), honouring Retry-After.

",
    secrets_note!(),
    "
",
    exit_codes!(),
    "
Example (Salesforce JWT Bearer, a cron job):
  s2s-oauth jwt-bearer --salesforce login --issuer \"$CONSUMER_KEY\" \\
      --subject integration@example.com --key /etc/salesforce/server.key --output token
"
);

const JWT_BEARER: &str = concat!(
    "s2s-oauth jwt-bearer: get a token with a signed JWT assertion (RFC 7523 \u{a7}2.1)

The assertion (iss, sub, aud, exp = now + lifetime, iat, a random jti) is signed with
--key and posted as grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer.

Usage: s2s-oauth jwt-bearer (--token-url URL | --salesforce login|test|URL)
           --issuer ISS [--subject SUB] --key FILE [OPTIONS]

",
    endpoint!(),
    request!(),
    cache!(),
    dpop!(),
    jwt_assertion!(),
    client_auth!(),
    "Example (Salesforce, My Domain host; the audience stays https://login.salesforce.com):
  s2s-oauth jwt-bearer --salesforce https://acme.my.salesforce.com \\
      --issuer \"$CONSUMER_KEY\" --subject integration@acme.com \\
      --key /etc/salesforce/server.key --output token
",
    footer!()
);

const SAML_BEARER: &str = concat!(
    "s2s-oauth saml-bearer: get a token with a signed SAML 2.0 assertion (RFC 7522 \u{a7}2.1)

The assertion (Issuer, NameID, bearer SubjectConfirmation with Recipient and
NotOnOrAfter, Conditions with the Audience) is signed with --key (enveloped XML-DSig,
exclusive c14n, the --cert certificate in KeyInfo) and posted base64url-encoded as
grant_type=urn:ietf:params:oauth:grant-type:saml2-bearer.

Usage: s2s-oauth saml-bearer (--token-url URL | --salesforce login|test|URL)
           --issuer ISS --subject SUB --key FILE --cert FILE [OPTIONS]

",
    endpoint!(),
    request!(),
    cache!(),
    dpop!(),
    saml_assertion!(),
    client_auth!(),
    "Example (Salesforce production):
  s2s-oauth saml-bearer --salesforce login --issuer \"$CONSUMER_KEY\" \\
      --subject integration@example.com --key /etc/salesforce/server.key \\
      --cert /etc/salesforce/server.crt --output token
",
    footer!()
);

const CLIENT_CREDENTIALS: &str = concat!(
    "s2s-oauth client-credentials: get a token as the client itself (RFC 6749 \u{a7}4.4)

Posts grant_type=client_credentials with the client authentication. Salesforce takes
this flow only on the My Domain host (--salesforce login or test is refused before
anything is sent) and needs a run-as user on the connected app.

Usage: s2s-oauth client-credentials (--token-url URL | --salesforce URL)
           --client-id ID (--client-secret-file FILE | --client-secret-env VAR |
           --client-key FILE) [OPTIONS]

",
    endpoint!(),
    request!(),
    cache!(),
    dpop!(),
    client_auth!(),
    "Example (Salesforce My Domain, the consumer secret in a file readable by the job only):
  s2s-oauth client-credentials --salesforce https://acme.my.salesforce.com \\
      --client-id \"$CONSUMER_KEY\" --client-secret-file /etc/salesforce/consumer-secret \\
      --output token
",
    footer!()
);

const REFRESH: &str = concat!(
    "s2s-oauth refresh: exchange a refresh token for an access token (RFC 6749 \u{a7}6)

Posts grant_type=refresh_token. When the server rotates refresh tokens, the new one
is in the JSON output (refresh_token): store it, the old one is dead.

Usage: s2s-oauth refresh (--token-url URL | --salesforce login|test|URL)
           (--refresh-token-file FILE | --refresh-token-env VAR) [OPTIONS]

",
    endpoint!(),
    request!(),
    cache!(),
    dpop!(),
    "Refresh token:
  --refresh-token-file FILE
                           the refresh token from a file
  --refresh-token-env VAR  the refresh token from an environment variable

",
    client_auth!(),
    "Example (Salesforce; client_id in the body, no secret):
  s2s-oauth refresh --salesforce login --client-id \"$CONSUMER_KEY\" \\
      --refresh-token-file /var/lib/sync-job/refresh-token
",
    footer!()
);

const TOKEN_EXCHANGE: &str = concat!(
    "s2s-oauth token-exchange: exchange a platform's token for a token (RFC 8693 \u{a7}2.1)

Posts grant_type=urn:ietf:params:oauth:grant-type:token-exchange with the subject
token (a Kubernetes projected service-account token, a GitHub Actions OIDC token, a
SPIFFE JWT-SVID...) read from its file or variable on every run, so a rotated token
file is picked up; no key or secret needs to live on the machine. The JSON output
has issued_token_type; a token that is not an access token comes with token_type
N_A (--output header refuses it).

Usage: s2s-oauth token-exchange (--token-url URL | --salesforce login|test|URL)
           (--subject-token-file FILE | --subject-token-env VAR)
           --subject-token-type TYPE
           [--actor-token-file FILE | --actor-token-env VAR --actor-token-type TYPE]
           [--requested-token-type TYPE] [--audience AUD]... [--resource URI]...
           [OPTIONS]

TYPE: access_token, refresh_token, id_token, jwt, saml1, saml2, or a full URI
(urn:ietf:params:oauth:token-type:jwt...).

Endpoint:
  --token-url URL          token endpoint (https; http only on a loopback host)
  --salesforce login|test|URL
                           Salesforce's token exchange flow: token URL =
                           <base>/services/oauth2/token (the My Domain or Experience
                           Cloud site whose Apex handler validates the token); the
                           subject type must be access_token, refresh_token,
                           id_token, jwt or saml2 (others: exit 2, nothing sent);
                           jwt is sent as Salesforce spells it (...:token-type:JWT);
                           --client-id is required (use --auth post with a secret:
                           Salesforce documents client_secret in the body). With an
                           actor token (a device's signed JWT, --actor-token-type
                           jwt) and an access token as subject: the asset token flow,
                           no --client-id (other subject or actor types: exit 2).
                           No default --audience.

",
    request!(),
    cache!(),
    dpop!(),
    "Token exchange:
  --subject-token-file FILE
                           the subject token from a file (read on every run)
  --subject-token-env VAR  the subject token from an environment variable
  --subject-token-type TYPE
                           the subject token's type; required
  --actor-token-file FILE  the actor token (who acts for the subject) from a file
  --actor-token-env VAR    the actor token from an environment variable
  --actor-token-type TYPE  the actor token's type; required with an actor token
  --requested-token-type TYPE
                           the type of token wanted (default: the server's choice)
  --audience AUD           a logical name of the target service; repeatable
  --resource URI           an absolute URI where the token will be used; repeatable

",
    client_auth!(),
    "Example (Salesforce token exchange on a My Domain, a Kubernetes token):
  s2s-oauth token-exchange --salesforce https://acme.my.salesforce.com \\
      --subject-token-file /var/run/secrets/tokens/salesforce \\
      --subject-token-type jwt --client-id \"$CONSUMER_KEY\" --output token
",
    footer!()
);

const GOOGLE: &str = concat!(
    "s2s-oauth google: a token from a Google credential file of either kind

A service_account key file: a JWT assertion signed with its key is posted to the
file's token_uri (RFC 7523 \u{a7}2.1); --subject acts as a Workspace user
(domain-wide delegation). An external_account file (workload identity federation,
from gcloud iam workload-identity-pools create-cred-config): the platform's token,
read from the file's credential_source on every run, is exchanged at Google's STS
(RFC 8693); when the file names service_account_impersonation_url, the STS token
(asked for cloud-platform) then gets the service account's token for --scope from
IAM Credentials generateAccessToken. The file's token_url and impersonation URL
must be Google endpoints; an executable credential source runs only with
GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1 in the environment. A url source is
fetched with the file's headers (https, or http only from the metadata server
169.254.169.254); an AWS source (environment_id aws1) takes AWS_REGION /
AWS_DEFAULT_REGION and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
AWS_SESSION_TOKEN from the environment, else the instance metadata server, and
sends Google's STS a SigV4-signed GetCallerIdentity request.

Usage: s2s-oauth google --credentials FILE [--scope SCOPE]... [--subject USER]
           [OPTIONS]

Google:
  --credentials FILE       the credential file (JSON): \"type\": \"service_account\" or
                           \"external_account\"; required
  --scope SCOPE            a Google OAuth scope; repeatable (default
                           https://www.googleapis.com/auth/cloud-platform)
  --subject USER           service_account only: the Workspace user to act as; with
                           an external_account file it is a usage error (exit 2)
  --allow-loopback-endpoints (no value)
                           let the file's token_url, impersonation URL and source
                           URLs (url, AWS metadata) name this machine (localhost,
                           127.0.0.1, [::1]; http allowed there): for tests against
                           a local server; without it such a file is refused (exit 2)
  --client-assertion-file FILE
                           a platform-issued JWT (re-read every run) sent as the
                           client assertion of the STS or token_uri request, for an
                           endpoint that authenticates clients (Google's want none)

Request:
  --timeout SECS           whole-request timeout, per attempt (default 30, at most
                           86400)
  --retries N              retry what a retry may help (exit 4 failures) up to N
                           times, with backoff or the server's Retry-After
  --output json|token|header|env
                           json (default): the token response as one JSON object on
                           stdout (after impersonation: access_token, token_type
                           Bearer, expires_in from expireTime), plus expires_at
                           (with no expireTime, the cache keeps it for --max-age);
                           token: the access token alone; header: an Authorization
                           header line; env: shell assignments ACCESS_TOKEN=,
                           TOKEN_TYPE=, EXPIRES_AT=

",
    cache!(),
    dpop!(),
    "TLS:
  --ca-file FILE           also trust the CA certificates in FILE (PEM) for the
                           server's certificate, the built-in roots kept
  --client-cert FILE       PEM client certificate chain presented in the TLS
                           handshake; needs --client-cert-key
  --client-cert-key FILE   its PEM private key

A generateAccessToken refusal (403: the federated principal lacks
roles/iam.workloadIdentityUser on the service account) is exit 5: fix the IAM
binding; an STS refusal (invalid_grant: the token's audience or issuer is not the
provider's) is exit 3; a source that cannot be read (a missing token file, an
executable that fails) is exit 2; a url source or AWS metadata server that
refuses (a 4xx answer) is exit 5: check the file's url and headers, or the
instance's IAM role; one that is down (5xx, 429, 408, no answer) is exit 4.

Example (GitHub Actions or Kubernetes to Google Cloud, a cron job):
  s2s-oauth google --credentials /etc/gcp/credential-config.json \\
      --scope https://www.googleapis.com/auth/devstorage.read_only --output token
",
    footer!()
);

const SIGN_JWT: &str = concat!(
    "s2s-oauth sign-jwt: print a signed JWT assertion (RFC 7523 \u{a7}3), nothing sent

Prints the compact JWT (header.claims.signature) on one line, for a token request
made by another tool.

Usage: s2s-oauth sign-jwt --issuer ISS [--subject SUB]
           (--audience AUD | --salesforce login|test|URL | --token-url URL) --key FILE

",
    sign_endpoint!(),
    jwt_assertion!(),
    "Example (a Salesforce sandbox assertion):
  s2s-oauth sign-jwt --salesforce test --issuer \"$CONSUMER_KEY\" \\
      --subject integration@example.com.uat --key /etc/salesforce/server.key
",
    sign_footer!()
);

const SIGN_SAML: &str = concat!(
    "s2s-oauth sign-saml: print a signed SAML 2.0 assertion (RFC 7522 \u{a7}3), nothing sent

Prints the signed assertion XML, for a token request made by another tool (which
must base64url-encode it, RFC 7522 \u{a7}2.1).

Usage: s2s-oauth sign-saml --issuer ISS --subject SUB
           (--audience AUD | --salesforce login|test|URL | --token-url URL)
           --key FILE --cert FILE [--recipient URL]

",
    sign_endpoint!(),
    saml_assertion!(),
    "Example (Salesforce production):
  s2s-oauth sign-saml --salesforce login --issuer \"$CONSUMER_KEY\" \\
      --subject integration@example.com --key /etc/salesforce/server.key \\
      --cert /etc/salesforce/server.crt
",
    sign_footer!()
);

const DOCTOR: &str = concat!(
    "s2s-oauth doctor: check a setup, one line per check; no token is requested

Prints `ok: ...`, `warn: ...` or `fail: ...` for each check: each key loads (type,
size, algorithm, JWK thumbprint); the certificate's x5t and x5t#S256 thumbprints,
validity dates, and that it belongs to --key; the endpoint answers over TLS (chain
verified) and how fast (a GET of its RFC 8414 / OpenID Connect metadata); the local
clock against the server's Date header (warn above 30 s, fail above 120 s); for
Salesforce the audience against the host (a My Domain audience is refused there)
and the issuer's shape (a consumer key); the published metadata against the grant
and client authentication the flags imply. No secret is printed.

Usage: s2s-oauth doctor (--token-url URL | --salesforce login|test|URL)
           [--key FILE] [--cert FILE] [--client-key FILE] [--ca-file FILE]
           [--issuer ISS] [--subject SUB] [--audience AUD] [--timeout SECS]

Options:
  --token-url URL          the token endpoint (its host is checked)
  --salesforce login|test|URL
                           the Salesforce host (audience and issuer checked too)
  --key FILE               the assertion's PEM private key
  --cert FILE              its PEM certificate (the one uploaded to the server)
  --client-key FILE        the private-key-jwt client key
  --ca-file FILE           also trust the CA certificates in FILE (PEM), the
                           built-in roots kept, for the metadata GETs
  --issuer ISS             the assertion's issuer (Salesforce: a consumer key?)
  --subject SUB            its subject (Salesforce: a username?)
  --audience AUD           its audience (Salesforce: the right one for the host?)
  --timeout SECS           per request (default 30)

Exit codes: 0 no check failed, 1 a check failed (stderr says how many), 2 bad flags.

Example (Salesforce, My Domain):
  s2s-oauth doctor --salesforce https://acme.my.salesforce.com \\
      --issuer \"$CONSUMER_KEY\" --subject integration@acme.com \\
      --key /etc/salesforce/server.key --cert /etc/salesforce/server.crt

",
    secrets_note!()
);

const DPOP_PROOF: &str = concat!(
    "s2s-oauth dpop-proof: print a DPoP proof for one request (RFC 9449 \u{a7}4.2), nothing sent

Prints the proof JWT on one line: typ dpop+jwt, the key's alg and public jwk; claims
jti (random), htm, htu (the URL without query and fragment), iat (now), nonce when
given, and ath (the access token's SHA-256) when an access token is given. Send it
as the DPoP header with Authorization: DPoP <token>, for one request only.

Usage: s2s-oauth dpop-proof --dpop-key FILE --method METHOD --url URL
           [--access-token-file FILE | --access-token-env VAR] [--nonce NONCE]

Options:
  --dpop-key FILE          the PEM private key the token is bound to (the one given
                           to --dpop-key when the token was obtained); required
  --method METHOD          the request's HTTP method (GET, POST...); required
  --url URL                the request's URL (http or https); required
  --access-token-file FILE
                           the DPoP-bound access token, from a file (adds ath)
  --access-token-env VAR   the same, from an environment variable
  --nonce NONCE            the server's latest DPoP-Nonce header value

Example (an API call with a DPoP-bound token, got with the same --dpop-key):
  proof=$(s2s-oauth dpop-proof --dpop-key /etc/my-job/dpop.pem --method GET \\
      --url https://api.example.com/v1/items --access-token-file /run/my-job/token)
  curl -H \"Authorization: DPoP $(cat /run/my-job/token)\" -H \"DPoP: $proof\" \\
      https://api.example.com/v1/items
",
    sign_footer!()
);

macro_rules! token_back {
    ($what:literal, $path:literal) => {
        concat!(
            "Endpoint (one of):
  --token-url URL          the ",
            $what,
            " endpoint itself, not the token
                           endpoint (https; http only on a loopback host)
  --salesforce login|test|URL
                           Salesforce: the URL is <base>",
            $path,
            "
  --timeout SECS           whole-request timeout, per attempt (default 30, at most
                           86400)
  --retries N              retry what a retry may help (exit 4 failures: connection,
                           timeout, 5xx, 429, 408) up to N times, with backoff or the
                           server's Retry-After (1 to 300 s); never exit 1, 2, 3 or 5
                           (default 0, at most 100)

Token:
  --token-file FILE        the token from a file (its single trailing newline
                           ignored)
  --token-env VAR          the token from an environment variable
  --token-type-hint HINT   access_token or refresh_token (or another registered
                           type): where the server looks first

"
        )
    };
}

const INTROSPECT: &str = concat!(
    "s2s-oauth introspect: ask the server whether a token is active (RFC 7662)

Posts token=... (and token_type_hint) to the introspection endpoint with the client
authentication, and prints the answer as one JSON object on stdout: active, and when
the server says, scope, client_id, username, exp, iat, nbf, sub, aud, iss, jti,
token_type, cnf and any other member it sent.

Usage: s2s-oauth introspect (--token-url URL | --salesforce login|test|URL)
           (--token-file FILE | --token-env VAR) [--token-type-hint HINT]
           [client authentication]

",
    token_back!("introspection", "/services/oauth2/introspect"),
    client_auth!(),
    "Example (Salesforce My Domain, the connected app's credentials):
  s2s-oauth introspect --salesforce https://acme.my.salesforce.com \\
      --token-file /run/sync-job/token --token-type-hint access_token \\
      --client-id \"$CONSUMER_KEY\" --client-secret-file /etc/salesforce/consumer-secret

The token and secrets are read only from files or environment variables,
never from flag values (they would show in ps), and are never echoed in messages.

Exit codes: 0 the token is active, 1 it is not (the answer is still printed), 2 bad
input (nothing sent), 3 refused by the server (bad client credentials), 4 a retry
may help, 5 not an introspection endpoint or not trusted; see s2s-oauth --help.
"
);

const REVOKE: &str = concat!(
    "s2s-oauth revoke: revoke an access or refresh token (RFC 7009)

Posts token=... (and token_type_hint) to the revocation endpoint with the client
authentication. Revoking a refresh token usually revokes the access tokens of its
grant too. Nothing is printed. An RFC 7009 server answers 200 for a token it does
not know; Salesforce answers 400 invalid_token (exit 3) for one.

Usage: s2s-oauth revoke (--token-url URL | --salesforce login|test|URL)
           (--token-file FILE | --token-env VAR) [--token-type-hint HINT]
           [client authentication]

",
    token_back!("revocation", "/services/oauth2/revoke"),
    client_auth!(),
    "Example (Salesforce; the token alone, as Salesforce takes it):
  s2s-oauth revoke --salesforce https://acme.my.salesforce.com \\
      --token-file /var/lib/sync-job/refresh-token --token-type-hint refresh_token

The token and secrets are read only from files or environment variables,
never from flag values (they would show in ps), and are never echoed in messages.

Exit codes: 0 revoked (or unknown to an RFC 7009 server), 2 bad input (nothing
sent), 3 refused by the server (unsupported_token_type, bad client credentials), 4
a retry may help, 5 not a revocation endpoint or not trusted; see s2s-oauth --help.
"
);

const VERIFY_JWT: &str = concat!(
    "s2s-oauth verify-jwt: verify a JWT, or a JWT access token (RFC 9068), and print it

Checks the signature with the key the token's header names (kid, alg) in a JWK Set
(RFC 7517) fetched from a URL or read from a file, or with one public key; then
aud, iss (when given), exp, nbf and iat (60 s of clock skew; exp at most a day
ahead, iat at most a day old). `alg: none` and HMAC are never taken. On success
prints {\"header\": {...}, \"claims\": {...}} as one JSON object on stdout.

Usage: s2s-oauth verify-jwt (--token-file FILE | --token-env VAR)
           (--jwks-url URL | --jwks-file FILE | --key FILE) --audience AUD
           [--issuer ISS] [--access-token]

Options:
  --token-file FILE        the JWT, from a file
  --token-env VAR          the JWT, from an environment variable
  --jwks-url URL           the issuer's JWK Set (its jwks_uri; https, http only on a
                           loopback host; no redirects, at most 256 KiB)
  --jwks-file FILE         a JWK Set document ({\"keys\":[...]}) on disk
  --key FILE               one public key: PEM (BEGIN PUBLIC KEY or RSA PUBLIC KEY)
                           or a JWK (JSON)
  --audience AUD           the aud the token must name (this service); required
  --issuer ISS             the iss the token must carry; required with
                           --access-token
  --access-token           apply RFC 9068: typ at+jwt, sub, client_id, iat and jti
                           required
  --timeout SECS           --jwks-url's request timeout (default 30); with
                           --jwks-url only. Not in the documented contract of
                           verify-jwt: an addition that changes no other behaviour

",
    secrets_note!(),
    "
Exit codes:
  0  the token is valid; header and claims printed
  2  usage error or bad local input (flags, an unreadable token or key file)
  3  the token is not valid; stderr carries `error: <reason>`
  4  the keys could not be fetched from --jwks-url and a retry may help
     (connection, timeout, 5xx, 429, 408)
  5  --jwks-url answered with no JWK Set (a redirect, a 404, an HTML page, a
     body over 256 KiB) or is not trusted (TLS): fix the URL

Example (a Salesforce JWT-based access token, checked against the org's keys):
  s2s-oauth verify-jwt --token-env ACCESS_TOKEN --audience my-api \\
      --jwks-url https://acme.my.salesforce.com/id/keys \\
      --issuer https://acme.my.salesforce.com
"
);

/// A subcommand's `--help`.
pub(crate) fn of(command: Command) -> &'static str {
    match command {
        Command::JwtBearer => JWT_BEARER,
        Command::SamlBearer => SAML_BEARER,
        Command::ClientCredentials => CLIENT_CREDENTIALS,
        Command::Refresh => REFRESH,
        Command::TokenExchange => TOKEN_EXCHANGE,
        Command::SignJwt => SIGN_JWT,
        Command::SignSaml => SIGN_SAML,
        Command::Doctor => DOCTOR,
        Command::DpopProof => DPOP_PROOF,
        Command::Google => GOOGLE,
        Command::Introspect => INTROSPECT,
        Command::Revoke => REVOKE,
        Command::VerifyJwt => VERIFY_JWT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_help_has_a_salesforce_example_and_fits_88_columns() {
        for text in Command::ALL.map(of).into_iter().chain([TOP]) {
            // Salesforce has no DPoP: dpop-proof's example is another API's;
            // google's is Google's.
            let salesforce =
                text.contains("Example (Salesforce") || text.contains("Example (a Salesforce");
            assert!(salesforce || text == DPOP_PROOF || text == GOOGLE, "{text}");
            assert!(text.contains("never from flag values"), "{text}");
            for line in text.lines() {
                assert!(line.chars().count() <= 88, "{line:?}");
            }
        }
        assert!(TOP.contains("3  the authorization server refused"));
        assert!(TOP.contains("5  the endpoint answered, but not as a token endpoint"));
        for command in Command::ALL {
            assert!(TOP.contains(&format!("  {} ", command.name())));
            assert!(of(command).starts_with(&format!("s2s-oauth {}: ", command.name())));
        }
    }

    /// The flags at the start of an option line (`  --flag ...`), as written.
    fn listed_flags(text: &str) -> Vec<&str> {
        text.lines()
            .filter_map(|line| line.strip_prefix("  --"))
            .map(|rest| rest.split([' ', '=']).next().unwrap_or_default())
            .collect()
    }

    /// Each subcommand's help lists exactly the flags it takes (sign-jwt lists no
    /// client authentication, --scope, --timeout, --retries or --output), and the
    /// signing subcommands' help names no exit code they cannot end with.
    #[test]
    fn each_help_lists_only_and_every_flag_that_applies() {
        for command in Command::ALL {
            let text = of(command);
            let listed = listed_flags(text);
            for flag in &listed {
                assert!(
                    command.accepts(flag),
                    "{} --help lists --{flag}",
                    command.name()
                );
            }
            for flag in crate::command::FLAGS.iter().filter(|f| command.accepts(f)) {
                assert!(
                    listed.contains(flag),
                    "{} --help misses --{flag}",
                    command.name()
                );
            }
            if !command.sends() {
                for other in [
                    "3 refused",
                    "4 a retry",
                    "5 not a token endpoint",
                    "--retries",
                ] {
                    assert!(!text.contains(other), "{}: {other}", command.name());
                }
            }
        }
    }
}
