// Node's oidc-provider as an authorization server for the s2s-oauth interop suite.
//
//   node oidc_server.mjs CONFIG.json
//
// Binds 127.0.0.1 on a free port, prints "PORT <n>" and serves until killed.
// CONFIG.json: {"clients": [oidc-provider client metadata, with "public_key_pem"
// (a PEM file) in place of "jwks"], "jwt_bearer": {"<client_id>": {"public_key_pem":
// PEM file, "users": [...], "scope": "openid offline_access" (default
// "offline_access")}}, "dpop": {"nonce": true|false}}. With "dpop", oidc-provider's
// own DPoP (RFC 9449: features.dPoP) is on, demanding nonces if "nonce" is true.
//
// Everything is oidc-provider's stock behaviour (client authentication, jti replay
// refusal for client assertions, refresh-token rotation) except the RFC 7523 JWT
// bearer grant, which oidc-provider lets an application register: its handler
// (below) verifies the assertion with jose's jwtVerify and issues an access token
// and a refresh token through oidc-provider's own models.
//
// With "tls": {"cert": PEM, "key": PEM, "client_ca": PEM} in CONFIG.json it serves
// HTTPS instead (issuer https://127.0.0.1:<port>) behind a Node https server that
// requests client certificates (verified against client_ca, not required), with
// features.mTLS (RFC 8705): tls_client_auth, self_signed_tls_client_auth and
// certificate-bound access tokens, and introspection to show their cnf. A client
// with "certificate_pem" in place of "jwks" registers that certificate (x5c) for
// self_signed_tls_client_auth.
//
// With "introspection": true, features.introspection and features.revocation are
// on (RFC 7662 at /token/introspection, RFC 7009 at /token/revocation).
// With "resource_indicators": {"resources": {"<resource URI>": "<JWS alg>", ...}}
// in CONFIG.json, features.resourceIndicators (RFC 8707) is on and each listed
// resource gets RFC 9068 JWT access tokens (accessTokenFormat "jwt", audience = the
// resource, scopes "read write") signed with that algorithm by a key this server
// generates (RSA and P-256, published at its jwks_uri).
//
// The RFC 8693 token
// exchange grant, registered the same way, when CONFIG.json has "token_exchange":
// {"issuers": [{"issuer", "public_key_pem", "alg", "audience"}]}: the subject
// token must be a JWT (subject_token_type jwt or id_token: otherwise
// invalid_request) from a trusted issuer, verified with jwtVerify (otherwise
// invalid_grant); it gives an access token, or with requested_token_type jwt a
// JWT this server signs, sent with token_type N_A (RFC 8693 §2.2.1).
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import {
  SignJWT, decodeJwt, exportJWK, generateKeyPair, importSPKI, importX509, jwtVerify,
} from 'jose';
import Provider, { errors } from 'oidc-provider';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

async function publicJwk(path, alg) {
  const key = await importSPKI(readFileSync(path, 'utf8'), alg, { extractable: true });
  return { ...(await exportJWK(key)), alg, use: 'sig' };
}

// A registered certificate (self_signed_tls_client_auth): its key with x5c.
async function certificateJwk(path) {
  const pem = readFileSync(path, 'utf8');
  const key = await importX509(pem, 'ES256', { extractable: true });
  const der = new X509Certificate(pem).raw.toString('base64');
  return { ...(await exportJWK(key)), x5c: [der], use: 'sig' };
}

const clients = await Promise.all(config.clients.map(async ({ public_key_pem: pem, certificate_pem: certPem, ...client }) => ({
  response_types: [],
  redirect_uris: [],
  ...client,
  ...(pem ? { jwks: { keys: [await publicJwk(pem, client.token_endpoint_auth_signing_alg)] } } : {}),
  ...(certPem ? { jwks: { keys: [await certificateJwk(certPem)] } } : {}),
})));

const bearerKeys = {};
for (const [clientId, entry] of Object.entries(config.jwt_bearer || {})) {
  bearerKeys[clientId] = {
    key: await importSPKI(readFileSync(entry.public_key_pem, 'utf8'), entry.alg || 'RS256'),
    users: new Set(entry.users),
    scope: entry.scope || 'offline_access',
  };
}

