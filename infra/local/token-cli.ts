import { parseArgs } from 'node:util';
import { loadSigningKeys, mintToken, parsePermissions } from './local-auth.js';
import { localConfig } from './local-config.js';

/**
 * `npm run token -- --account <accountId> [--role superAdmin | --permissions a,b] [--sub <userId>]`
 * prints a token signed with the local key; the token alone is the last line.
 */
async function main() {
  const { values } = parseArgs({
    options: {
      account: { type: 'string' },
      role: { type: 'string' },
      permissions: { type: 'string' },
      sub: { type: 'string', default: 'usr_local' },
      expires: { type: 'string', default: '7d' },
    },
  });
  if (!values.account || !/^[A-Za-z0-9_-]{1,64}$/.test(values.account))
    throw new Error('--account <accountId> is required (letters, digits, _ and -)');
  if (values.role && values.role !== 'superAdmin') throw new Error('--role takes only superAdmin');
  if (!values.role && !values.permissions) throw new Error('give --role superAdmin or --permissions a,b');
  const keys = await loadSigningKeys(localConfig().keyFile);
  const token = await mintToken(keys, {
    accountId: values.account,
    sub: values.sub,
    expiresIn: values.expires,
    ...(values.role ? { role: 'superAdmin' as const } : {}),
    ...(values.permissions ? { permissions: parsePermissions(values.permissions) } : {}),
  });
  console.log(
    `Token for account ${values.account}, user ${values.sub}${values.role ? ', super admin' : `, permissions ${values.permissions}`}:`,
  );
  console.log(token);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
