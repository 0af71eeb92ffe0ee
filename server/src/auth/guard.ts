import { AppError } from '../errors';
import { hasRole } from './actor';
import type { Actor, Role } from './actor';

/**
 * Every write goes through here: anonymous → `login_required`, unverified address →
 * `email_not_verified`, missing role → `forbidden`.
 */
export function requireRole(actor: Actor | undefined, role: Role): Actor {
  if (!actor) throw new AppError('login_required', 'log in to do this');
  if (!actor.emailVerified) throw new AppError('email_not_verified', 'confirm your e-mail address first (see the link we sent you)');
  if (!hasRole(actor, role)) throw new AppError('forbidden', `this needs the ${role} role`);
  return actor;
}

/** Like requireRole, for an action open to several roles (admins always pass). */
export function requireAnyRole(actor: Actor | undefined, roles: Role[]): Actor {
  if (!actor) throw new AppError('login_required', 'log in to do this');
  if (!actor.emailVerified) throw new AppError('email_not_verified', 'confirm your e-mail address first (see the link we sent you)');
  if (!roles.some((r) => hasRole(actor, r))) throw new AppError('forbidden', `this needs one of the roles ${roles.join(', ')}`);
  return actor;
}
