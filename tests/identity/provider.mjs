// A real OpenID Connect provider for the tests: the npm package oidc-provider (OpenID
// certified), on loopback, configured from the JSON in OIDC_TEST_CONFIG, or from the JSON
// file named as the first argument (the README's worked example: config/test-provider.json):
//   { "issuer": "http://localhost:PORT", "port": PORT, "clients": [...],
//     "jwks": { "keys": [private JWKs] }, "accounts": { "<sub>": { claims } } }
// Its built-in development login and consent pages are what the tests drive: any login
// name that is in "accounts" signs in (the password field is not checked).
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const config = JSON.parse(
  process.argv[2] ? readFileSync(process.argv[2], "utf8") : process.env.OIDC_TEST_CONFIG,
);

const provider = new Provider(config.issuer, {
  clients: config.clients,
  // Without "jwks" the provider signs with its built-in development key (worked example).
  ...(config.jwks ? { jwks: config.jwks } : {}),
  cookies: { keys: ["test-provider-cookie-key-not-a-secret"] },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  // Claims asked for by scope go in the ID token itself (the app reads no userinfo).
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
// The development login page says any password works; keep its warnings off the output.
provider.on("server_error", (ctx, err) => console.error("provider error:", err.message));

provider.listen(config.port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${config.issuer}`);
});
