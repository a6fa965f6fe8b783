#!/usr/bin/env python3
"""PyJWT and jwcrypto as JWT peers of s2s-oauth (interop suite).

    jwt_peers.py verify CASES.jsonl   verify each JWT with PyJWT and with jwcrypto,
                                      print PASS/FAIL <suite>/<case>-<library>
    jwt_peers.py sign SPECS.jsonl     sign each spec with both libraries, print one
                                      JSON case per line for the crate to verify

A case: {"case", "token", "alg", "key" (public PEM) | "hmac" (secret file), "iss",
"sub", "aud", "expect": "ok" | "fail"}. A spec: {"case", "alg", "private" (PEM) |
"hmac", "public", "iss", "sub", "aud", "age" (seconds to move iat/exp back),
"tamper" (bool), "expect"}.
"""

import base64
import json
import os
import sys
import time
import uuid

import jwt as pyjwt
from jwcrypto import jwk, jws
from jwcrypto import jwt as jwcrypto_jwt

SUITE = os.environ.get("SUITE", "jwt")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def secret(path):
    data = read(path)
    return data[:-1] if data.endswith(b"\n") else data


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwcrypto_key(case, private=False):
    if "hmac" in case:
        return jwk.JWK(kty="oct", k=b64url(secret(case["hmac"])))
    return jwk.JWK.from_pem(read(case["private" if private else "key"]))


def pyjwt_key(case, private=False):
    if "hmac" in case:
        return secret(case["hmac"])
    return read(case["private" if private else "key"])


def check_common(header, claims, case):
    """What RFC 7523 section 3 asks of an assertion, beyond the signature."""
    if header.get("alg") != case["alg"]:
        raise ValueError(f"alg is {header.get('alg')!r}, expected {case['alg']!r}")
    if header.get("typ") != "JWT":
        raise ValueError(f"typ is {header.get('typ')!r}")
    if claims.get("sub") != case["sub"]:
        raise ValueError(f"sub is {claims.get('sub')!r}")
    for name in ("exp", "iat", "jti"):
        if name not in claims:
            raise ValueError(f"no {name} claim")
    if not 0 < claims["exp"] - claims["iat"] <= 3600:
        raise ValueError("exp - iat is not a sane lifetime")


def verify_pyjwt(case):
    token = case["token"]
    claims = pyjwt.decode(
        token,
        pyjwt_key(case),
        algorithms=[case["alg"]],
        audience=case["aud"],
        issuer=case["iss"],
        options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
    )
    check_common(pyjwt.get_unverified_header(token), claims, case)


def verify_jwcrypto(case):
    token = jwcrypto_jwt.JWT(
        jwt=case["token"],
        key=jwcrypto_key(case),
        algs=[case["alg"]],
        check_claims={"iss": case["iss"], "sub": case["sub"], "aud": case["aud"], "exp": None},
    )
    header = json.loads(token.header)
    check_common(header, json.loads(token.claims), case)


def verify(path):
    for line in open(path):
        if not line.strip():
            continue
        case = json.loads(line)
        for library, check in (("pyjwt", verify_pyjwt), ("jwcrypto", verify_jwcrypto)):
            name = f"{case['case']}-{library}"
            try:
                check(case)
                error = None
            except Exception as e:  # any refusal, with the library's own words
                error = f"{type(e).__name__}: {e}"
            if case["expect"] == "ok":
                if error is None:
                    print(f"PASS {SUITE}/{name}")
                else:
                    print(f"FAIL {SUITE}/{name}: {library} refused the crate's JWT: {error}")
            elif error is None:
                print(f"FAIL {SUITE}/{name}: {library} accepted a JWT it must refuse")
            else:
                print(f"PASS {SUITE}/{name}")


def tamper(token):
    head, signature = token.rsplit(".", 1)
    return f"{head}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


def sign(path):
    for line in open(path):
        if not line.strip():
            continue
        spec = json.loads(line)
        now = int(time.time()) - int(spec.get("age", 0))
        claims = {
            "iss": spec["iss"],
            "sub": spec["sub"],
            "aud": spec["aud"],
            "iat": now,
            "exp": now + 120,
            "jti": str(uuid.uuid4()),
        }
        tokens = {
            "pyjwt": pyjwt.encode(
                claims, pyjwt_key(spec, private=True), algorithm=spec["alg"], headers={"typ": "JWT"}
            ),
        }
        signed = jws.JWS(json.dumps(claims))
        signed.add_signature(
            jwcrypto_key(spec, private=True),
            alg=spec["alg"],
            protected=json.dumps({"alg": spec["alg"], "typ": "JWT"}),
        )
        tokens["jwcrypto"] = signed.serialize(compact=True)
        for library, token in tokens.items():
            if spec.get("tamper"):
                token = tamper(token)
            case = {k: v for k, v in spec.items() if k not in ("private", "age", "tamper")}
            case.update(case=f"{spec['case']}-{library}", token=token)
            print(json.dumps(case))


if __name__ == "__main__":
    {"verify": verify, "sign": sign}[sys.argv[1]](sys.argv[2])
