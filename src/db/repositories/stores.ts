import type { Db } from '../knex.js';
import { StoreModel } from '../models/index.js';

export interface Store {
  id: number;
  name: string;
  address: string;
  phone: string | null;
}

export type StoreInput = Omit<Store, 'id'>;

const toStore = (m: StoreModel): Store => ({ id: m.id, name: m.name, address: m.address, phone: m.phone ?? null });

export async function listStores(db: Db): Promise<Store[]> {
  return (await StoreModel.query(db).orderBy('id')).map(toStore);
}

export async function findStore(db: Db, id: number): Promise<Store | null> {
  const m = await StoreModel.query(db).findById(id);
  return m ? toStore(m) : null;
}

export async function insertStore(db: Db, input: StoreInput): Promise<Store> {
  return toStore(await StoreModel.query(db).insertAndFetch(input));
}

export async function updateStore(db: Db, id: number, patch: Partial<StoreInput>): Promise<Store | null> {
  const m = await StoreModel.query(db).patchAndFetchById(id, { ...patch, updatedAt: new Date() } as Partial<StoreModel>);
  return m ? toStore(m) : null;
}

export async function deleteStore(db: Db, id: number): Promise<boolean> {
  return (await StoreModel.query(db).deleteById(id)) > 0;
}
