import type { Db } from '../knex.js';
import { UserModel, type Role } from '../models/index.js';

export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
}

export interface UserWithHash extends User {
  passwordHash: string;
}

const toUser = (m: UserModel): User => ({ id: m.id, email: m.email, name: m.name, role: m.role });

/** Inserts a user; returns null when the email (case-insensitively) is taken. */
export async function insertUser(db: Db, input: { email: string; passwordHash: string; name: string; role: Role }): Promise<User | null> {
  const { rows } = await db.raw<{ rows: { id: number }[] }>(
    `INSERT INTO users (email, password_hash, name, role) VALUES (?, ?, ?, ?)
     ON CONFLICT ((lower(email))) DO NOTHING RETURNING id`,
    [input.email, input.passwordHash, input.name, input.role],
  );
  const row = rows[0];
  return row ? { id: row.id, email: input.email, name: input.name, role: input.role } : null;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserWithHash | null> {
  const m = await UserModel.query(db).whereRaw('lower(email) = lower(?)', [email]).first();
  return m ? { ...toUser(m), passwordHash: m.passwordHash } : null;
}

export async function findUserById(db: Db, id: number): Promise<User | null> {
  const m = await UserModel.query(db).findById(id);
  return m ? toUser(m) : null;
}

/** Makes the account an admin with this password, creating it if needed. */
export async function upsertAdmin(db: Db, input: { email: string; passwordHash: string; name: string }): Promise<User> {
  const { rows } = await db.raw<{ rows: { id: number; email: string; name: string }[] }>(
    `INSERT INTO users (email, password_hash, name, role) VALUES (?, ?, ?, 'ADMIN')
     ON CONFLICT ((lower(email))) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = 'ADMIN'
     RETURNING id, email, name`,
    [input.email, input.passwordHash, input.name],
  );
  const row = rows[0]!;
  return { id: row.id, email: row.email, name: row.name, role: 'ADMIN' };
}
