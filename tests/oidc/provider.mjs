// A real OpenID Provider (oidc-provider) for Limner's SSO tests. Loopback only; dev interactions on.
// Usage: PORT=4000 REDIRECT_URIS=http://testserver/v1/limner/auth/oidc/test/callback node provider.mjs
// Each start signs with a fresh RSA key (kid changes), so tests can exercise key rotation.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 4000);
const redirectUris = (process.env.REDIRECT_URIS || '').split(',').filter(Boolean);
const issuer = `http://127.0.0.1:${port}`;

// Test users: the login name is the account id; groups feed Limner's claim mapping.
const GROUPS = {
  alice: ['design'],
  bob: ['design', 'limner-admins'],
  carol: [],
};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `k-${randomUUID()}`, use: 'sig', alg: 'RS256' };

const configuration = {
  clients: [{
    client_id: 'limner',
    client_secret: 'limner-test-secret',
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  jwks: { keys: [signingKey] },
  cookies: { keys: ['limner-oidc-fixture-cookie-key'] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: `${id}@example.com`,
          email_verified: true,
          name: `${id[0].toUpperCase()}${id.slice(1)} Example`,
          groups: GROUPS[id] || [],
        };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);
provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider ready at ${issuer} kid=${signingKey.kid}\n`);
});
