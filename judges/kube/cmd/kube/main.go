// One binary for the Kubernetes control plane: kube-apiserver, kube-controller-manager,
// kube-scheduler (and kubectl, for kwokctl kubectl and tests) share one compile and link. The component is chosen by the name
// the binary is invoked as (argv[0], e.g. a symlink named kube-apiserver) or, failing
// that, by the first argument (`kube kube-apiserver --flags...`).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "time/tzdata" // for CronJob time zone support

	"github.com/spf13/cobra"
	_ "k8s.io/client-go/plugin/pkg/client/auth" // client auth plugins, as kubectl's main
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubectl "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
)

var components = map[string]func() *cobra.Command{
	"kube-apiserver":          apiserver.NewAPIServerCommand,
	"kube-controller-manager": controllermanager.NewControllerManagerCommand,
	"kube-scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
	"kubectl":                 kubectl.NewDefaultKubectlCommand,
}

func main() {
	name := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	newCmd, ok := components[name]
	if !ok && len(os.Args) > 1 {
		if newCmd, ok = components[os.Args[1]]; ok {
			os.Args = append([]string{os.Args[1]}, os.Args[2:]...)
		}
	}
	if !ok {
		fmt.Fprintln(os.Stderr, "usage: kube {kube-apiserver|kube-controller-manager|kube-scheduler|kubectl} [flags], or call it through a link of that name")
		os.Exit(2)
	}
	if name == "kubectl" || os.Args[0] == "kubectl" {
		// as k8s.io/kubernetes/cmd/kubectl: verbosity first, errors printed kubectl's way
		_, _ = logs.GlogSetter(kubectl.GetLogVerbosity(os.Args))
		if err := cli.RunNoErrOutput(newCmd()); err != nil {
			kubectlutil.CheckErr(err)
		}
		return
	}
	os.Exit(cli.Run(newCmd()))
}
