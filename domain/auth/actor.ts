export const PERMISSIONS = ['invoices:read', 'invoices:write', 'crm:read', 'crm:write', 'settings:write'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Who is calling: the user, the tenant, and what they may do. */
export type Actor = {
  userId: string;
  accountId: string;
  superAdmin: boolean;
  permissions: Permission[];
  /** One of the service's own jobs acting through a use case (`userId` names the job), never a token. */
  system?: true;
  /** Set when an API key (domain/auth/api-keys.ts) made the call: `userId` is then the key's id too. */
  apiKeyId?: string;
};

export function can(actor: Actor, permission: Permission): boolean {
  return actor.superAdmin || actor.permissions.includes(permission);
}
