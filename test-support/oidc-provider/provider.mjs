// A real OpenID provider for auth-service's SSO tests: panva's oidc-provider (OpenID-certified), on a free
// loopback port, configured from OIDC_TEST_CONFIG (JSON). Prints `listening <issuer>` once it serves.
// The login and consent pages are the interaction routes every oidc-provider deployment writes for
// itself; here they are plain forms a test's HTTP client fills in:
//   GET  /interaction/:uid          -> JSON { uid, prompt }; to a browser (Accept: text/html) the same as a
//                                      page: a login form (#login) or a consent form (#consent)
//   POST /interaction/:uid/login    form: sub, email, email_verified (true|false), name
//   POST /interaction/:uid/confirm  grants the requested scopes and claims
//
// OIDC_TEST_CONFIG: { "clients": [{ client_id, client_secret, redirect_uris, id_token_signed_response_alg }],
//                     "conformIdTokenClaims": true|false }
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const settings = JSON.parse(process.env.OIDC_TEST_CONFIG ?? '{}');
const accounts = new Map();

function signingKey(kind, options, alg) {
  const { privateKey } = generateKeyPairSync(kind, options);
  return { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: `${alg.toLowerCase()}-${randomBytes(4).toString('hex')}` };
}

// The interaction as a page, for the browser test: the fields are the login form's above.
function interactionPage(uid, prompt) {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  const body = prompt === 'login'
    ? `<h1>Sign in to the test provider</h1>
<form id="login" method="post" action="${action}/login">
  <input name="sub" required> <input name="email" type="email" required>
  <select name="email_verified"><option>true</option><option>false</option></select>
  <input name="name"> <button type="submit">Sign in</button>
</form>`
    : `<h1>Allow the platform to read your e-mail address and name?</h1>
<form id="consent" method="post" action="${action}/confirm"><button type="submit">Allow</button></form>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider</title></head><body>${body}</body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return Object.fromEntries(new URLSearchParams(body));
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: settings.clients ?? [],
    jwks: {
      keys: [
        signingKey('rsa', { modulusLength: 2048 }, 'RS256'),
        signingKey('ec', { namedCurve: 'P-256' }, 'ES256'),
      ],
    },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: settings.conformIdTokenClaims ?? true,
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
  });
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));
  const callback = provider.callback();

  server.on('request', async (req, res) => {
    const match = /^\/interaction\/([^/?]+)(\/login|\/confirm)?$/.exec(req.url.split('?')[0]);
    if (!match) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET' && !match[2] && (req.headers.accept ?? '').includes('text/html')) {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        return res.end(interactionPage(details.uid, details.prompt.name));
      }
      if (req.method === 'GET' && !match[2]) {
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({ uid: details.uid, prompt: details.prompt.name }));
      }
      if (req.method === 'POST' && match[2] === '/login') {
        const form = await readForm(req);
        accounts.set(form.sub, {
          email: form.email,
          email_verified: form.email_verified === 'true',
          name: form.name,
        });
        return provider.interactionFinished(req, res, { login: { accountId: form.sub } }, { mergeWithLastSubmission: false });
      }
      if (req.method === 'POST' && match[2] === '/confirm') {
        const { prompt, params, session } = details;
        const grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
        if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
        if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
        const grantId = await grant.save();
        return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      }
      res.statusCode = 405;
      return res.end();
    } catch (err) {
      res.statusCode = 400;
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify({ error: err.name, message: err.message }));
    }
  });
  console.log(`listening ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
