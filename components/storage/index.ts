export { ZooKeeperStorage, ZooKeeperStorageArgs, renderStorageClass, LOCAL_PATH_PROVISIONER, StorageClassOptions } from "./storage-class";
