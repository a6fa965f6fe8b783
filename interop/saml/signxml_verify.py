"""Verifies a signed SAML 2.0 assertion with signxml against a trusted
certificate, and checks that what was signed is the whole assertion (not a
wrapped copy). Exit 0 and "OK", else exit 1 and why.

usage: signxml_verify.py SIGNED CERT
"""

import sys

from lxml import etree
from signxml import XMLVerifier

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"


def main(signed, cert):
    data = open(signed, "rb").read()
    try:
        result = XMLVerifier().verify(
            data, x509_cert=open(cert).read(), id_attribute="ID", expect_references=1
        )
    except Exception as e:  # signxml raises several types; any is a failure
        print("signxml refused: %s: %s" % (type(e).__name__, e))
        return 1
    root = etree.fromstring(data)
    if result.signed_xml.tag != "{%s}Assertion" % SAML or result.signed_xml.get("ID") != root.get("ID"):
        print("signxml verified something other than the assertion")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
