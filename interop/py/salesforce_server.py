"""A Salesforce-shaped token server for the interop suite, written from Salesforce's
documentation (not from the crate's testkit):

- OAuth 2.0 Token Exchange Flow, Salesforce Help:
  https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_token_exchange_overview.htm
  https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_token_exchange_diagram.htm
  https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_token_exchange_integrate.htm
  The subject token types are those of the Apex enum Auth.OAuth2TokenExchangeType:
  https://developer.salesforce.com/docs/atlas.en-us.apexref.meta/apexref/apex_enum_Auth_OAuth2TokenExchangeType.htm
  (ACCESS_TOKEN, ID_TOKEN, JWT -> "urn:ietf:params:oauth:token-type:JWT",
  REFRESH_TOKEN, SAML_2). `token_handler` names an Apex handler (object reference
  OauthTokenExchHandlerApp); here every handler validates JWT-shaped subject tokens
  with the identity provider's public key and maps `sub` to a user.
- OAuth 2.0 Asset Token Flow for Securing Connected Devices:
  https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_asset_token_flow_ca.htm
  Proof-of-Possession for Asset Tokens (the actor token signed with the device's
  private key, its public key in `cnf`):
  https://help.salesforce.com/s/articleView?id=platform.remoteaccess_asset_token_pop.htm
  The actor token claims Salesforce reads (AssetTokenEvent: did, Name,
  Asset.Name, Asset.SerialNumber, cnf.jwk):
  https://developer.salesforce.com/docs/platform/platform-events/guide/sforce-api-objects-assettokenevent.html
  The sample answer (Salesforce Platform APIs Postman collection, "Asset Token
  Flow"): access_token, issued_token_type ...:jwt, token_type Bearer, expires_in.
- Data 360 (Data Cloud) token exchange:
  https://help.salesforce.com/s/articleView?id=service.conversation_transcript_api_sample2.htm
  https://developer.salesforce.com/docs/data/data-cloud-query-guide/references/data-cloud-query-api-reference/c360a-direct-api-connected-app.html
  POST <instance_url>/services/a360/token, grant_type=urn:salesforce:grant-type:external:cdp,
  subject_token, subject_token_type=...:access_token (dataspace optional); the
  answer has access_token, instance_url (the tenant-specific endpoint),
  token_type, issued_token_type ...:jwt, expires_in.
- Client credentials (only to mint the core access token the asset and Data Cloud
  flows start from): Salesforce Help remoteaccess_oauth_client_credentials_flow.
- Errors as Salesforce's token endpoint sends them: HTTP 400 JSON
  {"error": ..., "error_description": ...}; invalid_client_id "client identifier
  invalid", invalid_client "invalid client credentials". Strings Salesforce does not
  document for these flows are marked "(undocumented)".

Usage: salesforce_server.py CONFIG.json    (prints `PORT <n>` once listening)
CONFIG: {"apps": [{"client_id", "client_secret"?, "require_secret"?}],
         "idp": {"issuer", "audience", "public_key_pem"},
         "core_client": {"client_id", "client_secret"},
         "server_key_pub_out": path to write the server's asset-token public key}
"""

import base64
import json
import secrets
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
CDP = "urn:salesforce:grant-type:external:cdp"
T = "urn:ietf:params:oauth:token-type:"
# Auth.OAuth2TokenExchangeType, spelled as the Apex reference spells them.
SUBJECT_TYPES = {
    T + "access_token",
    T + "id_token",
    T + "JWT",
    T + "refresh_token",
    T + "saml2",
}
JWT_SHAPED = {T + "id_token", T + "JWT", T + "access_token"}
ORG = "00Dxx0000001gPLEAY"

CONFIG = json.load(open(sys.argv[1]))
APPS = {a["client_id"]: a for a in CONFIG["apps"]}
IDP = CONFIG["idp"]
IDP_KEY = open(IDP["public_key_pem"], "rb").read()
CORE = CONFIG["core_client"]
# Asset tokens are JWTs the org signs (RS256 with the org's certificate, per
# "Prerequisites for Implementing Asset Tokens").
SERVER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
open(CONFIG["server_key_pub_out"], "wb").write(
    SERVER_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
)
ACCESS_TOKENS = {}  # token -> (user id, expiry)


