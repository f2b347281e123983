/** The roles an API key can carry. `admin` may do everything the others may, and more. */
export const ROLES = ['writer', 'analyst', 'editor', 'admin'] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * The roles each role acts as: an editor may do whatever an analyst may, plus what routes
 * grant editors; admin acts as every role. A route's `@Roles(...)` is checked against these.
 */
const ACTS_AS: Readonly<Record<Role, readonly Role[]>> = {
  writer: ['writer'],
  analyst: ['analyst'],
  editor: ['editor', 'analyst'],
  admin: ROLES,
};

/** Whether a key of `role` may call a route open to `allowed`; a route that names no roles is admin-only. */
export function isAllowed(role: Role, allowed: readonly Role[] | undefined): boolean {
  if (role === 'admin') return true;
  return allowed?.some((granted) => ACTS_AS[role].includes(granted)) ?? false;
}
