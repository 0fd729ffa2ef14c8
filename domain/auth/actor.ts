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
};

export function can(actor: Actor, permission: Permission): boolean {
  return actor.superAdmin || actor.permissions.includes(permission);
}
