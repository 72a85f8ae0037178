package controllers

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// The manager's roles grant nothing by wildcard, and Secrets only get: a list or watch
// would hand it every Secret of the cluster, where it reads one key of one Secret in the
// object's own namespace.
func TestRBACIsLeastPrivilege(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "config", "rbac", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	manager := false
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range strings.Split(string(b), "\n---") {
			var role struct {
				Kind     string
				Metadata struct{ Name string }
				Rules    []rbacv1.PolicyRule
			}
			if err := yaml.Unmarshal([]byte(doc), &role); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if role.Kind != "Role" && role.Kind != "ClusterRole" {
				continue
			}
			manager = manager || role.Metadata.Name == "manager-role"
			for _, r := range role.Rules {
				for field, values := range map[string][]string{"apiGroups": r.APIGroups, "resources": r.Resources,
					"verbs": r.Verbs, "resourceNames": r.ResourceNames, "nonResourceURLs": r.NonResourceURLs} {
					if slices.ContainsFunc(values, func(v string) bool { return strings.Contains(v, "*") }) {
						t.Errorf("%s: rule %v grants %s by wildcard", f, r, field)
					}
				}
				if slices.Contains(r.APIGroups, "") && slices.Contains(r.Resources, "secrets") {
					if extra := slices.DeleteFunc(slices.Clone(r.Verbs), func(v string) bool { return v == "get" }); len(extra) > 0 {
						t.Errorf("%s: Secrets %v, want get only", f, extra)
					}
				}
			}
		}
	}
	if !manager {
		t.Fatal("no manager-role in config/rbac")
	}
}
