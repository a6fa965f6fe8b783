# Certificates of rsa2048.pkcs8.pem with validity periods in the past and in the
# future, for the CLI's doctor tests (tests/cli_doctor.rs). OpenSSL 3.0's req and
# x509 cannot back-date; made with the Python "cryptography" package:
#   cd tests/data/keys && python3 dated_certs.py
import datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization

key = serialization.load_pem_private_key(open("rsa2048.pkcs8.pem", "rb").read(), None)
for name, start, end in [
    ("rsa2048.expired.cert.pem", datetime.datetime(2020, 1, 1), datetime.datetime(2021, 1, 1)),
    ("rsa2048.future.cert.pem", datetime.datetime(2200, 1, 1), datetime.datetime(2300, 1, 1)),
]:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "s2s-oauth-demo-" + name.split(".")[1])])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(key, hashes.SHA256())
    )
    open(name, "wb").write(cert.public_bytes(serialization.Encoding.PEM))
