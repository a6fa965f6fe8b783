"""authlib's OAuth 2.0 client (requests integration) against a token endpoint:
the other direction of interop, a client we did not write getting tokens from
the crate's server module (examples/token_endpoint.rs).

usage: authlib_client.py METHOD TOKEN_URL [ARGS]
  basic CLIENT_ID SECRET_FILE        client credentials, client_secret_basic
  post CLIENT_ID SECRET_FILE         client credentials, client_secret_post
  private-key-jwt CLIENT_ID KEY_PEM [ALG]
                                     client credentials, private_key_jwt (default RS256)
  jwt-bearer ISSUER SUBJECT AUDIENCE KEY_PEM
                                     the RFC 7523 JWT bearer grant (AssertionSession)

Prints the token response as JSON and exits 0, or prints the error and exits 1.
"""

import json
import sys

from authlib.integrations.requests_client import AssertionSession, OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT


def read(path):
    with open(path) as f:
        text = f.read()
    return text[:-1] if text.endswith("\n") else text


def main(argv):
    method, url, *rest = argv
    if method in ("basic", "post"):
        client_id, secret_file = rest
        auth_method = "client_secret_basic" if method == "basic" else "client_secret_post"
        session = OAuth2Session(client_id, read(secret_file), token_endpoint_auth_method=auth_method)
        token = session.fetch_token(url, grant_type="client_credentials")
    elif method == "private-key-jwt":
        client_id, key_file, *alg = rest
        alg = alg[0] if alg else "RS256"
        key = read(key_file)
        if alg.startswith("ES"):
            # PrivateKeyJWT reads a PEM as an RSA key; another kind goes in as a
            # key of joserfc, which authlib 1.9 signs with.
            from joserfc.jwk import ECKey

            key = ECKey.import_key(key)
        session = OAuth2Session(client_id, key, token_endpoint_auth_method="private_key_jwt")
        session.register_client_auth_method(PrivateKeyJWT(url, alg=alg))
        token = session.fetch_token(url, grant_type="client_credentials")
    elif method == "jwt-bearer":
        issuer, subject, audience, key_file = rest
        session = AssertionSession(
            token_endpoint=url,
            issuer=issuer,
            subject=subject,
            audience=audience,
            grant_type=AssertionSession.JWT_BEARER_GRANT_TYPE,
            key=read(key_file),
            header={"alg": "RS256"},
        )
        token = session.refresh_token()
    else:
        raise SystemExit(f"unknown method {method}")
    print(json.dumps(dict(token)))


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as e:  # the suite reports the failure with this line
        print(f"{type(e).__name__}: {e}")
        sys.exit(1)
