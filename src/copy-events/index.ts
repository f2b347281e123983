export {
  copyEvents,
  differenceBetween,
  TargetChanged,
  TargetDiverges,
  type CopyEventsOptions,
  type CopyProgress,
  type CopyReport,
} from './copy-events.js';
export { COPY_EVENTS_USAGE, parseCopyEventsArgs, type CopyEventsArgs, type ParsedCopyEventsArgs } from './copy-events.args.js';
export { runCopyEventsCli, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, type CopyEventsCliIo } from './copy-events.cli.js';
export { openStore, StoreUnavailable } from './open-store.js';
export { describeStoreAddress, parseStoreAddress, StoreAddressError, type StoreAddress } from './store-address.js';
