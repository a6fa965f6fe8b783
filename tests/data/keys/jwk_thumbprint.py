# The JWK thumbprints (RFC 7638) of the test keys, for tests/keys.rs, from the
# Python "cryptography" package (an independent implementation):
#   cd tests/data/keys && python3 jwk_thumbprint.py rsa2048.pkcs8.pem p256.pkcs8.pem p384.pkcs8.pem ed25519.pkcs8.pem
import sys, json, hashlib, base64
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa, ec, ed25519
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b'=').decode()
def ib(n, size=None):
    size = size or (n.bit_length()+7)//8
    return n.to_bytes(size,'big')
for path in sys.argv[1:]:
    k = serialization.load_pem_private_key(open(path,'rb').read(), None).public_key()
    if isinstance(k, rsa.RSAPublicKey):
        p=k.public_numbers(); m={"e":b64(ib(p.e)),"kty":"RSA","n":b64(ib(p.n))}
    elif isinstance(k, ec.EllipticCurvePublicKey):
        p=k.public_numbers(); sz=(k.curve.key_size+7)//8
        m={"crv":{"secp256r1":"P-256","secp384r1":"P-384"}[k.curve.name],"kty":"EC","x":b64(ib(p.x,sz)),"y":b64(ib(p.y,sz))}
    else:
        m={"crv":"Ed25519","kty":"OKP","x":b64(k.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))}
    s=json.dumps(m,separators=(',',':'),sort_keys=True)
    print(path.split('/')[-1], b64(hashlib.sha256(s.encode()).digest()))
