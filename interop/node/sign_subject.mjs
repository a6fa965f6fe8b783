// The platform's side of the token exchange interop cases: jose (not the crate)
// makes an ES256 key pair standing for a workload identity issuer (a Kubernetes
// cluster, a CI system) and signs the tokens the crate then hands on.
//
//   node sign_subject.mjs tokens OUT_DIR ISSUER AUDIENCE
//     writes to OUT_DIR:
//       issuer.pub.pem  the issuer's public key (SPKI PEM), for the server's trust
//       issuer.key.pem  its private key (PKCS#8 PEM), for `assertion`
//       subject.jwt     iss ISSUER, sub system:serviceaccount:jobs:sync, aud AUDIENCE, 10 min
//       forged.jwt      the same claims signed by another key
//       foreign.jwt     iss https://elsewhere.example, signed by the issuer's key
//   node sign_subject.mjs assertion KEY.pem CLIENT_ID AUDIENCE OUT
//     writes a client assertion (iss = sub = CLIENT_ID, aud AUDIENCE, a jti) to OUT
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SignJWT, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8,
} from 'jose';

const sign = (claims, key) => new SignJWT(claims)
  .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
  .setIssuedAt()
  .setExpirationTime('10m')
  .sign(key);

const [mode, ...args] = process.argv.slice(2);
if (mode === 'tokens') {
  const [out, issuer, audience] = args;
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const other = await generateKeyPair('ES256');
  const subject = { iss: issuer, sub: 'system:serviceaccount:jobs:sync', aud: audience };
  writeFileSync(join(out, 'issuer.pub.pem'), await exportSPKI(publicKey));
  writeFileSync(join(out, 'issuer.key.pem'), await exportPKCS8(privateKey));
  writeFileSync(join(out, 'subject.jwt'), `${await sign(subject, privateKey)}\n`);
  writeFileSync(join(out, 'forged.jwt'), await sign(subject, other.privateKey));
  writeFileSync(join(out, 'foreign.jwt'), await sign({ ...subject, iss: 'https://elsewhere.example' }, privateKey));
} else if (mode === 'assertion') {
  const [keyPath, clientId, audience, out] = args;
  const key = await importPKCS8(readFileSync(keyPath, 'utf8'), 'ES256');
  writeFileSync(out, await sign({
    iss: clientId, sub: clientId, aud: audience, jti: randomUUID(),
  }, key));
} else {
  console.error('usage: sign_subject.mjs tokens OUT ISSUER AUDIENCE | assertion KEY CLIENT_ID AUDIENCE OUT');
  process.exit(2);
}
