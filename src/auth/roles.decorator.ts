import { SetMetadata } from '@nestjs/common';
import type { Role } from './role.js';

export const ROLES_METADATA = 'incident-timeline:roles';
export const PUBLIC_METADATA = 'incident-timeline:public';

/**
 * The roles that may call a route (or every route of a controller). `admin` may always
 * call it too, and an `editor` may call every route open to `analyst` (see `isAllowed`).
 * A route with neither `@Roles` nor `@Public` is for `admin` only.
 */
export const Roles = (...roles: [Role, ...Role[]]) => SetMetadata(ROLES_METADATA, roles);

/** No API key needed (e.g. `GET /health`). */
export const Public = () => SetMetadata(PUBLIC_METADATA, true);
