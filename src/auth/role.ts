/** The roles an API key can carry. `admin` may do everything the others may, and more. */
export const ROLES = ['writer', 'analyst', 'admin'] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
