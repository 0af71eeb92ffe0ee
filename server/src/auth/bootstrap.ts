import type { AppContext } from '../context';
import { createUserDirect } from './users.service';
import { findUserByEmail } from './users.repo';
import { Email } from '@liveticker/schemas';

/** ADMIN_EMAIL/ADMIN_PASSWORD: creates that admin on first start; later starts leave it alone. */
export async function bootstrapAdmin(ctx: Pick<AppContext, 'db' | 'config' | 'logger'>): Promise<void> {
  const { adminEmail, adminPassword } = ctx.config;
  if (!adminEmail || !adminPassword) return;
  const email = Email.parse(adminEmail);
  if (await findUserByEmail(ctx.db, email)) return;
  await createUserDirect(ctx, { email, password: adminPassword, displayName: 'Admin', role: 'admin' });
  ctx.logger.info({ module: 'auth', email }, 'created the first admin from ADMIN_EMAIL');
}
