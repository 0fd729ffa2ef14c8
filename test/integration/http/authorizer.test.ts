import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { SignJWT, exportJWK } from 'jose';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { newSigningKeys, type SigningKeys } from '../../../infra/local/local-auth.js';
import { client, startStack, uniqueAccount, type Stack } from '../../support/local-stack.js';

/**
 * The AWS Lambda authorizer's handler itself: JWTs checked against an issuer's JWKS served over
 * real HTTP (as jose fetches it in AWS), API keys against the table on DynamoDB Local.
 */
let stack: Stack;
let jwks: Server;
let issuerKeys: SigningKeys;
let handler: (
  e: APIGatewayRequestAuthorizerEventV2,
) => Promise<{ isAuthorized: boolean; context: Record<string, string> }>;
const ISSUER = 'https://issuer.example.test/';

beforeAll(async () => {
  stack = await startStack();
  issuerKeys = await newSigningKeys();
  const jwk = { ...(await exportJWK(issuerKeys.publicKey)), kid: issuerKeys.kid, alg: 'ES256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', () => r()));
  Object.assign(process.env, {
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: 'invoice-api, other-api',
    JWT_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
  });
  ({ handler } = (await import('../../../functions/http/authorizer.handler.js')) as unknown as {
    handler: typeof handler;
  });
});
afterAll(async () => {
  await new Promise<void>((r) => jwks.close(() => r()));
  await stack.close();
});

const event = (authorization?: string) =>
  ({
    headers: authorization ? { authorization } : {},
    routeKey: 'GET /invoices',
  }) as unknown as APIGatewayRequestAuthorizerEventV2;

const jwt = (claims: Record<string, unknown>, audience = 'invoice-api', issuer = ISSUER) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: issuerKeys.kid })
    .setSubject('usr_9')
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(issuerKeys.privateKey);

test('a JWT from the issuer is allowed with its claims as context; a wrong audience, issuer or signer is not', async () => {
  const ok = await handler(
    event(`Bearer ${await jwt({ accountId: 'acc_1', permissions: ['invoices:read'], apiKeyId: 'key_X' })}`),
  );
  expect(ok.isAuthorized).toBe(true);
  // A JWT cannot claim to be an API key.
  expect(ok.context).toMatchObject({ sub: 'usr_9', accountId: 'acc_1', permissions: '[invoices:read]' });
  expect(ok.context.apiKeyId).toBeUndefined();
  expect((await handler(event(`Bearer ${await jwt({ accountId: 'acc_1' }, 'other-api')}`))).isAuthorized).toBe(true);
  expect((await handler(event(`Bearer ${await jwt({ accountId: 'acc_1' }, 'nobody')}`))).isAuthorized).toBe(false);
  expect(
    (await handler(event(`Bearer ${await jwt({ accountId: 'acc_1' }, 'invoice-api', 'https://evil.test/')}`)))
      .isAuthorized,
  ).toBe(false);
  const stranger = await newSigningKeys();
  const forged = await new SignJWT({ accountId: 'acc_1' })
    .setProtectedHeader({ alg: 'ES256', kid: issuerKeys.kid })
    .setSubject('usr_9')
    .setIssuer(ISSUER)
    .setAudience('invoice-api')
    .setExpirationTime('5m')
    .sign(stranger.privateKey);
  expect((await handler(event(`Bearer ${forged}`))).isAuthorized).toBe(false);
  expect((await handler(event())).isAuthorized).toBe(false);
  expect((await handler(event('Basic abc'))).isAuthorized).toBe(false);
});

test('an API key is allowed as its account, with apiKeyId in the context; once revoked it is not', async () => {
  const accountId = uniqueAccount('acc_authz');
  const admin = client(stack.baseUrl, await stack.token(accountId));
  const created = (await admin('POST', '/api-keys', { name: 'bot', permissions: ['crm:read'] })).body;
  const allowed = await handler(event(`Bearer ${created.key}`));
  expect(allowed).toEqual({
    isAuthorized: true,
    context: { sub: created.id, accountId, permissions: '[crm:read]', apiKeyId: created.id },
  });
  expect((await admin('DELETE', `/api-keys/${created.id}`)).status).toBe(204);
  expect((await handler(event(`Bearer ${created.key}`))).isAuthorized).toBe(false);
});
