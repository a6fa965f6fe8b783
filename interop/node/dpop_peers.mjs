// DPoP proofs (RFC 9449 §4.2) made by Node's jose, for the crate's verifier
// (interop/suites/dpop.sh): good proofs with ES256, EdDSA and PS256 keys, and
// proofs that are wrong one way each (tampered, replayed, stale, misaddressed...).
//
//   node dpop_peers.mjs OUT.jsonl
//
// Each line: {"name", "proof", "method", "url", "nonce"?, "token"?, "jkt"?,
// "twice"?, "expect": "ok" | "<DpopError variant>", "thumbprint"}: the suite
// verifies "proof" against the request described and compares the outcome.
import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

const TOKEN_URL = 'https://as.example.com/token';
const API = 'https://api.example.com/v1/items';
const TOKEN = 'an-access-token-from-the-server';
const now = Math.floor(Date.now() / 1000);
const ath = (token) => createHash('sha256').update(token).digest('base64url');
const b64 = (text) => Buffer.from(text).toString('base64url');

async function pair(alg, options) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...options });
  const jwk = await exportJWK(publicKey);
  return { alg, privateKey, jwk, jkt: await calculateJwkThumbprint(jwk), full: await exportJWK(privateKey) };
}

async function proof(key, claims, header = {}) {
  return new SignJWT({ jti: randomUUID(), iat: now, ...claims })
    .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.jwk, ...header })
    .sign(key.privateKey);
}

const es256 = await pair('ES256');
const eddsa = await pair('EdDSA', { crv: 'Ed25519' });
const ps256 = await pair('PS256', { modulusLength: 2048 });
const other = await pair('ES256');

const cases = [];
const add = (name, p, request, expect, key = es256) => cases.push({ name, proof: p, ...request, expect, thumbprint: key.jkt });
const post = { method: 'POST', url: TOKEN_URL };
const get = { method: 'GET', url: API, token: TOKEN, jkt: es256.jkt };

for (const key of [es256, eddsa, ps256]) {
  add(`good-${key.alg}`, await proof(key, { htm: 'POST', htu: TOKEN_URL }), post, 'ok', key);
}
add('good-query-and-case-in-request-url', await proof(es256, { htm: 'POST', htu: TOKEN_URL }),
  { method: 'POST', url: 'https://AS.example.com:443/token?x=1' }, 'ok');
add('good-resource-with-ath-and-nonce', await proof(es256, { htm: 'GET', htu: API, ath: ath(TOKEN), nonce: 'n-1' }),
  { ...get, nonce: 'n-1' }, 'ok');
add('replayed', await proof(es256, { htm: 'POST', htu: TOKEN_URL }), { ...post, twice: true }, 'Replayed');
add('stale-iat', await proof(es256, { htm: 'POST', htu: TOKEN_URL, iat: now - 900 }), post, 'IssuedAtOutOfRange');
add('future-iat', await proof(es256, { htm: 'POST', htu: TOKEN_URL, iat: now + 900 }), post, 'IssuedAtOutOfRange');
add('wrong-htu', await proof(es256, { htm: 'POST', htu: 'https://as.example.com/other' }), post, 'WrongUrl');
add('wrong-htm', await proof(es256, { htm: 'GET', htu: TOKEN_URL }), post, 'WrongMethod');
add('wrong-ath', await proof(es256, { htm: 'GET', htu: API, ath: ath('another-token') }), get, 'WrongAccessTokenHash');
add('missing-ath', await proof(es256, { htm: 'GET', htu: API }), get, 'MissingAccessTokenHash');
add('missing-nonce', await proof(es256, { htm: 'POST', htu: TOKEN_URL }), { ...post, nonce: 'n-1' }, 'MissingNonce');
add('wrong-nonce', await proof(es256, { htm: 'POST', htu: TOKEN_URL, nonce: 'n-0' }), { ...post, nonce: 'n-1' }, 'WrongNonce');
add('typ-jwt', await proof(es256, { htm: 'POST', htu: TOKEN_URL }, { typ: 'JWT' }), post, 'WrongType');
add('token-bound-to-another-key', await proof(es256, { htm: 'GET', htu: API, ath: ath(TOKEN) }),
  { ...get, jkt: other.jkt }, 'KeyMismatch');
add('private-key-in-jwk', await proof(es256, { htm: 'POST', htu: TOKEN_URL }, { jwk: es256.full }), post, 'BadKey');
add('jwk-of-another-key', await proof(es256, { htm: 'POST', htu: TOKEN_URL }, { jwk: other.jwk }), post, 'InvalidSignature');
{
  const good = await proof(es256, { htm: 'POST', htu: 'https://evil.example.com/token' });
  const [h, , s] = good.split('.');
  const forged = b64(JSON.stringify({ jti: randomUUID(), iat: now, htm: 'POST', htu: TOKEN_URL }));
  add('tampered-claims', `${h}.${forged}.${s}`, post, 'InvalidSignature');
  const sig = Buffer.from(s, 'base64url');
  sig[0] ^= 1;
  add('tampered-signature', `${h}.${good.split('.')[1]}.${sig.toString('base64url')}`,
    { method: 'POST', url: 'https://evil.example.com/token' }, 'InvalidSignature');
}
{
  const secret = new TextEncoder().encode('a shared secret of thirty-two bytes!!');
  const hs = await new SignJWT({ jti: randomUUID(), iat: now, htm: 'POST', htu: TOKEN_URL })
    .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: es256.jwk })
    .sign(secret);
  add('symmetric-alg', hs, post, 'AlgorithmNotAllowed');
}

writeFileSync(process.argv[2], cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
