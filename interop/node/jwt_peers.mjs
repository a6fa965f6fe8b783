// Node's `jose` as a JWT peer of s2s-oauth (interop suite); the twin of
// interop/py/jwt_peers.py, with the same case and spec lines.
//
//   node jwt_peers.mjs verify CASES.jsonl   PASS/FAIL <suite>/<case>-jose per case
//   node jwt_peers.mjs sign SPECS.jsonl     one JSON case per line for the crate
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  SignJWT, importPKCS8, importSPKI, jwtVerify,
} from 'jose';

const SUITE = process.env.SUITE || 'jwt';

function lines(path) {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

function secret(path) {
  const data = readFileSync(path);
  return data.at(-1) === 0x0a ? data.subarray(0, -1) : data;
}

async function key(entry, field, importer) {
  if (entry.hmac) return new Uint8Array(secret(entry.hmac));
  return importer(readFileSync(entry[field], 'utf8'), entry.alg);
}

async function check(entry) {
  const { payload, protectedHeader } = await jwtVerify(entry.token, await key(entry, 'key', importSPKI), {
    algorithms: [entry.alg],
    issuer: entry.iss,
    subject: entry.sub,
    audience: entry.aud,
    requiredClaims: ['exp', 'iat', 'jti', 'sub'],
  });
  if (protectedHeader.typ !== 'JWT') throw new Error(`typ is ${protectedHeader.typ}`);
  if (!(payload.exp - payload.iat > 0 && payload.exp - payload.iat <= 3600)) {
    throw new Error('exp - iat is not a sane lifetime');
  }
}

async function verify(path) {
  for (const entry of lines(path)) {
    const name = `${entry.case}-jose`;
    let error = null;
    try {
      await check(entry);
    } catch (e) {
      error = `${e.code || e.name}: ${e.message}`;
    }
    if (entry.expect === 'ok') {
      console.log(error ? `FAIL ${SUITE}/${name}: jose refused the crate's JWT: ${error}` : `PASS ${SUITE}/${name}`);
    } else {
      console.log(error ? `PASS ${SUITE}/${name}` : `FAIL ${SUITE}/${name}: jose accepted a JWT it must refuse`);
    }
  }
}

function tamper(token) {
  const dot = token.lastIndexOf('.');
  const sig = token.slice(dot + 1);
  return `${token.slice(0, dot + 1)}${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
}

async function sign(path) {
  for (const spec of lines(path)) {
    const now = Math.floor(Date.now() / 1000) - (spec.age || 0);
    let token = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: spec.alg, typ: 'JWT' })
      .setIssuer(spec.iss)
      .setSubject(spec.sub)
      .setAudience(spec.aud)
      .setIssuedAt(now)
      .setExpirationTime(now + 120)
      .sign(await key(spec, 'private', importPKCS8));
    if (spec.tamper) token = tamper(token);
    const { private: _p, age: _a, tamper: _t, ...rest } = spec;
    console.log(JSON.stringify({ ...rest, case: `${spec.case}-jose`, token }));
  }
}

const [command, file] = process.argv.slice(2);
await ({ verify, sign })[command](file);
