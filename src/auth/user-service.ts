import { alreadyExists, invalid, MloopError, notFound, show } from '../core/errors.js';
import { hasControlCharacter, oneOf, optionalInt, optionalString, requireString } from '../core/validate.js';
import type { Store } from '../store/open-store.js';
import { hashPassword, newToken, parseToken, sameHash, sha256, verifyPassword } from './secrets.js';
import { type Principal, ROLES, type Role, type TokenInfo, type User } from './types.js';

export const MIN_PASSWORD_LENGTH = 12;
const DAY = 86_400_000;

/** Users and their API tokens. Passwords are scrypt-hashed, tokens sha256-hashed; neither is ever stored in clear. */
export class UserService {
  constructor(private readonly store: Store) {}

  async count(): Promise<number> {
    const row = await this.store.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async add(input: { name: unknown; role: unknown; password?: unknown }): Promise<User> {
    const name = validateUserName(input.name);
    const role = oneOf<Role>(input.role, 'role', ROLES);
    const password = optionalString(input.password, 'password', { max: 1024 });
    // CVE-2025-1474, CVE-2025-11200: no empty or weak passwords. A user without a password signs in with tokens.
    if (password !== undefined) checkPassword(password);
    const now = Date.now();
    const exists = await this.store.db
      .selectFrom('users')
      .select('name')
      .where('name', '=', name)
      .executeTakeFirst();
    if (exists) throw alreadyExists(`User '${name}' already exists.`);
    await this.store.db
      .insertInto('users')
      .values({
        name,
        role,
        password_hash: password === undefined ? null : await hashPassword(password),
        created_at: now,
        updated_at: now,
      })
      .execute();
    return this.get(name);
  }

  async get(nameValue: unknown): Promise<User> {
    const name = validateUserName(nameValue);
    const row = await this.store.db
      .selectFrom('users')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw notFound(`User '${name}' does not exist.`);
    return {
      name: row.name,
      role: row.role as Role,
      hasPassword: row.password_hash !== null,
      createdAt: row.created_at,
    };
  }

  async list(): Promise<User[]> {
    const rows = await this.store.db.selectFrom('users').selectAll().orderBy('name').execute();
    return rows.map((r) => ({
      name: r.name,
      role: r.role as Role,
      hasPassword: r.password_hash !== null,
      createdAt: r.created_at,
    }));
  }

  async remove(nameValue: unknown): Promise<void> {
    const user = await this.get(nameValue);
    if (user.role === 'admin') {
      const admins = await this.store.db
        .selectFrom('users')
        .select('name')
        .where('role', '=', 'admin')
        .execute();
      if (admins.length === 1)
        throw invalid(`'${user.name}' is the last admin; add another admin before removing it.`);
    }
    await this.store.db.deleteFrom('users').where('name', '=', user.name).execute();
  }

  async setPassword(nameValue: unknown, password: unknown): Promise<void> {
    const user = await this.get(nameValue);
    const text = requireString(password, 'password', { max: 1024 });
    checkPassword(text);
    await this.store.db
      .updateTable('users')
      .set({ password_hash: await hashPassword(text), updated_at: Date.now() })
      .where('name', '=', user.name)
      .execute();
  }

  async setRole(nameValue: unknown, role: unknown): Promise<User> {
    const user = await this.get(nameValue);
    await this.store.db
      .updateTable('users')
      .set({ role: oneOf<Role>(role, 'role', ROLES), updated_at: Date.now() })
      .where('name', '=', user.name)
      .execute();
    return this.get(user.name);
  }

  /** Creates a token and returns it in clear, the only time it is ever visible. */
  async createToken(input: {
    user: unknown;
    name?: unknown;
    expiresInDays?: unknown;
  }): Promise<TokenInfo & { token: string }> {
    const user = await this.get(input.user);
    const name = optionalString(input.name, 'name', { max: 256 }) || 'token';
    const days = optionalInt(input.expiresInDays, 'expiresInDays', { min: 1, max: 3650 }) ?? 90;
    const { id, secret, token } = newToken();
    const now = Date.now();
    await this.store.db
      .insertInto('tokens')
      .values({
        id,
        user_name: user.name,
        name,
        secret_hash: sha256(secret),
        created_at: now,
        expires_at: now + days * DAY,
        revoked_at: null,
        last_used_at: null,
      })
      .execute();
    return { ...(await this.token(id)), token };
  }

  async listTokens(user?: string): Promise<TokenInfo[]> {
    let q = this.store.db.selectFrom('tokens').selectAll().orderBy('created_at');
    if (user !== undefined) q = q.where('user_name', '=', user);
    return (await q.execute()).map(toInfo);
  }

  async token(id: string): Promise<TokenInfo> {
    const row = await this.store.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`Token '${id}' does not exist.`);
    return toInfo(row);
  }

  async revokeToken(id: unknown): Promise<TokenInfo> {
    const token = await this.token(requireString(id, 'id', { max: 32 }));
    if (token.revokedAt === undefined)
      await this.store.db
        .updateTable('tokens')
        .set({ revoked_at: Date.now() })
        .where('id', '=', token.id)
        .execute();
    return this.token(token.id);
  }

  /** The principal a bearer token stands for; undefined when unknown, wrong, revoked or expired. */
  async authenticateToken(token: string): Promise<Principal | undefined> {
    const parsed = parseToken(token);
    if (!parsed) return undefined;
    const row = await this.store.db
      .selectFrom('tokens')
      .innerJoin('users', 'users.name', 'tokens.user_name')
      .select([
        'tokens.id',
        'tokens.secret_hash',
        'tokens.expires_at',
        'tokens.revoked_at',
        'tokens.last_used_at',
        'users.name',
        'users.role',
      ])
      .where('tokens.id', '=', parsed.id)
      .executeTakeFirst();
    if (!row || !sameHash(row.secret_hash, sha256(parsed.secret))) return undefined;
    const now = Date.now();
    if (row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) return undefined;
    // Recording use at most once a minute keeps authentication off the write path of every request.
    if (row.last_used_at === null || now - row.last_used_at > 60_000) {
      await this.store.db.updateTable('tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
    }
    return { user: row.name, role: row.role as Role, via: 'token', tokenId: row.id };
  }

  async authenticatePassword(name: string, password: string): Promise<Principal | undefined> {
    const row = await this.store.db
      .selectFrom('users')
      .select(['name', 'role', 'password_hash'])
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row?.password_hash || !(await verifyPassword(password, row.password_hash))) return undefined;
    return { user: row.name, role: row.role as Role, via: 'password' };
  }
}

function toInfo(r: {
  id: string;
  user_name: string;
  name: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}): TokenInfo {
  return {
    id: r.id,
    user: r.user_name,
    name: r.name,
    createdAt: r.created_at,
    ...(r.expires_at === null ? {} : { expiresAt: r.expires_at }),
    ...(r.revoked_at === null ? {} : { revokedAt: r.revoked_at }),
    ...(r.last_used_at === null ? {} : { lastUsedAt: r.last_used_at }),
  };
}

export function validateUserName(value: unknown): string {
  const name = requireString(value, 'name', { max: 256 });
  if (!/^[\w.@-]+$/.test(name) || hasControlCharacter(name)) {
    throw invalid(`Invalid user name ${show(name)}: use letters, digits, '_', '-', '.' and '@'.`);
  }
  return name;
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new MloopError(
      'INVALID_PARAMETER_VALUE',
      `A password must have at least ${MIN_PASSWORD_LENGTH} characters (got ${password.length}).`,
    );
  }
}
