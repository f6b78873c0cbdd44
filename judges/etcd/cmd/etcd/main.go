// etcd's own main (module go.etcd.io/etcd/v3) is a one-liner around etcdmain.Main;
// this is the same, built against the go.etcd.io/etcd/server/v3 release.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
