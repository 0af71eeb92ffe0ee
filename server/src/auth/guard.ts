import { AppError } from '../errors';
import { hasRole } from './actor';
import type { Actor, Role } from './actor';

/** The refusal of an actor lacking all of `roles`; when its own role was kept back here, why. */
function lacking(actor: Actor, roles: Role[], message: string): AppError {
  const held = actor.withheld;
  if (held && roles.some((r) => hasRole({ ...actor, role: held.role }, r))) return new AppError('forbidden', held.reason);
  return new AppError('forbidden', message);
}

/**
 * Every write goes through here: anonymous → `login_required`, unverified address →
 * `email_not_verified`, missing role (or one kept back from this request) → `forbidden`.
 */
export function requireRole(actor: Actor | undefined, role: Role): Actor {
  if (!actor) throw new AppError('login_required', 'log in to do this');
  if (!actor.emailVerified) throw new AppError('email_not_verified', 'confirm your e-mail address first (see the link we sent you)');
  if (!hasRole(actor, role)) throw lacking(actor, [role], `this needs the ${role} role`);
  return actor;
}

/** Like requireRole, for an action open to several roles (admins always pass). */
export function requireAnyRole(actor: Actor | undefined, roles: Role[]): Actor {
  if (!actor) throw new AppError('login_required', 'log in to do this');
  if (!actor.emailVerified) throw new AppError('email_not_verified', 'confirm your e-mail address first (see the link we sent you)');
  if (!roles.some((r) => hasRole(actor, r))) throw lacking(actor, roles, `this needs one of the roles ${roles.join(', ')}`);
  return actor;
}

/**
 * For what any account may do but that belongs to a staff member's trust when they are one (their
 * API tokens): refused while their staff role is kept back from this request.
 */
export function requireRightsHeld(actor: Actor | undefined): void {
  if (actor?.withheld) throw new AppError('forbidden', actor.withheld.reason);
}
