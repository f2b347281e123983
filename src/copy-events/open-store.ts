import type { EventStore } from '../event-store/index.js';
import { embeddedStoreExists, embeddedStoreFile, openEventStoreAt } from '../event-store/open-event-store.js';
import { describeStoreAddress, type StoreAddress } from './store-address.js';

/** A store copy-events cannot open; the message names it. */
export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable';
}

/**
 * Opens a store for copying. A KurrentDB server must answer its ping. An embedded source must
 * already exist: opening a mistyped directory would create an empty store and copy nothing,
 * successfully. An embedded target is created when missing.
 */
export async function openStore(address: StoreAddress, role: 'source' | 'target'): Promise<EventStore> {
  if (address.kind === 'kurrentdb') return openEventStoreAt(address);
  if (role === 'source' && !embeddedStoreExists(address.dataDir)) {
    throw new StoreUnavailable(
      `the source ${describeStoreAddress(address)} holds no event store (${embeddedStoreFile(address.dataDir)} does not exist)`,
    );
  }
  try {
    return await openEventStoreAt(address);
  } catch (error) {
    throw new StoreUnavailable(`the ${role} ${describeStoreAddress(address)} cannot be opened: ${(error as Error).message}`);
  }
}
