"""Writes the Exclusive XML Canonicalization 1.0 corpus in this directory.

Each case is an input document (`<name>.input.xml`), the options it is
canonicalized with, and the expected output (`<name>.expected.xml`) produced by
lxml (libxml2's C14N), an implementation independent of this crate. The manifest
`cases.json` lists them; `tests/saml_c14n.rs` reads it and compares byte for byte.

Run from the repository root (see README.md in this directory):

    python3 -m venv /tmp/saml-venv && /tmp/saml-venv/bin/pip install 'lxml==6.0.*'
    /tmp/saml-venv/bin/python tests/data/c14n/generate.py
"""

import json
import os

from lxml import etree

HERE = os.path.dirname(os.path.abspath(__file__))

SAML = """<?xml version="1.0" encoding="UTF-8"?>
<saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="_r1" Version="2.0">
  <saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_a1" IssueInstant="2024-01-01T00:00:00Z" Version="2.0">
    <saml2:Issuer>3MVG9&amp;co</saml2:Issuer>
    <saml2:Subject>
      <saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">user@example.com</saml2:NameID>
    </saml2:Subject>
    <saml2:AttributeStatement>
      <saml2:Attribute Name="n"><saml2:AttributeValue xsi:type="xs:string">v &lt;1&gt;</saml2:AttributeValue></saml2:Attribute>
    </saml2:AttributeStatement>
  </saml2:Assertion>
</saml2p:Response>
"""

SIGNED_INFO = """<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#">
  <ds:SignedInfo>
    <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
    <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
    <ds:Reference URI="#_a1">
      <ds:Transforms>
        <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
        <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces PrefixList="xs"/></ds:Transform>
      </ds:Transforms>
      <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
      <ds:DigestValue>AAAA</ds:DigestValue>
    </ds:Reference>
  </ds:SignedInfo>
  <ds:SignatureValue>
AAAA
  </ds:SignatureValue>
</ds:Signature>
"""

