export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** MLflow's auth-app permissions, lowest first. */
export const PERMISSIONS = ['NO_PERMISSIONS', 'READ', 'EDIT', 'MANAGE'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const RESOURCE_TYPES = ['experiment', 'registered_model'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export interface User {
  name: string;
  role: Role;
  hasPassword: boolean;
  createdAt: number;
}

export interface TokenInfo {
  id: string;
  user: string;
  name: string;
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
  lastUsedAt?: number;
}

/** Who is making a request. `anonymous` is only ever used when authentication is off. */
export interface Principal {
  user: string;
  role: Role;
  via: 'token' | 'password' | 'session' | 'anonymous';
  tokenId?: string;
}

export const atLeast = (have: Permission, need: Permission): boolean =>
  PERMISSIONS.indexOf(have) >= PERMISSIONS.indexOf(need);
