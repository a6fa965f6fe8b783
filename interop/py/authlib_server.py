#!/usr/bin/env python3
"""An authlib authorization server on the standard library's HTTP server (no web
framework), for the s2s-oauth interop suite.

    authlib_server.py CONFIG.json

Binds 127.0.0.1 on a free port, prints "PORT <n>" and serves POST /token, POST
/introspect (RFC 7662) and POST /revoke (RFC 7009) until killed. CONFIG.json lists the clients:

    {"clients": [{"client_id": "...", "secret": "...", "public_key": "PEM file",
                  "auth_methods": ["client_secret_basic", ...],
                  "grant_types": ["client_credentials", ...],
                  "users": ["alice@example.com"]}]}

Grants: client_credentials (RFC 6749 section 4.4) with client_secret_basic,
client_secret_post, private_key_jwt and client_secret_jwt (RFC 7523 section 2.2);
the JWT bearer grant (RFC 7523 section 2.1), which here also issues a refresh
token; refresh_token (RFC 6749 section 6) with rotation: every refresh issues a
new refresh token and revokes the old one. Introspection and revocation are
authlib's IntrospectionEndpoint and RevocationEndpoint with every client
authentication method above; any authenticated client may introspect (a resource
server), only the token's client may revoke it (authlib answers invalid_grant
otherwise); revoking a refresh token revokes the access tokens issued with it.
Everything else is authlib's stock behaviour (its default algorithms: HS256,
RS256, ES256; client assertions addressed to the token URL or the issuer).
"""

import json
import os
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

# Plain http is fine on loopback; authlib refuses it otherwise.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

from authlib.oauth2.rfc6749 import (  # noqa: E402
    AuthorizationServer,
    ClientMixin,
    OAuth2Request,
    TokenMixin,
)
from authlib.oauth2.rfc6749.grants import (  # noqa: E402
    ClientCredentialsGrant,
    RefreshTokenGrant,
)
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload  # noqa: E402
from authlib.oauth2.rfc6750 import BearerTokenGenerator  # noqa: E402
from authlib.oauth2.rfc7009 import RevocationEndpoint  # noqa: E402
from authlib.oauth2.rfc7662 import IntrospectionEndpoint  # noqa: E402
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion, JWTBearerGrant  # noqa: E402
from joserfc.jwk import OctKey, import_key  # noqa: E402

ALL_METHODS = [
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
    "client_secret_jwt",
]


class Client(ClientMixin):
    def __init__(self, entry):
        self.client_id = entry["client_id"]
        self.secret = entry.get("secret")
        self.public_key = None
        if entry.get("public_key"):
            with open(entry["public_key"], "rb") as f:
                self.public_key = import_key(f.read())
        self.auth_methods = entry.get("auth_methods", [])
        self.grant_types = entry.get("grant_types", [])
        self.users = entry.get("users", [])

    def get_client_id(self):
        return self.client_id

    def get_allowed_scope(self, scope):
        return scope or ""

    def check_client_secret(self, client_secret):
        return self.secret is not None and secrets.compare_digest(
            self.secret.encode(), client_secret.encode()
        )

    def check_endpoint_auth_method(self, method, endpoint):
        return method in self.auth_methods

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


class RefreshToken(TokenMixin):
    def __init__(self, client, user, scope, grant=None, kind="refresh_token", expires_in=0):
        self.client = client
        self.user = user
        self.scope = scope
        self.revoked = False
        self.grant = grant
        self.kind = kind
        self.issued_at = int(time.time())
        self.expires_in = expires_in

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return bool(self.expires_in) and time.time() >= self.issued_at + self.expires_in

    def check_client(self, client):
        return client.client_id == self.client.client_id

    def get_scope(self):
        return self.scope

    def is_revoked(self):
        return self.revoked


class Server(AuthorizationServer):
    def __init__(self, config):
        super().__init__()
        self.clients = {e["client_id"]: Client(e) for e in config["clients"]}
        self.refresh_tokens = {}
        self.access_tokens = {}
        self.seen_jti = set()
        self.token_url = None
        self.issuer = None

    def query_client(self, client_id):
        return self.clients.get(client_id)

    def save_token(self, token, request):
        # The tokens of one answer share a grant: revoking its refresh token
        # revokes them all.
        grant = secrets.token_hex(8)
        user = getattr(request, "user", None)
        self.access_tokens[token["access_token"]] = RefreshToken(
            request.client, user, token.get("scope"), grant, "access_token",
            token.get("expires_in", 0),
        )
        if "refresh_token" in token:
            self.refresh_tokens[token["refresh_token"]] = RefreshToken(
                request.client, user, token.get("scope"), grant
            )

    def find_token(self, value, hint):
        stores = [self.access_tokens, self.refresh_tokens]
        if hint == "refresh_token":
            stores.reverse()
        for store in stores:
            if value in store:
                return store[value]
        return None

    def revoke(self, token):
        token.revoked = True
        if token.kind == "refresh_token":
            for other in list(self.access_tokens.values()) + list(self.refresh_tokens.values()):
                if other.grant == token.grant:
                    other.revoked = True

    def create_oauth2_request(self, request):
        return request

    def create_json_request(self, request):
        return request

    def handle_response(self, status, body, headers):
        return status, body, headers

    def send_signal(self, name, *args, **kwargs):
        pass

    def audiences(self):
        return [self.token_url, self.issuer]