# lxml drops PrefixList tokens that are not prefixes of its parsed document, so
# "#default" cannot be checked against it: tests/saml_c14n.rs covers that token.
#
# (name, input, options). Options: comments (bool), prefixes (PrefixList string),
# subtree_id (canonicalize the element with that ID/Id/id), subtree_element
# ("{ns}local": the first element with that name).
CASES = [
    ("empty-element", "<doc/>", {}),
    ("attribute-order",
     '<doc b="2" a="1" xmlns:z="urn:z" z:c="3" xmlns:a="urn:a" a:d="4" c="0" a:a="5"/>', {}),
    ("namespaces-on-ancestors",
     '<a:root xmlns:a="urn:a" xmlns:b="urn:b" xmlns:c="urn:c"><a:mid><b:target Id="t" c:x="1"><a:leaf/></b:target></a:mid></a:root>',
     {"subtree_id": "t"}),
    ("default-namespace", '<doc xmlns="urn:d"><e/><f xmlns=""><g/></f></doc>', {}),
    ("default-namespace-under-prefix",
     '<p:doc xmlns:p="urn:p" xmlns="urn:d"><p:e><f xmlns=""/><g/></p:e></p:doc>', {}),
    ("default-namespace-from-ancestor",
     '<doc xmlns="urn:d"><mid><target id="t"><x/></target></mid></doc>', {"subtree_id": "t"}),
    ("redundant-declarations",
     '<a:doc xmlns:a="urn:a"><a:e xmlns:a="urn:a"><a:f xmlns:a="urn:a"/></a:e></a:doc>', {}),
    ("unused-declarations", '<doc xmlns:u="urn:u" xmlns:v="urn:v"><e xmlns:w="urn:w"/></doc>', {}),
    ("overridden-prefix",
     '<a:doc xmlns:a="urn:1"><a:e xmlns:a="urn:2"><a:f xmlns:a="urn:1"/></a:e></a:doc>', {}),
    ("text-escaping",
     "<doc>&amp; &lt; &gt; \" ' &#13; &#9; tab\t ]]&gt; end</doc>", {}),
    ("attribute-escaping",
     "<doc a=\"&amp;&lt;&gt;&quot;'&#9;&#10;&#13; x\ty\nz\" b='say \"hi\"'/>", {}),
    ("crlf-normalization", "<doc a=\"1\r\n2\">line1\r\nline2\rline3\r\n</doc>\r\n", {}),
    ("non-ascii", '<doc attr="ünïcödé">日本語 — 😀 ©</doc>', {}),
    ("cdata", "<doc><![CDATA[<a>&b;]]> and <![CDATA[]]]]><![CDATA[>]]></doc>", {}),
    ("comments-dropped",
     "<!-- before --><doc><!-- inside -->text<e/><!-- again --></doc><!-- after -->", {}),
    ("comments-kept",
     "<!-- before --><doc><!-- inside -->text<e/><!-- again --></doc><!-- after -->",
     {"comments": True}),
    ("processing-instructions",
     "<?pi-before data?><doc><?pi-inside  more  data ?><?empty?></doc><?pi-after?>", {}),
    ("declaration-and-outer-whitespace",
     '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n\n<doc>\n  <e/>\n</doc>\n\n', {}),
    ("character-references", "<doc a=\"&#65;&#x42;\">&#67;&#x44;&#x1F600;</doc>", {}),
    ("prefix-list",
     '<a:doc xmlns:a="urn:a" xmlns:b="urn:b" xmlns:c="urn:c"><a:e Id="e"><c:f/></a:e></a:doc>',
     {"subtree_id": "e", "prefixes": "b"}),
    ("prefix-list-several",
     '<doc xmlns="urn:d" xmlns:p="urn:p" xmlns:q="urn:q"><p:e Id="e"><q:f xmlns:q="urn:q2"/><g xmlns:p="urn:p"/></p:e></doc>',
     {"subtree_id": "e", "prefixes": "q zz"}),
    ("prefix-list-whole-document",
     '<doc xmlns:x="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="x:foo"><e/></doc>',
     {"prefixes": "x"}),
    ("qname-in-content-not-utilized",
     '<doc xmlns:x="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="x:foo"><e/></doc>', {}),
    ("xml-attributes",
     '<doc xml:lang="en"><e Id="e" xml:space="preserve"><f/></e></doc>', {"subtree_id": "e"}),
    ("whitespace-in-tags", '<doc   b = "2"\n  a=\'1\'  ><e\t/></doc  >', {}),
    ("attribute-utilizes-prefix",
     '<doc xmlns:p="urn:p" xmlns:q="urn:q"><e p:a="1"><f q:b="2" p:c="3"/></e></doc>', {}),
    ("saml-assertion-subtree", SAML, {"subtree_id": "_a1"}),
    ("saml-assertion-subtree-comments", SAML.replace("<saml2:Subject>", "<!-- c --><saml2:Subject>"),
     {"subtree_id": "_a1", "comments": True}),
    ("saml-response-document", SAML, {}),
    ("signed-info-subtree", SIGNED_INFO,
     {"subtree_element": "{http://www.w3.org/2000/09/xmldsig#}SignedInfo"}),
    ("mixed-content",
     '<doc>a<b>c</b>d<e/>f<g x="1">h</g>  </doc>', {}),
    ("deep-namespaces",
     '<a xmlns="urn:0"><b xmlns:p="urn:1"><c xmlns=""><p:d xmlns:p="urn:2"><e/></p:d></c></b></a>', {}),
    # Added in review: edge cases of Exclusive C14N §3 and Canonical XML §2.3.
    ("two-prefixes-one-uri",
     '<a xmlns:p="urn:x" xmlns:q="urn:x"><p:b q:c="1"/></a>', {}),
    ("attribute-prefix-shares-element-uri",
     '<p:a xmlns:p="urn:x" xmlns:q="urn:x" q:c="1" p:d="2"/>', {}),
    ("attribute-order-xml-namespace",
     '<a xmlns:b="urn:b" xmlns:a="urn:a" b:z="1" a:z="2" z="3" a:y="4" xml:z="5"/>', {}),
    ("default-undeclared-and-redeclared",
     '<a xmlns="urn:d"><b xmlns=""><c xmlns="urn:d"><d xmlns=""/></c></b></a>', {}),
    ("default-undeclared-subtree",
     '<a xmlns="urn:d"><b xmlns="" Id="t"><c/></b></a>', {"subtree_id": "t"}),
    ("prefix-list-default-in-scope",
     '<a xmlns="urn:d" xmlns:p="urn:p"><p:b Id="t"><c/></p:b></a>',
     {"subtree_id": "t", "prefixes": "p"}),
    ("prefix-list-siblings",
     '<r xmlns:p="urn:p"><p:a/><p:b/><c><p:d/></c></r>', {"prefixes": "p"}),
    ("siblings-re-render",
     '<r xmlns:p="urn:p"><p:a/><p:b/><c><p:d/></c></r>', {}),
    ("numeric-references-to-specials",
     '<a b="&#60;&#62;&#38;&#34;&#39;">&#60;&#62;&#38;&#34;&#39;</a>', {}),
    ("cdata-with-specials",
     '<a><![CDATA[x<y>&"\'\r]]]]><![CDATA[>]]>&#13;&#xD;&#10;</a>', {}),
    ("comments-and-pis-outside-kept",
     '<!--c1--><?pi?><!--c2--><a><!-- in --><?x   y  z ?></a><!--c3--><?post data?>',
     {"comments": True}),
]


def canonical(xml, options):
    parser = etree.XMLParser(resolve_entities=False, remove_blank_text=False)
    root = etree.fromstring(xml.encode("utf-8"), parser)
    target = root.getroottree()
    if "subtree_id" in options:
        hits = root.xpath("//*[@ID=$v or @Id=$v or @id=$v]", v=options["subtree_id"])
        assert len(hits) == 1, options
        target = hits[0]
    elif "subtree_element" in options:
        ns, local = options["subtree_element"][1:].split("}")
        target = root.iter("{%s}%s" % (ns, local)).__next__()
    prefixes = options.get("prefixes")
    kwargs = {}
    if prefixes:
        kwargs["inclusive_ns_prefixes"] = prefixes.split()
    return etree.tostring(
        target,
        method="c14n",
        exclusive=True,
        with_comments=options.get("comments", False),
        **kwargs,
    )


def main():
    manifest = []
    for name, xml, options in CASES:
        with open(os.path.join(HERE, name + ".input.xml"), "wb") as f:
            f.write(xml.encode("utf-8"))
        with open(os.path.join(HERE, name + ".expected.xml"), "wb") as f:
            f.write(canonical(xml, options))
        entry = {"name": name}
        entry.update(options)
        manifest.append(entry)
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    print("%d cases written (lxml %s, libxml2 %s)" % (
        len(manifest), etree.__version__, ".".join(map(str, etree.LIBXML_VERSION))))


if __name__ == "__main__":
    main()
