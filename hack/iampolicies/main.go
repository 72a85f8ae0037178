// Command iampolicies writes config/iam's policies rendered for one cluster: each
// operator-policy-*.json to attach to the manager's identity, permissions-boundary.json,
// and operator-policy.json, all operator statements in one document for awssim --iam-policy.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	iampolicy "github.com/flaskops/flask-operator/config/iam"
)

func main() {
	cluster := flag.String("cluster-name", "", "the manager's --cluster-name")
	out := flag.String("out", "bin/iam", "directory to write the policies into")
	flag.Parse()
	if err := run(*cluster, *out); err != nil {
		fmt.Fprintln(os.Stderr, "iampolicies:", err)
		os.Exit(1)
	}
}

func run(cluster, out string) error {
	docs, err := iampolicy.OperatorPolicies(cluster)
	if err != nil {
		return fmt.Errorf("render operator policies: %w", err)
	}
	if docs["operator-policy.json"], err = iampolicy.OperatorPolicy(cluster); err != nil {
		return fmt.Errorf("merge operator policies: %w", err)
	}
	if docs["permissions-boundary.json"], err = iampolicy.PermissionsBoundary(cluster); err != nil {
		return fmt.Errorf("render permissions boundary: %w", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for name, doc := range docs {
		if err := os.WriteFile(filepath.Join(out, name), doc, 0o644); err != nil {
			return err
		}
	}
	return nil
}
