"""Signs an unsigned SAML 2.0 assertion with signxml, the Signature right after
Issuer (a placeholder there tells signxml where), enveloped, exclusive c14n,
SHA-256 digest.

usage: signxml_sign.py UNSIGNED KEY CERT OUT [rsa-sha256|ecdsa-sha256]
"""

import sys

from lxml import etree
from signxml import XMLSigner
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)

DS = "http://www.w3.org/2000/09/xmldsig#"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
METHODS = {
    "rsa-sha256": SignatureMethod.RSA_SHA256,
    "ecdsa-sha256": SignatureMethod.ECDSA_SHA256,
}


def main(unsigned, key, cert, out, alg="rsa-sha256"):
    root = etree.fromstring(open(unsigned, "rb").read())
    issuer = root.find("{%s}Issuer" % SAML)
    placeholder = etree.Element("{%s}Signature" % DS, nsmap={"ds": DS})
    placeholder.set("Id", "placeholder")
    issuer.addnext(placeholder)
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=METHODS[alg],
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signed = signer.sign(
        root,
        key=open(key, "rb").read(),
        cert=open(cert, "rb").read().decode(),
        reference_uri=root.get("ID"),
        id_attribute="ID",
    )
    with open(out, "wb") as f:
        f.write(etree.tostring(signed))


if __name__ == "__main__":
    main(*sys.argv[1:])
