//go:build ignore

// Generates the two files the provider's main embeds, as upstream's
// cmd/pulumi-resource-kubernetes/generate.go does at release time:
//
//	go run ./gen/main.go <module dir>/cmd/pulumi-resource-kubernetes <version> <out dir>
//
// schema-embed.json: the module zip's schema.json with "version" set;
// terraform-mapping-embed.json: terraform-mapping.json, minified.
package main

import (
	"encoding/json"
	"log"
	"os"
	"path/filepath"
)

func rewrite(in, out string, edit func(map[string]any)) {
	b, err := os.ReadFile(in)
	if err != nil {
		log.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		log.Fatalf("%s: %v", in, err)
	}
	if edit != nil {
		edit(v)
	}
	b, err = json.Marshal(v)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		log.Fatal(err)
	}
}

func main() {
	if len(os.Args) != 4 {
		log.Fatal("usage: gen <src dir> <version> <out dir>")
	}
	src, version, out := os.Args[1], os.Args[2], os.Args[3]
	rewrite(filepath.Join(src, "schema.json"), filepath.Join(out, "schema-embed.json"),
		func(m map[string]any) { m["version"] = version })
	rewrite(filepath.Join(src, "terraform-mapping.json"), filepath.Join(out, "terraform-mapping-embed.json"), nil)
}
