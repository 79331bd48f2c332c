import { oneOf, requireString } from '../core/validate.js';
import type { Store } from '../store/open-store.js';
import { PERMISSIONS, type Permission, type Principal, RESOURCE_TYPES, type ResourceType } from './types.js';
import { validateUserName } from './user-service.js';

export interface PermissionGrant {
  resourceType: ResourceType;
  resourceId: string;
  user: string;
  permission: Permission;
}

/**
 * Per-experiment and per-registered-model permissions, as MLflow's auth app: an explicit grant wins; without one, the
 * role decides (viewer READ, editor EDIT); admins can do everything. Creators are granted MANAGE.
 */
export class PermissionService {
  constructor(private readonly store: Store) {}

  async effective(principal: Principal, type: ResourceType, id: string): Promise<Permission> {
    if (principal.role === 'admin') return 'MANAGE';
    const row = await this.store.db
      .selectFrom('permissions')
      .select('permission')
      .where('resource_type', '=', type)
      .where('resource_id', '=', id)
      .where('user_name', '=', principal.user)
      .executeTakeFirst();
    return (row?.permission as Permission | undefined) ?? defaultFor(principal);
  }

  /** Effective permissions for many resources in one query, for filtering search results. */
  async effectiveMany(
    principal: Principal,
    type: ResourceType,
    ids: string[],
  ): Promise<Map<string, Permission>> {
    const out = new Map<string, Permission>(
      ids.map((id) => [id, principal.role === 'admin' ? 'MANAGE' : defaultFor(principal)]),
    );
    if (principal.role === 'admin' || ids.length === 0) return out;
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.store.db
        .selectFrom('permissions')
        .select(['resource_id', 'permission'])
        .where('resource_type', '=', type)
        .where('user_name', '=', principal.user)
        .where('resource_id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) out.set(r.resource_id, r.permission as Permission);
    }
    return out;
  }

  async grant(input: {
    resourceType: unknown;
    resourceId: unknown;
    user: unknown;
    permission: unknown;
  }): Promise<PermissionGrant> {
    const grant: PermissionGrant = {
      resourceType: oneOf(input.resourceType, 'resourceType', RESOURCE_TYPES),
      resourceId: requireString(input.resourceId, 'resourceId', { max: 512 }),
      user: validateUserName(input.user),
      permission: oneOf(input.permission, 'permission', PERMISSIONS),
    };
    const row = {
      resource_type: grant.resourceType,
      resource_id: grant.resourceId,
      user_name: grant.user,
      permission: grant.permission,
    };
    await this.store.db
      .insertInto('permissions')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['resource_type', 'resource_id', 'user_name'])
          .doUpdateSet({ permission: grant.permission }),
      )
      .execute();
    return grant;
  }

  async revoke(type: ResourceType, id: string, user: string): Promise<void> {
    await this.store.db
      .deleteFrom('permissions')
      .where('resource_type', '=', type)
      .where('resource_id', '=', id)
      .where('user_name', '=', user)
      .execute();
  }

  async list(type: ResourceType, id: string): Promise<PermissionGrant[]> {
    const rows = await this.store.db
      .selectFrom('permissions')
      .selectAll()
      .where('resource_type', '=', type)
      .where('resource_id', '=', id)
      .orderBy('user_name')
      .execute();
    return rows.map((r) => ({
      resourceType: type,
      resourceId: id,
      user: r.user_name,
      permission: r.permission as Permission,
    }));
  }
}

const defaultFor = (p: Principal): Permission => (p.role === 'editor' ? 'EDIT' : 'READ');
