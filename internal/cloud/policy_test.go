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
		"ecs":                     {(*ECSAPI)(nil), (*DeployedTaskDefinitions)(nil)},
		"iam":                     {(*IAMAPI)(nil), (*PipelineIAM)(nil)},
		"logs":                    {(*LogsAPI)(nil), (*BuildLogsAPI)(nil)},
		"application-autoscaling": {(*AutoScalingAPI)(nil)},
		"s3":                      {(*ArtifactsS3)(nil)},
		"codebuild":               {(*CodeBuildAPI)(nil)},
		"codepipeline":            {(*CodePipelineAPI)(nil)},
		"codestar-connections":    {(*ConnectionsAPI)(nil)},
		"sts":                     {(*IdentityAPI)(nil)},
	} {
		for _, ptr := range api {
			typ := reflect.TypeOf(ptr).Elem()
			for i := range typ.NumMethod() {
				op := prefix + ":" + typ.Method(i).Name
				actions, renamed := s3Actions[op]
				if !renamed {
					actions = []string{op}
				}
				for _, action := range actions {
					if !allowed[action] {
						t.Errorf("%s calls %s, which needs %s: config/iam/operator-policy.json does not allow it", typ.Name(), op, action)
					}
				}
			}
		}
	}
}

// s3Actions are the IAM actions of the S3 operations whose action is not named after
// them (the Service Authorization Reference). Deleting versions and delete markers is
// s3:DeleteObjectVersion.
var s3Actions = map[string][]string{
	"s3:GetPublicAccessBlock":            {"s3:GetBucketPublicAccessBlock"},
	"s3:PutPublicAccessBlock":            {"s3:PutBucketPublicAccessBlock"},
	"s3:GetBucketEncryption":             {"s3:GetEncryptionConfiguration"},
	"s3:PutBucketEncryption":             {"s3:PutEncryptionConfiguration"},
	"s3:GetBucketLifecycleConfiguration": {"s3:GetLifecycleConfiguration"},
	"s3:PutBucketLifecycleConfiguration": {"s3:PutLifecycleConfiguration"},
	"s3:ListObjectVersions":              {"s3:ListBucketVersions"},
	"s3:DeleteObjects":                   {"s3:DeleteObject", "s3:DeleteObjectVersion"},
	"s3:CreateBucket":                    {"s3:CreateBucket", "s3:TagResource"}, // created with its tags
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
				services, _ := s.Condition["StringEquals"]["iam:PassedToService"].([]any)
				if s.Resource != "arn:aws:iam::*:role/flaskops/*" || !reflect.DeepEqual(services, []any{"codebuild.amazonaws.com", "codepipeline.amazonaws.com", "ecs-tasks.amazonaws.com"}) {
					t.Errorf("iam:PassRole on %s with %v, want only /flaskops/ roles passed to ECS tasks, CodeBuild and CodePipeline", s.Resource, s.Condition)
				}
			case strings.HasPrefix(a, "iam:"):
				if s.Resource != "arn:aws:iam::*:role/flaskops/*" {
					t.Errorf("%s on %s, want only the operator's /flaskops/ roles", a, s.Resource)
				}
			}
		}
	}
	if !slices.ContainsFunc(readPolicy(t), func(s statement) bool { return slices.Contains(s.Action, "iam:PassRole") }) {
		t.Error("no iam:PassRole: ECS, CodeBuild and CodePipeline cannot be given their roles")
	}
}