class Request(OAuth2Request):
    def __init__(self, uri, headers, form):
        super().__init__("POST", uri, headers=headers)
        self._form = form
        self.payload = BasicOAuth2Payload(form)

    @property
    def form(self):
        return self._form

    @property
    def args(self):
        return {}


class ClientCredentials(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS


class JWTBearer(JWTBearerGrant):
    """RFC 7523 section 2.1; this server issues a refresh token with it so that
    the refresh grant can be exercised."""

    def get_audiences(self):
        return self.server.audiences()

    def resolve_issuer_client(self, issuer):
        return self.server.query_client(issuer)

    def resolve_client_public_key(self, client):
        return client.public_key

    def authenticate_user(self, subject):
        client = self.request.client
        return subject if client and subject in client.users else None

    def has_granted_permission(self, client, user):
        return True

    def create_token_response(self):
        token = self.generate_token(
            scope=self.request.payload.scope,
            user=self.request.user,
            include_refresh_token=True,
        )
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


class Refresh(RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        token = self.server.refresh_tokens.get(refresh_token)
        if token and not token.is_revoked():
            return token
        return None

    def authenticate_user(self, refresh_token):
        return refresh_token.user

    def revoke_old_credential(self, refresh_token):
        refresh_token.revoked = True


class ClientAssertion(JWTBearerClientAssertion):
    """private_key_jwt (RFC 7523 section 2.2 with OIDC Core section 9)."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, server):
        super().__init__()
        self.server = server

    def __call__(self, query_client, request):
        # Both assertion methods read client_assertion: leave a client registered
        # for the other method to it instead of failing its signature check here.
        assertion = request.form.get("client_assertion")
        if assertion:
            try:
                _, claims = self.extract_assertion(assertion)
            except Exception:
                claims = {}
            sub = claims.get("sub")
            client = query_client(sub) if isinstance(sub, str) else None
            if client is not None and not client.check_endpoint_auth_method(
                self.CLIENT_AUTH_METHOD, "token"
            ):
                return None
        return super().__call__(query_client, request)

    def get_audiences(self):
        return self.server.audiences()

    def validate_jti(self, claims, jti):
        key = (claims["sub"], jti)
        if key in self.server.seen_jti:
            return False
        self.server.seen_jti.add(key)
        return True

    def resolve_client_public_key(self, client):
        return client.public_key


class SecretAssertion(ClientAssertion):
    """client_secret_jwt: the same, HMAC-keyed with the client secret."""

    CLIENT_AUTH_METHOD = "client_secret_jwt"

    def resolve_client_public_key(self, client):
        return OctKey.import_key((client.secret or "").encode())


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ALL_METHODS

    def query_token(self, token_string, token_type_hint):
        return self.server.find_token(token_string, token_type_hint)

    def check_permission(self, token, client, request):
        return True

    def introspect_token(self, token):
        payload = {
            "active": True,
            "client_id": token.client.client_id,
            "scope": token.scope or "",
            "iss": self.server.issuer,
            "iat": token.issued_at,
        }
        if token.kind == "access_token":
            payload["token_type"] = "Bearer"
        if token.expires_in:
            payload["exp"] = token.issued_at + token.expires_in
        if token.user:
            payload["username"] = payload["sub"] = token.user
        return payload


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ALL_METHODS

    def query_token(self, token_string, token_type_hint):
        return self.server.find_token(token_string, token_type_hint)

    def revoke_token(self, token, request):
        self.server.revoke(token)


def build_server(config):
    server = Server(config)

    def access_token(**kwargs):
        return secrets.token_urlsafe(32)

    def refresh_token(**kwargs):
        return secrets.token_urlsafe(32)

    server.register_token_generator(
        "default", BearerTokenGenerator(access_token, refresh_token)
    )
    server.register_grant(ClientCredentials)
    server.register_grant(JWTBearer)
    server.register_grant(Refresh)
    server.register_endpoint(Introspection)
    server.register_endpoint(Revocation)
    # private_key_jwt and client_secret_jwt share the client_assertion parameter:
    # each method checks that the client is registered for it.
    server.register_client_auth_method("private_key_jwt", ClientAssertion(server))
    server.register_client_auth_method("client_secret_jwt", SecretAssertion(server))
    return server


def main():
    with open(sys.argv[1]) as f:
        config = json.load(f)
    server = build_server(config)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            endpoint = {"/token": None, "/introspect": "introspection", "/revoke": "revocation"}
            if self.path not in endpoint:
                self.reply(404, {"error": "not_found"}, {})
                return
            form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            request = Request(server.issuer + self.path, self.headers, form)
            if endpoint[self.path] is None:
                status, payload, headers = server.create_token_response(request)
            else:
                status, payload, headers = server.create_endpoint_response(
                    endpoint[self.path], request
                )
            self.reply(status, payload, dict(headers))

        def reply(self, status, payload, headers):
            data = json.dumps(payload).encode()
            self.send_response(status)
            headers.setdefault("Content-Type", "application/json")
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, fmt, *args):
            sys.stderr.write("authlib %s %s\n" % (time.strftime("%H:%M:%S"), fmt % args))

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = httpd.server_address[1]
    server.issuer = f"http://127.0.0.1:{port}"
    server.token_url = f"{server.issuer}/token"
    print(f"PORT {port}", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
