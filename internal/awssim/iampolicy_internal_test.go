package awssim

import (
	"strings"
	"testing"
)

func TestIdentityPolicyEvaluate(t *testing.T) {
	const vpcs = "arn:aws:ec2:us-east-1:123456789012:vpc/*"
	const subnet = "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-1"
	const role = "arn:aws:iam::123456789012:role/flaskops/app-exec"
	// stmt wraps statements in a policy document.
	stmt := func(s ...string) string {
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(s, ",") + `]}`
	}
	allowCond := func(cond string) string {
		return stmt(`{"Effect":"Allow","Action":"ec2:DeleteSubnet","Resource":"*","Condition":` + cond + `}`)
	}
	owner := map[string][]string{"aws:resourcetag/owner": {"team-a"}}
	for _, tc := range []struct {
		name     string
		policy   string
		action   string
		resource string
		ctx      map[string][]string
		want     policyDecision
	}{
		{name: "nothing allows: implicit deny", policy: stmt(`{"Effect":"Allow","Action":"ec2:CreateVpc","Resource":"*"}`),
			action: "ec2:DeleteVpc", resource: vpcs, want: implicitDeny},
		{name: "allow", policy: stmt(`{"Effect":"Allow","Action":"ec2:CreateVpc","Resource":"*"}`),
			action: "ec2:CreateVpc", resource: vpcs, want: allowed},
		{name: "deny wins over allow", policy: stmt(`{"Effect":"Allow","Action":"*","Resource":"*"}`,
			`{"Effect":"Deny","Action":"ec2:CreateVpc","Resource":"*"}`),
			action: "ec2:CreateVpc", resource: vpcs, want: explicitDeny},
		{name: "deny of another action leaves the allow", policy: stmt(`{"Effect":"Allow","Action":"*","Resource":"*"}`,
			`{"Effect":"Deny","Action":"ec2:DeleteVpc","Resource":"*"}`),
			action: "ec2:CreateVpc", resource: vpcs, want: allowed},
		{name: "action wildcard", policy: stmt(`{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}`),
			action: "ec2:DescribeVpcs", resource: "*", want: allowed},
		{name: "action wildcard does not reach another service", policy: stmt(`{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}`),
			action: "ecs:DescribeServices", resource: "*", want: implicitDeny},
		{name: "single-character action wildcard", policy: stmt(`{"Effect":"Allow","Action":"ec2:CreateVp?","Resource":"*"}`),
			action: "ec2:CreateVpc", resource: vpcs, want: allowed},
		{name: "action names match case-insensitively", policy: stmt(`{"Effect":"Allow","Action":"EC2:describevpcs","Resource":"*"}`),
			action: "ec2:DescribeVpcs", resource: "*", want: allowed},
		{name: "action list", policy: stmt(`{"Effect":"Allow","Action":["ec2:CreateVpc","ec2:DeleteVpc"],"Resource":"*"}`),
			action: "ec2:DeleteVpc", resource: vpcs, want: allowed},
		{name: "single statement object", policy: `{"Statement":{"Effect":"Allow","Action":"ec2:CreateVpc","Resource":"*"}}`,
			action: "ec2:CreateVpc", resource: vpcs, want: allowed},
		{name: "resource ARN pattern", policy: stmt(`{"Effect":"Allow","Action":"iam:GetRole","Resource":"arn:aws:iam::*:role/flaskops/*"}`),
			action: "iam:GetRole", resource: role, want: allowed},
		{name: "resource ARN pattern misses another path", policy: stmt(`{"Effect":"Allow","Action":"iam:GetRole","Resource":"arn:aws:iam::*:role/flaskops/*"}`),
			action: "iam:GetRole", resource: "arn:aws:iam::123456789012:role/admin", want: implicitDeny},
		{name: "resource ? wildcard", policy: stmt(`{"Effect":"Allow","Action":"ec2:DeleteSubnet","Resource":"arn:aws:ec2:us-east-1:*:subnet/subnet-?"}`),
			action: "ec2:DeleteSubnet", resource: subnet, want: allowed},
		{name: "resource ARNs match case-sensitively", policy: stmt(`{"Effect":"Allow","Action":"iam:GetRole","Resource":"arn:aws:iam::*:role/FlaskOps/*"}`),
			action: "iam:GetRole", resource: role, want: implicitDeny},
		{name: "an ARN-scoped allow does not cover a \"*\" resource", policy: stmt(`{"Effect":"Allow","Action":"ec2:DescribeVpcs","Resource":"arn:aws:ec2:*:*:vpc/*"}`),
			action: "ec2:DescribeVpcs", resource: "*", want: implicitDeny},
		{name: "NotAction allows what it does not name", policy: stmt(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`),
			action: "ec2:CreateVpc", resource: vpcs, want: allowed},
		{name: "NotAction leaves what it names", policy: stmt(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`),
			action: "iam:CreateRole", resource: role, want: implicitDeny},
		{name: "Deny with NotAction denies the rest", policy: stmt(`{"Effect":"Allow","Action":"*","Resource":"*"}`,
			`{"Effect":"Deny","NotAction":["ec2:*"],"Resource":"*"}`),
			action: "iam:CreateRole", resource: role, want: explicitDeny},
		{name: "NotResource allows other resources", policy: stmt(`{"Effect":"Allow","Action":"iam:*","NotResource":"arn:aws:iam::*:role/admin*"}`),
			action: "iam:GetRole", resource: role, want: allowed},
		{name: "NotResource leaves the named ones", policy: stmt(`{"Effect":"Allow","Action":"iam:*","NotResource":"arn:aws:iam::*:role/admin*"}`),
			action: "iam:GetRole", resource: "arn:aws:iam::123456789012:role/admin-x", want: implicitDeny},

		{name: "StringEquals on a resource tag", policy: allowCond(`{"StringEquals":{"aws:ResourceTag/owner":"team-a"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: allowed},
		{name: "StringEquals on another owner", policy: allowCond(`{"StringEquals":{"aws:ResourceTag/owner":"team-b"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: implicitDeny},
		{name: "StringEquals is case-sensitive in values", policy: allowCond(`{"StringEquals":{"aws:ResourceTag/owner":"TEAM-A"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: implicitDeny},
		{name: "condition key names are case-insensitive", policy: allowCond(`{"StringEquals":{"AWS:RESOURCETAG/Owner":"team-a"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: allowed},
		{name: "StringEquals on an untagged resource", policy: allowCond(`{"StringEquals":{"aws:ResourceTag/owner":"team-a"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, want: implicitDeny},
		{name: "several values are ORed", policy: allowCond(`{"StringEquals":{"aws:ResourceTag/owner":["team-b","team-a"]}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: allowed},
		{name: "several keys are ANDed", policy: allowCond(`{"StringEquals":{"aws:ResourceTag/owner":"team-a","aws:ResourceTag/stage":"network"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: implicitDeny},
		{name: "several operators are ANDed", policy: allowCond(`{"StringEquals":{"aws:ResourceTag/owner":"team-a"},"StringLike":{"aws:ResourceTag/stage":"net*"}}`),
			action: "ec2:DeleteSubnet", resource: subnet,
			ctx: map[string][]string{"aws:resourcetag/owner": {"team-a"}, "aws:resourcetag/stage": {"network"}}, want: allowed},
		{name: "StringNotEquals", policy: allowCond(`{"StringNotEquals":{"aws:ResourceTag/owner":"team-b"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: allowed},
		{name: "StringNotEquals with the value", policy: allowCond(`{"StringNotEquals":{"aws:ResourceTag/owner":["team-b","team-a"]}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: implicitDeny},
		{name: "StringNotEquals holds for a missing key", policy: allowCond(`{"StringNotEquals":{"aws:ResourceTag/owner":"team-b"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, want: allowed},
		{name: "StringLike", policy: allowCond(`{"StringLike":{"aws:ResourceTag/owner":"team-*"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: allowed},
		{name: "StringLike ?", policy: allowCond(`{"StringLike":{"aws:ResourceTag/owner":"team-?"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: allowed},
		{name: "StringLike miss", policy: allowCond(`{"StringLike":{"aws:ResourceTag/owner":"ops-*"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: implicitDeny},
		{name: "StringNotLike", policy: allowCond(`{"StringNotLike":{"aws:ResourceTag/owner":"ops-*"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: allowed},
		{name: "StringNotLike match", policy: allowCond(`{"StringNotLike":{"aws:ResourceTag/owner":"team-*"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: implicitDeny},
		{name: "StringEqualsIgnoreCase", policy: allowCond(`{"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"TEAM-A"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: allowed},
		{name: "StringNotEqualsIgnoreCase", policy: allowCond(`{"StringNotEqualsIgnoreCase":{"aws:ResourceTag/owner":"TEAM-A"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: implicitDeny},
		{name: "ArnLike", policy: allowCond(`{"ArnLike":{"iam:PolicyARN":"arn:aws:iam::aws:policy/service-role/*"}}`),
			action: "ec2:DeleteSubnet", resource: subnet,
			ctx: map[string][]string{"iam:policyarn": {"arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"}}, want: allowed},
		{name: "ArnLike compares component by component", policy: allowCond(`{"ArnLike":{"iam:PolicyARN":"arn:aws:iam::*:policy/*"}}`),
			action: "ec2:DeleteSubnet", resource: subnet,
			ctx: map[string][]string{"iam:policyarn": {"arn:aws:iam::aws:policy/AdministratorAccess"}}, want: allowed},
		{name: "ArnLike miss", policy: allowCond(`{"ArnLike":{"iam:PolicyARN":"arn:aws:iam::aws:policy/service-role/*"}}`),
			action: "ec2:DeleteSubnet", resource: subnet,
			ctx: map[string][]string{"iam:policyarn": {"arn:aws:iam::aws:policy/AdministratorAccess"}}, want: implicitDeny},
		{name: "ArnEquals", policy: allowCond(`{"ArnEquals":{"iam:PermissionsBoundary":"arn:aws:iam::123456789012:policy/boundary"}}`),
			action: "ec2:DeleteSubnet", resource: subnet,
			ctx: map[string][]string{"iam:permissionsboundary": {"arn:aws:iam::123456789012:policy/boundary"}}, want: allowed},
		{name: "ArnNotLike", policy: allowCond(`{"ArnNotLike":{"iam:PolicyARN":"arn:aws:iam::aws:policy/Admin*"}}`),
			action: "ec2:DeleteSubnet", resource: subnet,
			ctx: map[string][]string{"iam:policyarn": {"arn:aws:iam::aws:policy/AdministratorAccess"}}, want: implicitDeny},
		{name: "Bool", policy: allowCond(`{"Bool":{"aws:SecureTransport":"true"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: map[string][]string{"aws:securetransport": {"true"}}, want: allowed},
		{name: "Bool with a JSON boolean", policy: allowCond(`{"Bool":{"aws:SecureTransport":false}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: map[string][]string{"aws:securetransport": {"true"}}, want: implicitDeny},
		{name: "Null true: key absent", policy: allowCond(`{"Null":{"aws:ResourceTag/owner":"true"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, want: allowed},
		{name: "Null true: key present", policy: allowCond(`{"Null":{"aws:ResourceTag/owner":"true"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: implicitDeny},
		{name: "Null false: key present", policy: allowCond(`{"Null":{"aws:ResourceTag/owner":"false"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: allowed},
		{name: "Null false: key absent", policy: allowCond(`{"Null":{"aws:ResourceTag/owner":false}}`),
			action: "ec2:DeleteSubnet", resource: subnet, want: implicitDeny},
		{name: "IfExists holds for a missing key", policy: allowCond(`{"StringEqualsIfExists":{"aws:ResourceTag/owner":"team-b"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, want: allowed},
		{name: "IfExists still checks a present key", policy: allowCond(`{"StringEqualsIfExists":{"aws:ResourceTag/owner":"team-b"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: owner, want: implicitDeny},
		{name: "ArnLikeIfExists", policy: allowCond(`{"ArnLikeIfExists":{"iam:PolicyARN":"arn:aws:iam::aws:policy/*"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, want: allowed},

		{name: "ForAllValues: every key listed", policy: allowCond(`{"ForAllValues:StringEquals":{"aws:TagKeys":["owner","stage"]}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: map[string][]string{"aws:tagkeys": {"owner", "stage"}}, want: allowed},
		{name: "ForAllValues: a key not listed", policy: allowCond(`{"ForAllValues:StringEquals":{"aws:TagKeys":["owner","stage"]}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: map[string][]string{"aws:tagkeys": {"owner", "cost"}}, want: implicitDeny},
		{name: "ForAllValues holds with no values", policy: allowCond(`{"ForAllValues:StringEquals":{"aws:TagKeys":["owner"]}}`),
			action: "ec2:DeleteSubnet", resource: subnet, want: allowed},
		{name: "ForAllValues:StringLike", policy: allowCond(`{"ForAllValues:StringLike":{"aws:TagKeys":["flaskops.io/*"]}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: map[string][]string{"aws:tagkeys": {"flaskops.io/owner", "flaskops.io/stage"}}, want: allowed},
		{name: "ForAnyValue: one key listed", policy: allowCond(`{"ForAnyValue:StringEquals":{"aws:TagKeys":"owner"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: map[string][]string{"aws:tagkeys": {"cost", "owner"}}, want: allowed},
		{name: "ForAnyValue: none listed", policy: allowCond(`{"ForAnyValue:StringEquals":{"aws:TagKeys":"owner"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: map[string][]string{"aws:tagkeys": {"cost"}}, want: implicitDeny},
		{name: "ForAnyValue fails with no values", policy: allowCond(`{"ForAnyValue:StringEquals":{"aws:TagKeys":"owner"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, want: implicitDeny},
		{name: "ForAnyValue:StringNotLike", policy: allowCond(`{"ForAnyValue:StringNotLike":{"aws:TagKeys":"flaskops.io/*"}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: map[string][]string{"aws:tagkeys": {"flaskops.io/owner", "cost"}}, want: allowed},
		{name: "Deny on a foreign resource tag", policy: stmt(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`,
			`{"Effect":"Deny","Action":"ec2:Delete*","Resource":"*","Condition":{"StringNotEquals":{"aws:ResourceTag/owner":"team-a"}}}`),
			action: "ec2:DeleteSubnet", resource: subnet, ctx: map[string][]string{"aws:resourcetag/owner": {"team-b"}}, want: explicitDeny},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parseIdentityPolicy([]byte(tc.policy))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := p.evaluate(tc.action, tc.resource, tc.ctx); got != tc.want {
				t.Errorf("evaluate(%s, %s, %v) = %d, want %d", tc.action, tc.resource, tc.ctx, got, tc.want)
			}
		})
	}
}

func TestParseIdentityPolicyRefusesWhatIAMRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"not JSON":             `{`,
		"no statement":         `{"Version":"2012-10-17"}`,
		"bad effect":           `{"Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`,
		"principal":            `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
		"action and notaction": `{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"iam:*","Resource":"*"}]}`,
		"no resource":          `{"Statement":[{"Effect":"Allow","Action":"*"}]}`,
		"unknown operator":     `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringSortOf":{"k":"v"}}}]}`,
		"unknown set operator": `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"k":"v"}}}]}`,
		"object value":         `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":{"a":"b"}}}}]}`,
	} {
		if _, err := parseIdentityPolicy([]byte(doc)); err == nil {
			t.Errorf("%s: parsed, want an error", name)
		}
	}
}
