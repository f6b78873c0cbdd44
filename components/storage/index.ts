export { ZooKeeperStorage, ZooKeeperStorageArgs, StorageClassOptions } from "./storage-class";