class Refusal(Exception):
    def __init__(self, error, description, status=400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def user_id(subject):
    digest = base64.b32encode(subject.encode()).decode().replace("=", "")
    return ("005" + digest)[:18].ljust(18, "A")


def issue_access(base, user):
    token = ORG + "!" + secrets.token_urlsafe(32)
    ACCESS_TOKENS[token] = (user, time.time() + 3600)
    return token


def live_access(token):
    entry = ACCESS_TOKENS.get(token or "")
    if not entry or entry[1] < time.time():
        # Salesforce's refresh/access token error string (Help: OAuth error codes).
        raise Refusal("invalid_grant", "expired access/refresh token")
    return entry[0]


def salesforce_token(base, user, scope):
    issued_at = str(int(time.time() * 1000))
    return {
        "access_token": issue_access(base, user),
        "scope": scope or "api",
        "instance_url": base,
        "id": f"{base}/id/{ORG}/{user}",
        "token_type": "Bearer",
        "issued_at": issued_at,
    }


def one(form, name):
    values = form.get(name, [])
    if len(values) > 1:
        raise Refusal("invalid_request", f"duplicate parameter {name} (undocumented)")
    return values[0] if values else None


def token_exchange(base, form, headers):
    if one(form, "actor_token") is not None:
        return asset_token(base, form)
    client_id = one(form, "client_id")
    app = APPS.get(client_id or "")
    if app is None:
        raise Refusal("invalid_client_id", "client identifier invalid")
    if app.get("require_secret") and one(form, "client_secret") != app.get("client_secret"):
        raise Refusal("invalid_client", "invalid client credentials")
    subject_type = one(form, "subject_token_type")
    if subject_type not in SUBJECT_TYPES:
        raise Refusal("invalid_request", "unsupported subject token type (undocumented)")
    subject = one(form, "subject_token") or ""
    if subject_type not in JWT_SHAPED:
        # This handler validates JWT-shaped tokens only, as an Apex handler may.
        raise Refusal("invalid_grant", "token validation failed (undocumented)")
    try:
        claims = jwt.decode(
            subject, IDP_KEY, algorithms=["ES256", "RS256"],
            audience=IDP["audience"], issuer=IDP["issuer"],
        )
    except jwt.PyJWTError:
        raise Refusal("invalid_grant", "token validation failed (undocumented)")
    answer = salesforce_token(base, user_id(claims["sub"]), one(form, "scope"))
    answer["issued_token_type"] = T + "access_token"
    return answer


def asset_token(base, form):
    if one(form, "subject_token_type") != T + "access_token":
        raise Refusal("invalid_request", "subject_token_type must be an access token (undocumented)")
    if one(form, "actor_token_type") != T + "jwt":
        raise Refusal("invalid_request", "actor_token_type must be a JWT (undocumented)")
    user = live_access(one(form, "subject_token"))
    actor = one(form, "actor_token") or ""
    # Proof of possession is an option, not a requirement: "If you construct an
    # actor token holding the public key of your asset and sign it with your
    # asset's private key, Salesforce binds that public key into your asset token"
    # (remoteaccess_asset_token_pop). So an actor token with cnf.jwk must be signed
    # by that key and the key is bound; one without cnf is read as it comes (how
    # Salesforce checks such a token is not documented: not at all here) and
    # its asset token binds no key.
    try:
        claims = jwt.decode(actor, options={"verify_signature": False})
        jwk = claims.get("cnf", {}).get("jwk") if isinstance(claims.get("cnf"), dict) else None
        if "cnf" in claims and jwk is None:
            raise KeyError("cnf without jwk")
        if jwk is not None:
            device_key = jwt.PyJWK(jwk)
            claims = jwt.decode(actor, device_key.key, algorithms=[device_key.algorithm_name])
    except (jwt.PyJWTError, KeyError, TypeError, AttributeError):
        raise Refusal("invalid_grant", "invalid actor token (undocumented)")
    if not claims.get("did"):
        raise Refusal("invalid_grant", "invalid actor token (undocumented)")
    now = int(time.time())
    asset = {
        "iss": base, "sub": user, "aud": base, "iat": now, "exp": now + 60,
        "did": claims["did"],
    }
    if "cnf" in claims:
        asset["cnf"] = claims["cnf"]
    for name in ("Name", "Asset"):
        if name in claims:
            asset[name] = claims[name]
    return {
        "access_token": jwt.encode(asset, SERVER_KEY, algorithm="RS256"),
        "issued_token_type": T + "jwt",
        "token_type": "Bearer",
        "expires_in": 60,
    }


def client_credentials(base, form, headers):
    client_id, secret = one(form, "client_id"), one(form, "client_secret")
    auth = headers.get("Authorization", "")
    if auth.startswith("Basic "):
        pair = base64.b64decode(auth[6:]).decode()
        client_id, _, secret = pair.partition(":")
        client_id, secret = urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(secret)
    if client_id != CORE["client_id"]:
        raise Refusal("invalid_client_id", "client identifier invalid")
    if secret != CORE["client_secret"]:
        raise Refusal("invalid_client", "invalid client credentials")
    answer = salesforce_token(base, user_id("integration@example.com"), one(form, "scope"))
    answer["api_instance_url"] = base
    return answer


def data_cloud(base, form):
    if one(form, "grant_type") != CDP:
        raise Refusal("unsupported_grant_type", "grant type not supported")
    if one(form, "subject_token_type") != T + "access_token":
        raise Refusal("invalid_request", "subject_token_type must be an access token (undocumented)")
    live_access(one(form, "subject_token"))
    now = int(time.time())
    token = jwt.encode(
        {"iss": base, "iat": now, "exp": now + 7200,
         "dataspace": one(form, "dataspace") or "default"},
        SERVER_KEY, algorithm="RS256",
    )
    # The tenant-specific endpoint, a bare host as Data Cloud sends it (observed;
    # the sample only shows "instance_url": "instance_url").
    return {
        "access_token": token,
        "instance_url": "gq2tqnjxgu4dsmrqmfstsnbtgy.c360a.salesforce.com",
        "token_type": "Bearer",
        "issued_token_type": T + "jwt",
        "expires_in": 7130,
    }


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("salesforce_server: " + fmt % args + "\n")

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Cache-Control", "no-cache,must-revalidate,max-age=0,no-store,private")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        try:
            if self.path == "/services/oauth2/token":
                grant = one(form, "grant_type")
                if grant == TOKEN_EXCHANGE:
                    body = token_exchange(base, form, self.headers)
                elif grant == "client_credentials":
                    body = client_credentials(base, form, self.headers)
                else:
                    raise Refusal("unsupported_grant_type", "grant type not supported")
            elif self.path == "/services/a360/token":
                body = data_cloud(base, form)
            else:
                self.answer(404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
                return
        except Refusal as r:
            self.answer(r.status, {"error": r.error, "error_description": r.description})
            return
        self.answer(200, body)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
