/**
 * The Teams user id (`29:…`) of people who clicked a card, by Entra object id: approval cards name
 * approvers in `refresh.userIds`, which takes Teams ids only.
 */
import { readOne, type KeyValueStore } from './kv';

const keyOf = (aadObjectId: string): string => `teams/mri/${aadObjectId.toLowerCase()}`;

export class TeamsIdStore {
  constructor(private readonly store: KeyValueStore) {}

  async get(aadObjectId: string): Promise<string | undefined> {
    return (await readOne<{ mri: string }>(this.store, keyOf(aadObjectId)))?.mri;
  }

  /** Stores the id unless it is already the one stored (no write per click). */
  async remember(aadObjectId: string, mri: string): Promise<void> {
    if ((await this.get(aadObjectId)) !== mri) await this.store.write({ [keyOf(aadObjectId)]: { mri } });
  }
}
