import type { Command } from 'commander';
import { ROLES } from '../auth/types.js';
import { CliError } from './cli-error.js';
import { addClientOptions, type ClientFlags, intOption, withClient } from './connect.js';

/** `mloop users`, `mloop tokens`, `mloop audit`: on a home directory (--home) or against a server (--server). */
export function registerAccessCommands(program: Command): void {
  const users = program.command('users').description('Manage users (admin). Roles: viewer, editor, admin.');
  addClientOptions(
    users
      .command('add')
      .description('Add a user; without --password a password is generated and printed once.')
      .argument('<name>', 'user name')
      .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
      .option('--password <password>', 'at least 12 characters')
      .option('--no-password', 'a token-only user, who cannot sign in with a password'),
  ).action(async (name: string, flags: ClientFlags & { role: string; password?: string | false }) => {
    if (!(ROLES as readonly string[]).includes(flags.role))
      throw new CliError(`--role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(flags.role)}.`, 2);
    const { newPassword } = await import('../auth/secrets.js');
    const password = flags.password === false ? undefined : (flags.password ?? newPassword());
    const user = await withClient(
      flags,
      (c) =>
        c.addUser({ name, role: flags.role as (typeof ROLES)[number], ...(password ? { password } : {}) }),
      { createHome: true },
    );
    const out = await import('./output.js');
    const generated = flags.password === undefined && password ? password : undefined;
    if (flags.json) return out.printJson({ ...user, ...(generated ? { password: generated } : {}) });
    console.log(`Added ${user.name} (${user.role}).`);
    if (generated) console.log(`Password (shown once): ${generated}`);
  });
  addClientOptions(users.command('list').description('List users.')).action(async (flags: ClientFlags) => {
    const list = await withClient(flags, (c) => c.listUsers());
    const out = await import('./output.js');
    if (flags.json) return out.printJson(list);
    console.log(
      out.table(
        ['NAME', 'ROLE', 'PASSWORD', 'CREATED'],
        list.items.map((u) => [u.name, u.role, u.hasPassword ? 'yes' : 'no', out.formatTime(u.createdAt)]),
      ),
    );
  });
  addClientOptions(
    users.command('remove').description('Remove a user and revoke their tokens.').argument('<name>'),
  ).action(async (name: string, flags: ClientFlags) => {
    await withClient(flags, (c) => c.removeUser(name));
    const out = await import('./output.js');
    if (flags.json) return out.printJson({ removed: name });
    console.log(`Removed ${name}.`);
  });

  const tokens = program
    .command('tokens')
    .description('API tokens: stored hashed, shown once, expiring, revocable.');
  addClientOptions(
    tokens
      .command('create')
      .description(
        'Create a token (for yourself, or with --user for someone else as admin); it is printed once.',
      )
      .option('--user <name>', 'whose token (default: you; on --home, required)')
      .option('--name <name>', 'what the token is for', 'token')
      .option('--expires-in-days <days>', 'lifetime in days', intOption(1, 3650), 90),
  ).action(async (flags: ClientFlags & { user?: string; name: string; expiresInDays: number }) => {
    if (flags.home !== undefined && !flags.user)
      throw new CliError('On --home, say whose token it is with --user NAME.', 2);
    const token = await withClient(flags, (c) =>
      c.createToken({
        name: flags.name,
        expiresInDays: flags.expiresInDays,
        ...(flags.user ? { user: flags.user } : {}),
      }),
    );
    const out = await import('./output.js');
    if (flags.json) return out.printJson(token);
    console.log(
      `Token ${token.id} for ${token.user}, expires ${out.formatTime(token.expiresAt)}. Shown once:`,
    );
    console.log(token.token);
    console.log('Use it as MLFLOW_TRACKING_TOKEN (mlflow clients) or MLOOP_TOKEN (mloop CLI).');
  });
  addClientOptions(
    tokens
      .command('list')
      .description('List tokens (never their secrets).')
      .option('--user <name>', 'whose tokens (admin)')
      .option('--all', 'every user (admin)'),
  ).action(async (flags: ClientFlags & { user?: string; all?: boolean }) => {
    const list = await withClient(flags, (c) =>
      c.listTokens({
        ...(flags.user ? { user: flags.user } : {}),
        all: flags.all ?? flags.home !== undefined,
      }),
    );
    const out = await import('./output.js');
    if (flags.json) return out.printJson(list);
    const state = (t: { revokedAt?: number; expiresAt?: number }) =>
      t.revokedAt ? 'revoked' : t.expiresAt !== undefined && t.expiresAt <= Date.now() ? 'expired' : 'active';
    console.log(
      out.table(
        ['ID', 'USER', 'NAME', 'STATE', 'EXPIRES', 'LAST USED'],
        list.items.map((t) => [
          t.id,
          t.user,
          t.name,
          state(t),
          out.formatTime(t.expiresAt),
          out.formatTime(t.lastUsedAt),
        ]),
      ),
    );
  });
  addClientOptions(tokens.command('revoke').description('Revoke a token.').argument('<id>')).action(
    async (id: string, flags: ClientFlags) => {
      const token = await withClient(flags, (c) => c.revokeToken(id));
      const out = await import('./output.js');
      if (flags.json) return out.printJson(token);
      console.log(`Revoked ${token.id} (${token.user}).`);
    },
  );

  addClientOptions(
    program
      .command('audit')
      .description('The audit log: every write, who, what, when, from where (admin).')
      .option('--user <name>', 'only this actor')
      .option('--since <iso-time>', 'only entries at or after this time, e.g. 2026-11-22T08:00')
      .option('--limit <n>', 'at most this many, newest first', intOption(1, 10_000), 50),
  ).action(async (flags: ClientFlags & { user?: string; since?: string; limit: number }) => {
    const since = flags.since === undefined ? undefined : Date.parse(flags.since);
    if (since !== undefined && Number.isNaN(since))
      throw new CliError(
        `--since must be a date/time such as 2026-11-22T08:00, got ${JSON.stringify(flags.since)}.`,
        2,
      );
    const log = await withClient(flags, (c) =>
      c.listAudit({
        limit: flags.limit,
        ...(flags.user ? { user: flags.user } : {}),
        ...(since !== undefined ? { since } : {}),
      }),
    );
    const out = await import('./output.js');
    if (flags.json) return out.printJson(log);
    console.log(
      out.table(
        ['WHEN', 'WHO', 'WHAT', 'STATUS', 'RESOURCE', 'FROM'],
        log.items.map((e) => [
          out.formatTime(e.timestamp),
          e.actor,
          `${e.method} ${out.truncate(e.path, 60)}`,
          String(e.status),
          e.resource ?? '-',
          e.ip ?? '-',
        ]),
      ),
    );
  });
}
