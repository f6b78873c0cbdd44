// Package prov is a small gRPC ResourceProvider frame for stand-in Pulumi providers:
// every input change replaces the resource (as the Terraform schemas of random_password
// and the tls_* resources force), Create computes outputs, Read returns the state as is,
// Delete forgets. Secrets and unknowns are kept on the wire.
package prov

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Resource is one resource type: Defaults fills absent inputs; Create returns the ID and
// the outputs to add to the inputs (plain values; the frame marks Secret ones secret).
type Resource struct {
	Defaults map[string]resource.PropertyValue
	Outputs  []string // output names, shown as unknown in previews
	Secret   []string // outputs (or inputs) to mark secret
	Create   func(in resource.PropertyMap) (string, resource.PropertyMap, error)
}

type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer
	Name, Version string
	Resources     map[string]*Resource // keyed by type token, e.g. "random:index/randomPassword:RandomPassword"
}

var (
	keep  = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}
	plain = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: false, SkipNulls: true}
)

func unmarshal(s *structpb.Struct, o plugin.MarshalOptions) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, o)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) { return plugin.MarshalProperties(m, keep) }

func (p *Provider) res(typ string) (*Resource, error) {
	r, ok := p.Resources[typ]
	if !ok {
		return nil, status.Errorf(codes.InvalidArgument, "%s: unknown resource type %q (this stand-in provider implements only %v)", p.Name, typ, p.types())
	}
	return r, nil
}

func (p *Provider) types() []string {
	var ts []string
	for t := range p.Resources {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

func typeOf(urn, typ string) string {
	if typ != "" {
		return typ
	}
	return string(resource.URN(urn).Type())
}

func (p *Provider) Handshake(context.Context, *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true, AcceptResources: true}, nil
}

func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.Version}, nil
}

func (p *Provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	b, _ := json.Marshal(map[string]any{"name": p.Name, "version": p.Version})
	return &pulumirpc.GetSchemaResponse{Schema: string(b)}, nil
}

func (p *Provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.News}, nil
}

func (p *Provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *Provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true}, nil
}

func (p *Provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *Provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	r, err := p.res(typeOf(req.Urn, req.Type))
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.News, keep)
	if err != nil {
		return nil, err
	}
	for k, v := range r.Defaults {
		if _, ok := news[resource.PropertyKey(k)]; !ok {
			news[resource.PropertyKey(k)] = v
		}
	}
	s, err := marshal(news)
	return &pulumirpc.CheckResponse{Inputs: s}, err
}

func (p *Provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	r, err := p.res(typeOf(req.Urn, req.Type))
	if err != nil {
		return nil, err
	}
	oldS := req.OldInputs
	if oldS == nil {
		oldS = req.Olds
	}
	olds, err := unmarshal(oldS, plain)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.News, plain)
	if err != nil {
		return nil, err
	}
	// Inputs only: outputs in olds (when OldInputs is absent) are not compared.
	isOutput := map[string]bool{}
	for _, o := range r.Outputs {
		isOutput[o] = true
	}
	ignore := map[string]bool{}
	for _, k := range req.IgnoreChanges {
		ignore[k] = true
	}
	var changed []string
	keys := map[resource.PropertyKey]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	for k := range keys {
		if isOutput[string(k)] || ignore[string(k)] {
			continue
		}
		o, n := olds[k], news[k]
		if n.ContainsUnknowns() || !o.DeepEquals(n) {
			changed = append(changed, string(k))
		}
	}
	sort.Strings(changed)
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Replaces: changed, Diffs: changed}, nil
}

func (p *Provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	r, err := p.res(typeOf(req.Urn, req.Type))
	if err != nil {
		return nil, err
	}
	ins, err := unmarshal(req.Properties, keep)
	if err != nil {
		return nil, err
	}
	out := ins.Copy()
	id := ""
	if req.Preview || ins.ContainsUnknowns() {
		for _, o := range r.Outputs {
			out[resource.PropertyKey(o)] = resource.MakeComputed(resource.NewStringProperty(""))
		}
	} else {
		plainIns, err := unmarshal(req.Properties, plain)
		if err != nil {
			return nil, err
		}
		var outs resource.PropertyMap
		id, outs, err = r.Create(plainIns)
		if err != nil {
			return nil, err
		}
		for k, v := range outs {
			out[k] = v
		}
	}
	for _, s := range r.Secret {
		k := resource.PropertyKey(s)
		if v, ok := out[k]; ok && !v.IsSecret() && !v.IsComputed() {
			out[k] = resource.MakeSecret(v)
		}
	}
	st, err := marshal(out)
	return &pulumirpc.CreateResponse{Id: id, Properties: st}, err
}

func (p *Provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.Id, Properties: req.Properties, Inputs: req.Inputs}, nil
}

func (p *Provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	// Only reached for changes Diff did not flag (none): keep the old outputs, take the new inputs.
	olds, err := unmarshal(req.Olds, keep)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.News, keep)
	if err != nil {
		return nil, err
	}
	for k, v := range news {
		olds[k] = v
	}
	st, err := marshal(olds)
	return &pulumirpc.UpdateResponse{Properties: st}, err
}

func (p *Provider) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// Serve runs the provider as a Pulumi plugin: prints its port, serves until the engine goes.
func Serve(p *Provider) {
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.String("tracing", "", "ignored")
	flag.Parse()
	if *showVersion {
		fmt.Println(p.Version)
		return
	}
	cancel := make(chan bool)
	if args := flag.Args(); len(args) > 0 {
		ctx, stop := context.WithCancel(context.Background())
		go func() { <-ctx.Done(); close(cancel) }()
		if err := rpcutil.Healthcheck(ctx, args[0], 5*time.Minute, stop); err != nil {
			cmdutil.Exit(err)
		}
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, p)
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(err)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// Helpers for Create funcs.

func Str(m resource.PropertyMap, k string) string {
	if v, ok := m[resource.PropertyKey(k)]; ok && v.IsString() {
		return v.StringValue()
	}
	return ""
}

func Num(m resource.PropertyMap, k string) float64 {
	if v, ok := m[resource.PropertyKey(k)]; ok && v.IsNumber() {
		return v.NumberValue()
	}
	return 0
}

func Bool(m resource.PropertyMap, k string) bool {
	if v, ok := m[resource.PropertyKey(k)]; ok && v.IsBool() {
		return v.BoolValue()
	}
	return false
}

func Strs(m resource.PropertyMap, k string) []string {
	var out []string
	if v, ok := m[resource.PropertyKey(k)]; ok && v.IsArray() {
		for _, e := range v.ArrayValue() {
			if e.IsString() {
				out = append(out, e.StringValue())
			}
		}
	}
	return out
}

func Obj(m resource.PropertyMap, k string) resource.PropertyMap {
	if v, ok := m[resource.PropertyKey(k)]; ok && v.IsObject() {
		return v.ObjectValue()
	}
	return resource.PropertyMap{}
}
