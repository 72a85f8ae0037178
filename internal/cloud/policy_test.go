package cloud

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// statement is one statement of an IAM policy; Action is a list in our policy.
type statement struct {
	Effect    string
	Action    []string
	Resource  string
	Condition map[string]map[string]any
}

func readPolicy(t *testing.T) []statement {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "config", "iam", "operator-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Statement []statement }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("operator-policy.json: %v", err)
	}
	return doc.Statement
}

// Every method of the narrow client interfaces is an AWS operation a stage calls; the
// published policy must allow each, or the operator fails on real AWS with AccessDenied.
func TestPolicyAllowsEveryOperationTheStagesCall(t *testing.T) {
	allowed := map[string]bool{}
	for _, s := range readPolicy(t) {
		if s.Effect == "Allow" {
			for _, a := range s.Action {
				allowed[a] = true
			}
		}
	}
	for prefix, api := range map[string][]any{
		"ec2":                     {(*NetworkEC2)(nil), (*ServiceEC2)(nil)},
		"ecr":                     {(*ECRAPI)(nil)},
		"ssm":                     {(*SSMAPI)(nil)},
		"elasticloadbalancing":    {(*ELBv2API)(nil)},
		"ecs":                     {(*ECSAPI)(nil)},
		"iam":                     {(*IAMAPI)(nil)},
		"logs":                    {(*LogsAPI)(nil)},
		"application-autoscaling": {(*AutoScalingAPI)(nil)},
	} {
		for _, ptr := range api {
			typ := reflect.TypeOf(ptr).Elem()
			for i := range typ.NumMethod() {
				if action := prefix + ":" + typ.Method(i).Name; !allowed[action] {
					t.Errorf("%s calls %s, which config/iam/operator-policy.json does not allow", typ.Name(), action)
				}
			}
		}
	}
}

// IAM is the dangerous part: the operator may only manage and pass its own roles.
func TestPolicyScopesIAMToTheOperatorsRoles(t *testing.T) {
	for _, s := range readPolicy(t) {
		for _, a := range s.Action {
			switch {
			case a == "iam:CreateServiceLinkedRole":
				if s.Condition["StringEquals"]["iam:AWSServiceName"] == nil {
					t.Errorf("%s without an iam:AWSServiceName condition", a)
				}
			case a == "iam:PassRole":
				if s.Resource != "arn:aws:iam::*:role/flaskops/*" || s.Condition["StringEquals"]["iam:PassedToService"] != "ecs-tasks.amazonaws.com" {
					t.Errorf("iam:PassRole on %s with %v, want only /flaskops/ roles passed to ECS tasks", s.Resource, s.Condition)
				}
			case strings.HasPrefix(a, "iam:"):
				if s.Resource != "arn:aws:iam::*:role/flaskops/*" {
					t.Errorf("%s on %s, want only the operator's /flaskops/ roles", a, s.Resource)
				}
			}
		}
	}
	if !slices.ContainsFunc(readPolicy(t), func(s statement) bool { return slices.Contains(s.Action, "iam:PassRole") }) {
		t.Error("no iam:PassRole: ECS cannot be given the task execution role")
	}
}
