import { AppError } from '../errors';
import { hasRole } from './actor';
import type { Actor, Role } from './actor';

/** Throws `login_required` for anonymous callers and `forbidden` for a missing role. */
export function requireRole(actor: Actor | undefined, role: Role): Actor {
  if (!actor) throw new AppError('login_required', 'log in to do this');
  if (!hasRole(actor, role)) throw new AppError('forbidden', `this needs the ${role} role`);
  return actor;
}