const { tls } = config;
const server = tls
  ? createTlsServer({
    cert: readFileSync(tls.cert),
    key: readFileSync(tls.key),
    ca: readFileSync(tls.client_ca),
    requestCert: true,
    rejectUnauthorized: false,
  })
  : createServer();
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const { port } = server.address();
const issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;

// RFC 8705 through oidc-provider's features.mTLS: the peer certificate of the
// TLS connection, whether Node verified it against client_ca, and the
// tls_client_auth subject matches (RFC 4514 DN: Node lists the RDNs first to last,
// one per line; dNSName SANs).
const peerCertificate = (ctx) => {
  const peer = ctx.req.socket.getPeerCertificate?.();
  return peer && peer.raw ? new X509Certificate(peer.raw) : undefined;
};
const mTLS = tls ? {
  enabled: true,
  certificateBoundAccessTokens: true,
  tlsClientAuth: true,
  selfSignedTlsClientAuth: true,
  getCertificate: peerCertificate,
  certificateAuthorized: (ctx) => ctx.req.socket.authorized === true,
  certificateSubjectMatches: (ctx, property, expected) => {
    const cert = peerCertificate(ctx);
    if (!cert) return false;
    switch (property) {
      case 'tls_client_auth_subject_dn':
        return cert.subject.split('\n').reverse().join(',') === expected;
      case 'tls_client_auth_san_dns':
        return (cert.subjectAltName || '').split(', ').includes(`DNS:${expected}`);
      default:
        return false;
    }
  },
} : { enabled: false };

// RFC 8707 + RFC 9068: JWT access tokens for the configured resources.
const resources = config.resource_indicators?.resources;
let signingKeys;
if (resources) {
  signingKeys = [];
  for (const [alg, kid] of [['RS256', 'rsa-1'], ['ES256', 'ec-1']]) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    signingKeys.push({ ...(await exportJWK(privateKey)), kid, alg, use: 'sig' });
  }
}
const resourceIndicators = resources ? {
  enabled: true,
  defaultResource: () => undefined,
  useGrantedResource: () => true,
  getResourceServerInfo: (ctx, resourceIndicator) => {
    const alg = resources[resourceIndicator];
    if (!alg) throw new errors.InvalidTarget('unknown resource');
    return {
      scope: 'read write',
      audience: resourceIndicator,
      accessTokenTTL: 600,
      accessTokenFormat: 'jwt',
      jwt: { sign: { alg } },
    };
  },
} : undefined;

const provider = new Provider(issuer, {
  clients,
  ...(signingKeys ? { jwks: { keys: signingKeys } } : {}),
  clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt',
    ...(tls ? ['tls_client_auth', 'self_signed_tls_client_auth'] : [])],
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    ...(config.dpop ? {
      dPoP: {
        enabled: true,
        ...(config.dpop.nonce ? { nonceSecret: randomBytes(32), requireNonce: () => true } : {}),
      },
    } : {}),
    mTLS,
    // RFC 7662 and RFC 7009 (CONFIG.json "introspection": true): the token's
    // owner or any authenticated client may ask (oidc-provider's default policy).
    introspection: { enabled: !!tls || !!config.introspection },
    revocation: { enabled: !!config.introspection },
    ...(resourceIndicators ? { resourceIndicators } : {}),
  },
  scopes: ['openid', 'offline_access', 'read', 'write'],
  rotateRefreshToken: true,
  findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  cookies: { keys: ['interop-suite-cookie-key'] },
});

