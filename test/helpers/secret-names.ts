// Every secret-ish name #24 lists, in the cases and separators they come in: fed through every
// output path by test/e2e/secrets-every-path.test.ts, checked against the rule by test/unit/secrets.test.ts.
export const SECRET_NAMES = [
  'key', 'apiKey', 'api_key', 'api-key', 'X-MBX-APIKEY', 'BITUNIX_API_KEY', 'secretKey', 'privateKey',
  'secret', 'apiSecret', 'BITUNIX_API_SECRET', 'clientSecret',
  'token', 'accessToken', 'GITHUB_TOKEN', 'refresh_token',
  'passphrase', 'PASSPHRASE', 'password', 'DB_PASSWORD', 'passwd',
  'credential', 'CREDENTIALS', 'awsCredentials',
  'sign', 'signature', 'X-Signature',
  'auth', 'Authorization', 'authToken', 'cookie', 'Set-Cookie', 'cookies',
];

/** The environment variable a name becomes (apiKey → CANARY_API_KEY). */
export function envNameOf(name: string): string {
  return `CANARY_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`;
}
