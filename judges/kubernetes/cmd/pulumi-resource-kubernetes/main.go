// Our own main for the pulumi-kubernetes provider: the upstream main embeds
// files generated at release time (schema-embed.json, terraform-mapping-embed.json)
// that are not in the module zip. build.sh generates them next to this file
// from the module zip's schema.json / terraform-mapping.json (see gen/).
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
