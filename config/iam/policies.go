// Package iam holds the operator's IAM policies, the JSON documents beside this file, and
// renders them for one cluster: ${CLUSTER_NAME} in them stands for the manager's
// --cluster-name, which every resource's flaskops.io/cluster tag and name carries.
package iam

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/flaskops/flask-operator/internal/cloud"
)

//go:embed operator-policy-*.json permissions-boundary.json
var documents embed.FS

//go:embed unused-grants.md
var unusedGrants string

// Placeholder stands for the cluster's name in the documents.
const Placeholder = "${CLUSTER_NAME}"

// BoundaryPath is the IAM path of the permissions boundary policy.
const BoundaryPath = "/flaskops/"

// BoundaryName is the name of cluster's permissions boundary policy.
func BoundaryName(cluster string) string { return cluster + "-boundary" }

// BoundaryARN is the permissions boundary every role the operator creates must carry: the
// policy permissions-boundary.json, created as BoundaryName under BoundaryPath.
func BoundaryARN(account, cluster string) string {
	return "arn:aws:iam::" + account + ":policy" + BoundaryPath + BoundaryName(cluster)
}

// OperatorPolicies are the operator's policies for cluster by file name, to attach to the
// manager's AWS identity together: one document would exceed IAM's 6,144 characters for a
// managed policy.
func OperatorPolicies(cluster string) (map[string][]byte, error) {
	names, err := fs.Glob(documents, "operator-policy-*.json")
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(names))
	for _, name := range names {
		if out[name], err = render(name, cluster); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OperatorPolicy is every statement of OperatorPolicies in one document, which IAM
// evaluates as it does the policies attached together: what awssim --iam-policy takes.
func OperatorPolicy(cluster string) ([]byte, error) {
	docs, err := OperatorPolicies(cluster)
	if err != nil {
		return nil, err
	}
	var all []json.RawMessage
	for _, name := range slices.Sorted(maps.Keys(docs)) {
		var doc struct{ Statement []json.RawMessage }
		if err := json.Unmarshal(docs[name], &doc); err != nil {
			return nil, fmt.Errorf("decode %s: %w", name, err)
		}
		all = append(all, doc.Statement...)
	}
	return json.MarshalIndent(map[string]any{"Version": "2012-10-17", "Statement": all}, "", "  ")
}

// PermissionsBoundary is the boundary policy for cluster.
func PermissionsBoundary(cluster string) ([]byte, error) {
	return render("permissions-boundary.json", cluster)
}

// AllowedActions are the actions a policy document's Allow statements name, sorted: what
// a test compares with the actions a simulated life used.
func AllowedActions(doc []byte) ([]string, error) {
	var d struct {
		Statement []struct {
			Effect string
			Action json.RawMessage
		}
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("decode policy: %w", err)
	}
	set := map[string]bool{}
	for _, s := range d.Statement {
		if s.Effect != "Allow" {
			continue
		}
		var actions []string
		if err := json.Unmarshal(s.Action, &actions); err != nil {
			var one string
			if err := json.Unmarshal(s.Action, &one); err != nil {
				return nil, fmt.Errorf("decode Action %s: %w", s.Action, err)
			}
			actions = []string{one}
		}
		for _, a := range actions {
			set[a] = true
		}
	}
	return slices.Sorted(maps.Keys(set)), nil
}

// UnusedGrants are the actions of unused-grants.md with why no test flow uses them: the
// rows "| `action` | why |" of its table.
func UnusedGrants() (map[string]string, error) {
	out := map[string]string{}
	for i, line := range strings.Split(unusedGrants, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		action := strings.Trim(strings.TrimSpace(cells[1]), "`")
		why := strings.TrimSpace(cells[2])
		if why == "" {
			return nil, fmt.Errorf("unused-grants.md:%d: %s has no reason", i+1, action)
		}
		if _, dup := out[action]; dup {
			return nil, fmt.Errorf("unused-grants.md:%d: %s listed twice", i+1, action)
		}
		out[action] = why
	}
	return out, nil
}

func render(name, cluster string) ([]byte, error) {
	if _, err := cloud.ClusterName(cluster, false); err != nil {
		return nil, err
	}
	b, err := documents.ReadFile(name)
	if err != nil {
		return nil, err
	}
	b = bytes.ReplaceAll(b, []byte(Placeholder), []byte(cluster))
	if i := bytes.Index(b, []byte("${")); i >= 0 {
		return nil, fmt.Errorf("%s: unknown placeholder at %q", name, b[i:min(len(b), i+24)])
	}
	return b, nil
}