// RFC 7523 §2.1, checked per §3: signature, iss (the client), aud (this server),
// exp, and jti replay.
const seenJti = new Set();
provider.registerGrantType(JWT_BEARER, async (ctx) => {
  const { client, params } = ctx.oidc;
  const registered = bearerKeys[client.clientId];
  if (!registered) throw new errors.UnauthorizedClient('no assertion key registered for this client');
  let payload;
  try {
    ({ payload } = await jwtVerify(params.assertion, registered.key, {
      issuer: client.clientId,
      audience: [issuer, `${issuer}/token`],
      requiredClaims: ['sub', 'exp', 'jti'],
      clockTolerance: 60,
    }));
  } catch (e) {
    throw new errors.InvalidGrant(`assertion rejected: ${e.code || e.name}`);
  }
  if (seenJti.has(payload.jti)) throw new errors.InvalidGrant('assertion replayed: its jti was used before');
  seenJti.add(payload.jti);
  if (!registered.users.has(payload.sub)) throw new errors.InvalidGrant('unknown subject');

  const grant = new provider.Grant({ clientId: client.clientId, accountId: payload.sub });
  grant.addOIDCScope(registered.scope);
  const grantId = await grant.save();
  const common = { client, accountId: payload.sub, grantId, gty: JWT_BEARER };
  const at = new provider.AccessToken({ ...common });
  const accessToken = await at.save();
  const refreshToken = await new provider.RefreshToken({ ...common, scope: registered.scope }).save();
  ctx.body = {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: at.expiration,
    refresh_token: refreshToken,
  };
}, new Set(['assertion', 'scope']));

// RFC 8693 §2.1-2.2.
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const TYPE = 'urn:ietf:params:oauth:token-type:';
const trusted = await Promise.all((config.token_exchange?.issuers || []).map(async (t) => ({
  issuer: t.issuer,
  audience: t.audience,
  key: await importSPKI(readFileSync(t.public_key_pem, 'utf8'), t.alg || 'ES256'),
})));
const ownKey = await generateKeyPair('ES256');
provider.registerGrantType(TOKEN_EXCHANGE, async (ctx) => {
  const { client, params } = ctx.oidc;
  if (!params.subject_token) throw new errors.InvalidRequest('subject_token is missing');
  if (![`${TYPE}jwt`, `${TYPE}id_token`].includes(params.subject_token_type)) {
    throw new errors.InvalidRequest('unsupported subject_token_type');
  }
  const requested = params.requested_token_type || `${TYPE}access_token`;
  if (![`${TYPE}access_token`, `${TYPE}jwt`].includes(requested)) {
    throw new errors.InvalidRequest('unsupported requested_token_type');
  }
  let claimed;
  try {
    claimed = decodeJwt(params.subject_token).iss;
  } catch {
    throw new errors.InvalidGrant('subject_token is not a JWT');
  }
  const trust = trusted.find((t) => t.issuer === claimed);
  if (!trust) throw new errors.InvalidGrant('subject_token issuer is not trusted');
  let payload;
  try {
    ({ payload } = await jwtVerify(params.subject_token, trust.key, {
      issuer: trust.issuer, audience: trust.audience, requiredClaims: ['sub', 'exp'],
    }));
  } catch (e) {
    throw new errors.InvalidGrant(`subject_token rejected: ${e.code || e.name}`);
  }
  if (requested === `${TYPE}jwt`) {
    const jwt = await new SignJWT({ sub: payload.sub, act: { sub: client.clientId } })
      .setProtectedHeader({ alg: 'ES256' }).setIssuer(issuer).setAudience(params.audience || issuer)
      .setIssuedAt().setExpirationTime('5m').sign(ownKey.privateKey);
    ctx.body = { access_token: jwt, issued_token_type: `${TYPE}jwt`, token_type: 'N_A', expires_in: 300 };
    return;
  }
  const grant = new provider.Grant({ clientId: client.clientId, accountId: payload.sub });
  const grantId = await grant.save();
  const at = new provider.AccessToken({ client, accountId: payload.sub, grantId, gty: TOKEN_EXCHANGE });
  ctx.body = {
    access_token: await at.save(),
    issued_token_type: `${TYPE}access_token`,
    token_type: 'Bearer',
    expires_in: at.expiration,
  };
}, new Set(['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type',
  'requested_token_type', 'audience', 'resource', 'scope']), new Set(['audience', 'resource']));

provider.on('server_error', (ctx, err) => { console.error('server_error', err); });
server.on('request', provider.callback());
console.log(`PORT ${port}`);
