package awssim_test

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
)

func (e *svcEnv) iam(region string) *iam.Client { return iam.NewFromConfig(e.cfg(region)) }

const (
	ecsTrust        = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	codebuildTrust  = `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}}`
	ecrPushPolicy   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:PutImage","ecr:InitiateLayerUpload"],"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/app"}]}`
	execRolePolicy  = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
	readOnlyPolicy  = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	customerPolicy  = "arn:aws:iam::123456789012:policy/mine"
	roleARNPrefix   = "arn:aws:iam::123456789012:role"
	malformedPolicy = "MalformedPolicyDocument"
)

func createRole(t *testing.T, c *iam.Client, name, path string) *iamtypes.Role {
	t.Helper()
	in := &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(ecsTrust)}
	if path != "" {
		in.Path = aws.String(path)
	}
	return must[*iam.CreateRoleOutput](t, "create role "+name)(c.CreateRole(bg, in)).Role
}

// decoded undoes the URL encoding IAM applies to policy documents in responses.
func decoded(t *testing.T, doc *string) string {
	t.Helper()
	s, err := url.QueryUnescape(aws.ToString(doc))
	if err != nil {
		t.Fatalf("policy document %q is not URL-encoded: %v", aws.ToString(doc), err)
	}
	return s
}

func TestIAMRoleLifecycle(t *testing.T) {
	e := newSvcEnv(t)
	c := e.iam("us-east-1")
	created := must[*iam.CreateRoleOutput](t, "create")(c.CreateRole(bg, &iam.CreateRoleInput{
		RoleName: aws.String("app-exec"), Path: aws.String("/flaskops/"), Description: aws.String("task execution"),
		AssumeRolePolicyDocument: aws.String(codebuildTrust), MaxSessionDuration: aws.Int32(7200),
		Tags: []iamtypes.Tag{{Key: aws.String("owner"), Value: aws.String("ns/app")}},
	})).Role
	if got, want := aws.ToString(created.Arn), roleARNPrefix+"/flaskops/app-exec"; got != want {
		t.Fatalf("arn %q, want %q", got, want)
	}
	if id := aws.ToString(created.RoleId); !strings.HasPrefix(id, "AROA") || len(id) != 21 {
		t.Fatalf("role ID %q", id)
	}
	if created.CreateDate == nil || !created.CreateDate.Equal(e.clock.Now()) || aws.ToInt32(created.MaxSessionDuration) != 7200 ||
		len(created.Tags) != 1 || aws.ToString(created.Tags[0].Value) != "ns/app" {
		t.Fatalf("created role %+v", created)
	}
	// Policy documents come back URL-encoded, spaces as %20.
	if raw := aws.ToString(created.AssumeRolePolicyDocument); !strings.HasPrefix(raw, "%7B%22Version%22%3A%20%222012") {
		t.Fatalf("trust policy not URL-encoded as IAM does: %q", raw)
	}
	if decoded(t, created.AssumeRolePolicyDocument) != codebuildTrust {
		t.Fatalf("trust policy %q", decoded(t, created.AssumeRolePolicyDocument))
	}

	// IAM is global: a client configured for another region sees the same role, and names
	// are unique regardless of case.
	other := e.iam("eu-west-1")
	got := must[*iam.GetRoleOutput](t, "get")(other.GetRole(bg, &iam.GetRoleInput{RoleName: aws.String("APP-EXEC")})).Role
	if aws.ToString(got.RoleId) != aws.ToString(created.RoleId) || aws.ToString(got.Description) != "task execution" || len(got.Tags) != 1 {
		t.Fatalf("got role %+v", got)
	}
	_, err := other.CreateRole(bg, &iam.CreateRoleInput{RoleName: aws.String("App-Exec"), AssumeRolePolicyDocument: aws.String(ecsTrust)})
	wantCode(t, "create twice", err, "EntityAlreadyExists")

	for _, tc := range []struct {
		name string
		in   iam.CreateRoleInput
		code string
	}{
		{"bad name", iam.CreateRoleInput{RoleName: aws.String("a/b"), AssumeRolePolicyDocument: aws.String(ecsTrust)}, "ValidationError"},
		{"bad path", iam.CreateRoleInput{RoleName: aws.String("r"), Path: aws.String("noslash"), AssumeRolePolicyDocument: aws.String(ecsTrust)}, "ValidationError"},
		{"short session", iam.CreateRoleInput{RoleName: aws.String("r"), MaxSessionDuration: aws.Int32(60), AssumeRolePolicyDocument: aws.String(ecsTrust)}, "ValidationError"},
		{"not JSON", iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String("{not json")}, malformedPolicy},
		{"reserved tag", iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(ecsTrust),
			Tags: []iamtypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("1")}}}, "InvalidInput"},
		{"duplicate tag keys", iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(ecsTrust),
			Tags: []iamtypes.Tag{{Key: aws.String("Team"), Value: aws.String("1")}, {Key: aws.String("team"), Value: aws.String("2")}}}, "InvalidInput"},
		{"trust policy too long", iam.CreateRoleInput{RoleName: aws.String("r"),
			AssumeRolePolicyDocument: aws.String(strings.Replace(ecsTrust, "sts:AssumeRole", strings.Repeat("x", 2048), 1))}, "LimitExceeded"},
	} {
		_, err := c.CreateRole(bg, &tc.in)
		wantCode(t, tc.name, err, tc.code)
	}

	must[*iam.UpdateAssumeRolePolicyOutput](t, "update trust")(c.UpdateAssumeRolePolicy(bg, &iam.UpdateAssumeRolePolicyInput{
		RoleName: aws.String("app-exec"), PolicyDocument: aws.String(ecsTrust)}))
	got = must[*iam.GetRoleOutput](t, "get")(c.GetRole(bg, &iam.GetRoleInput{RoleName: aws.String("app-exec")})).Role
	if decoded(t, got.AssumeRolePolicyDocument) != ecsTrust {
		t.Fatalf("trust policy after update %q", decoded(t, got.AssumeRolePolicyDocument))
	}
	_, err = c.UpdateAssumeRolePolicy(bg, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("app-exec"), PolicyDocument: aws.String("[]")})
	wantCode(t, "update with non-object", err, malformedPolicy)
	_, err = c.UpdateAssumeRolePolicy(bg, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("nope"), PolicyDocument: aws.String(ecsTrust)})
	wantCode(t, "update missing role", err, "NoSuchEntity")

	if ids := e.live("iam", "role"); fmt.Sprint(ids) != "[global/app-exec]" {
		t.Fatalf("inventory %v", ids)
	}
	must[*iam.DeleteRoleOutput](t, "delete")(c.DeleteRole(bg, &iam.DeleteRoleInput{RoleName: aws.String("app-exec")}))
	_, err = c.GetRole(bg, &iam.GetRoleInput{RoleName: aws.String("app-exec")})
	wantCode(t, "get deleted", err, "NoSuchEntity")
	_, err = c.DeleteRole(bg, &iam.DeleteRoleInput{RoleName: aws.String("app-exec")})
	wantCode(t, "delete twice", err, "NoSuchEntity")
	if live := e.sim.ListLive(); len(live) != 0 {
		t.Fatalf("after delete: %v", live)
	}
}

func TestIAMPolicyDocumentValidation(t *testing.T) {
	e := newSvcEnv(t)
	c := e.iam("us-east-1")
	createRole(t, c, "r", "")
	for _, tc := range []struct {
		name  string
		trust bool // an assume-role policy (UpdateAssumeRolePolicy) or an inline one (PutRolePolicy)
		doc   string
		code  string
	}{
		{"trust ok", true, ecsTrust, ""},
		{"trust, single statement object", true, codebuildTrust, ""},
		{"trust without principal", true, `{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, malformedPolicy},
		{"trust with resource", true, `{"Statement":[{"Effect":"Allow","Principal":{"Service":"x"},"Action":"sts:AssumeRole","Resource":"*"}]}`, malformedPolicy},
		{"unknown version", true, `{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`, malformedPolicy},
		{"no statement", true, `{"Version":"2012-10-17"}`, malformedPolicy},
		{"bad effect", true, `{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"sts:AssumeRole"}]}`, malformedPolicy},
		{"inline ok", false, ecrPushPolicy, ""},
		{"inline with principal", false, `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`, malformedPolicy},
		{"inline without resource", false, `{"Statement":[{"Effect":"Allow","Action":"s3:*"}]}`, malformedPolicy},
		{"inline without action", false, `{"Statement":[{"Effect":"Allow","Resource":"*"}]}`, malformedPolicy},
		{"inline not JSON", false, `Statement: []`, malformedPolicy},
	} {
		var err error
		if tc.trust {
			_, err = c.UpdateAssumeRolePolicy(bg, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("r"), PolicyDocument: aws.String(tc.doc)})
		} else {
			_, err = c.PutRolePolicy(bg, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p"), PolicyDocument: aws.String(tc.doc)})
		}
		wantCode(t, tc.name, err, tc.code)
	}
}

func TestIAMRolePolicies(t *testing.T) {
	e := newSvcEnv(t, awssim.WithPageSize(2))
	c := e.iam("us-east-1")
	createRole(t, c, "exec", "")
	attach := func(role, arn string) error {
		_, err := c.AttachRolePolicy(bg, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(arn)})
		return err
	}
	wantCode(t, "attach", attach("exec", execRolePolicy), "")
	wantCode(t, "attach again is a no-op", attach("exec", execRolePolicy), "")
	wantCode(t, "attach second", attach("exec", readOnlyPolicy), "")
	wantCode(t, "customer policy the sim never created", attach("exec", customerPolicy), "NoSuchEntity")
	wantCode(t, "not an ARN", attach("exec", "AmazonECSTaskExecutionRolePolicy"), "InvalidInput")
	wantCode(t, "missing role", attach("nope", execRolePolicy), "NoSuchEntity")

	listed := must[*iam.ListAttachedRolePoliciesOutput](t, "list attached")(c.ListAttachedRolePolicies(bg, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("exec")}))
	if len(listed.AttachedPolicies) != 2 || listed.IsTruncated ||
		aws.ToString(listed.AttachedPolicies[0].PolicyName) != "AmazonECSTaskExecutionRolePolicy" ||
		aws.ToString(listed.AttachedPolicies[0].PolicyArn) != execRolePolicy {
		t.Fatalf("attached %+v truncated %v", listed.AttachedPolicies, listed.IsTruncated)
	}
	serviceRole := must[*iam.ListAttachedRolePoliciesOutput](t, "list by path")(c.ListAttachedRolePolicies(bg, &iam.ListAttachedRolePoliciesInput{
		RoleName: aws.String("exec"), PathPrefix: aws.String("/service-role/")}))
	if len(serviceRole.AttachedPolicies) != 1 || aws.ToString(serviceRole.AttachedPolicies[0].PolicyArn) != execRolePolicy {
		t.Fatalf("attached under /service-role/: %+v", serviceRole.AttachedPolicies)
	}
	_, err := c.ListAttachedRolePolicies(bg, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("nope")})
	wantCode(t, "list attached of missing role", err, "NoSuchEntity")

	// Inline policies: stored as given, returned URL-encoded.
	for _, name := range []string{"ecr-push", "logs", "s3"} {
		must[*iam.PutRolePolicyOutput](t, "put "+name)(c.PutRolePolicy(bg, &iam.PutRolePolicyInput{
			RoleName: aws.String("exec"), PolicyName: aws.String(name), PolicyDocument: aws.String(ecrPushPolicy)}))
	}
	inline := must[*iam.GetRolePolicyOutput](t, "get inline")(c.GetRolePolicy(bg, &iam.GetRolePolicyInput{RoleName: aws.String("exec"), PolicyName: aws.String("ecr-push")}))
	if aws.ToString(inline.RoleName) != "exec" || aws.ToString(inline.PolicyName) != "ecr-push" ||
		strings.Contains(aws.ToString(inline.PolicyDocument), `"`) || decoded(t, inline.PolicyDocument) != ecrPushPolicy {
		t.Fatalf("inline policy %+v", inline)
	}
	var names []string
	pages := iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: aws.String("exec")})
	for pages.HasMorePages() {
		names = append(names, must[*iam.ListRolePoliciesOutput](t, "list inline")(pages.NextPage(bg)).PolicyNames...)
	}
	if fmt.Sprint(names) != "[ecr-push logs s3]" {
		t.Fatalf("inline policy names %v", names)
	}
	big := strings.Replace(ecrPushPolicy, "ecr:PutImage", strings.Repeat("x", 10000), 1)
	_, err = c.PutRolePolicy(bg, &iam.PutRolePolicyInput{RoleName: aws.String("exec"), PolicyName: aws.String("big"), PolicyDocument: aws.String(big)})
	wantCode(t, "aggregate inline size", err, "LimitExceeded")

	// A role with policies cannot be deleted: managed ones are detached first, then inline
	// ones deleted.
	_, err = c.DeleteRole(bg, &iam.DeleteRoleInput{RoleName: aws.String("exec")})
	wantCode(t, "delete with attached policies", err, "DeleteConflict")
	for _, arn := range []string{execRolePolicy, readOnlyPolicy} {
		must[*iam.DetachRolePolicyOutput](t, "detach")(c.DetachRolePolicy(bg, &iam.DetachRolePolicyInput{RoleName: aws.String("exec"), PolicyArn: aws.String(arn)}))
	}
	_, err = c.DetachRolePolicy(bg, &iam.DetachRolePolicyInput{RoleName: aws.String("exec"), PolicyArn: aws.String(execRolePolicy)})
	wantCode(t, "detach not attached", err, "NoSuchEntity")
	_, err = c.DeleteRole(bg, &iam.DeleteRoleInput{RoleName: aws.String("exec")})
	wantCode(t, "delete with inline policies", err, "DeleteConflict")
	for _, name := range names {
		must[*iam.DeleteRolePolicyOutput](t, "delete inline")(c.DeleteRolePolicy(bg, &iam.DeleteRolePolicyInput{RoleName: aws.String("exec"), PolicyName: aws.String(name)}))
	}
	_, err = c.DeleteRolePolicy(bg, &iam.DeleteRolePolicyInput{RoleName: aws.String("exec"), PolicyName: aws.String("logs")})
	wantCode(t, "delete inline twice", err, "NoSuchEntity")
	_, err = c.GetRolePolicy(bg, &iam.GetRolePolicyInput{RoleName: aws.String("exec"), PolicyName: aws.String("logs")})
	wantCode(t, "get deleted inline", err, "NoSuchEntity")
	must[*iam.DeleteRoleOutput](t, "delete")(c.DeleteRole(bg, &iam.DeleteRoleInput{RoleName: aws.String("exec")}))

	// At most ten managed policies per role.
	createRole(t, c, "many", "")
	for i := range 10 {
		wantCode(t, "attach within quota", attach("many", fmt.Sprintf("arn:aws:iam::aws:policy/P%d", i)), "")
	}
	wantCode(t, "attach over quota", attach("many", "arn:aws:iam::aws:policy/P10"), "LimitExceeded")
}

func TestIAMListRolesPaginates(t *testing.T) {
	e := newSvcEnv(t, awssim.WithPageSize(2))
	c := e.iam("us-east-1")
	for i := range 5 {
		path := "/"
		if i%2 == 0 {
			path = "/app/"
		}
		must[*iam.CreateRoleOutput](t, "create")(c.CreateRole(bg, &iam.CreateRoleInput{
			RoleName: aws.String(fmt.Sprintf("role-%d", i)), Path: aws.String(path), AssumeRolePolicyDocument: aws.String(ecsTrust),
			Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))
	}
	first := must[*iam.ListRolesOutput](t, "first page")(c.ListRoles(bg, &iam.ListRolesInput{}))
	if len(first.Roles) != 2 || !first.IsTruncated || first.Marker == nil {
		t.Fatalf("first page: %d roles, truncated %v, marker %v", len(first.Roles), first.IsTruncated, first.Marker)
	}
	// ListRoles leaves tags out, as AWS does; GetRole has them.
	if first.Roles[0].Tags != nil || decoded(t, first.Roles[0].AssumeRolePolicyDocument) != ecsTrust {
		t.Fatalf("listed role %+v", first.Roles[0])
	}
	collect := func(in *iam.ListRolesInput) []string {
		var names []string
		pages := iam.NewListRolesPaginator(c, in)
		for pages.HasMorePages() {
			for _, r := range must[*iam.ListRolesOutput](t, "page")(pages.NextPage(bg)).Roles {
				names = append(names, aws.ToString(r.RoleName))
			}
		}
		return names
	}
	if names := collect(&iam.ListRolesInput{}); fmt.Sprint(names) != "[role-0 role-1 role-2 role-3 role-4]" {
		t.Fatalf("paginated roles %v", names)
	}
	if names := collect(&iam.ListRolesInput{PathPrefix: aws.String("/app/"), MaxItems: aws.Int32(1)}); fmt.Sprint(names) != "[role-0 role-2 role-4]" {
		t.Fatalf("roles under /app/ %v", names)
	}
	_, err := c.ListRoles(bg, &iam.ListRolesInput{Marker: aws.String("garbage!")})
	wantCode(t, "bad marker", err, "InvalidInput")
	_, err = c.ListRoles(bg, &iam.ListRolesInput{PathPrefix: aws.String("app")})
	wantCode(t, "path prefix without slash", err, "ValidationError")
}

func TestIAMRoleTags(t *testing.T) {
	e := newSvcEnv(t, awssim.WithPageSize(2))
	c := e.iam("us-east-1")
	createRole(t, c, "r", "")
	tag := func(kv ...string) error {
		var tags []iamtypes.Tag
		for i := 0; i < len(kv); i += 2 {
			tags = append(tags, iamtypes.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		_, err := c.TagRole(bg, &iam.TagRoleInput{RoleName: aws.String("r"), Tags: tags})
		return err
	}
	wantCode(t, "tag", tag("Team", "a", "stage", "ecs", "owner", "ns/app"), "")
	wantCode(t, "retag, key differing in case", tag("team", "b"), "")
	must[*iam.UntagRoleOutput](t, "untag")(c.UntagRole(bg, &iam.UntagRoleInput{RoleName: aws.String("r"), TagKeys: []string{"STAGE", "absent"}}))
	var got []string
	pages := iam.NewListRoleTagsPaginator(c, &iam.ListRoleTagsInput{RoleName: aws.String("r"), MaxItems: aws.Int32(1)})
	for pages.HasMorePages() {
		for _, tg := range must[*iam.ListRoleTagsOutput](t, "list tags")(pages.NextPage(bg)).Tags {
			got = append(got, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
		}
	}
	if fmt.Sprint(got) != "[owner=ns/app team=b]" {
		t.Fatalf("tags %v", got)
	}
	if live := e.sim.ListLive(); len(live) != 1 || live[0].Tags["owner"] != "ns/app" || len(live[0].Tags) != 2 {
		t.Fatalf("inventory %+v", live)
	}
	wantCode(t, "reserved prefix", tag("aws:cloudformation:stack-name", "x"), "InvalidInput")
	var many []string
	for i := range 49 {
		many = append(many, fmt.Sprintf("k%d", i), "v")
	}
	wantCode(t, "over 50 tags", tag(many...), "LimitExceeded")
	_, err := c.TagRole(bg, &iam.TagRoleInput{RoleName: aws.String("nope"), Tags: []iamtypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, "tag missing role", err, "NoSuchEntity")
	_, err = c.ListRoleTags(bg, &iam.ListRoleTagsInput{RoleName: aws.String("nope")})
	wantCode(t, "list tags of missing role", err, "NoSuchEntity")
}

// TestIAMAndLogsStatePersist restarts the simulator on its state file: roles keep their ID,
// policies and tags, log groups their retention and tags.
func TestIAMAndLogsStatePersist(t *testing.T) {
	path := t.TempDir() + "/state.json"
	e := newSvcEnv(t, awssim.WithStateFile(path))
	c := e.iam("us-east-1")
	role := createRole(t, c, "exec", "/flaskops/")
	must[*iam.AttachRolePolicyOutput](t, "attach")(c.AttachRolePolicy(bg, &iam.AttachRolePolicyInput{RoleName: aws.String("exec"), PolicyArn: aws.String(execRolePolicy)}))
	must[*iam.PutRolePolicyOutput](t, "put inline")(c.PutRolePolicy(bg, &iam.PutRolePolicyInput{
		RoleName: aws.String("exec"), PolicyName: aws.String("ecr-push"), PolicyDocument: aws.String(ecrPushPolicy)}))
	must[*iam.TagRoleOutput](t, "tag role")(c.TagRole(bg, &iam.TagRoleInput{RoleName: aws.String("exec"), Tags: []iamtypes.Tag{{Key: aws.String("owner"), Value: aws.String("ns/app")}}}))
	l := e.logs("eu-west-1")
	must[*cloudwatchlogs.CreateLogGroupOutput](t, "create log group")(l.CreateLogGroup(bg, &cloudwatchlogs.CreateLogGroupInput{
		LogGroupName: aws.String("/ecs/app"), Tags: map[string]string{"owner": "ns/app"}}))
	must[*cloudwatchlogs.PutRetentionPolicyOutput](t, "retention")(l.PutRetentionPolicy(bg, &cloudwatchlogs.PutRetentionPolicyInput{
		LogGroupName: aws.String("/ecs/app"), RetentionInDays: aws.Int32(7)}))
	before := e.sim.ListLive()

	again := newSvcEnv(t, awssim.WithStateFile(path))
	if after := again.sim.ListLive(); !slices.EqualFunc(before, after, func(a, b awssim.Resource) bool {
		return a.Service == b.Service && a.ID == b.ID && a.Region == b.Region && fmt.Sprint(a.Tags) == fmt.Sprint(b.Tags)
	}) {
		t.Fatalf("inventory %+v became %+v", before, after)
	}
	c2 := again.iam("us-east-1")
	got := must[*iam.GetRoleOutput](t, "get after restart")(c2.GetRole(bg, &iam.GetRoleInput{RoleName: aws.String("exec")})).Role
	if aws.ToString(got.RoleId) != aws.ToString(role.RoleId) || aws.ToString(got.Arn) != aws.ToString(role.Arn) || !got.CreateDate.Equal(*role.CreateDate) {
		t.Fatalf("role %+v after restart, was %+v", got, role)
	}
	_, err := c2.DeleteRole(bg, &iam.DeleteRoleInput{RoleName: aws.String("exec")})
	wantCode(t, "restarted sim keeps attached policies", err, "DeleteConflict")
	inline := must[*iam.GetRolePolicyOutput](t, "inline after restart")(c2.GetRolePolicy(bg, &iam.GetRolePolicyInput{RoleName: aws.String("exec"), PolicyName: aws.String("ecr-push")}))
	if decoded(t, inline.PolicyDocument) != ecrPushPolicy {
		t.Fatalf("inline policy after restart %q", decoded(t, inline.PolicyDocument))
	}
	groups := must[*cloudwatchlogs.DescribeLogGroupsOutput](t, "describe after restart")(again.logs("eu-west-1").DescribeLogGroups(bg, &cloudwatchlogs.DescribeLogGroupsInput{}))
	if len(groups.LogGroups) != 1 || aws.ToInt32(groups.LogGroups[0].RetentionInDays) != 7 {
		t.Fatalf("log groups after restart %+v", groups.LogGroups)
	}
}

// A role's permissions boundary is a managed policy that must exist: an administrator
// creates it (CreatePolicy) before any role is given it, and no role may be left using it
// when it is deleted.
func TestIAMPermissionsBoundaryMustExist(t *testing.T) {
	e := newSvcEnv(t)
	c := e.iam("us-east-1")
	const boundary = "arn:aws:iam::123456789012:policy/flaskops/envtest-boundary"
	create := func(name, b string) error {
		_, err := c.CreateRole(bg, &iam.CreateRoleInput{RoleName: aws.String(name), Path: aws.String("/flaskops/"),
			PermissionsBoundary: aws.String(b), AssumeRolePolicyDocument: aws.String(ecsTrust)})
		return err
	}
	err := create("exec", boundary)
	wantCode(t, "a boundary that does not exist", err, "NoSuchEntity")
	if msg, want := cloud.ErrorMessage(err), "Scope ARN: "+boundary+" does not exist or is not attachable."; msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 404 {
		t.Errorf("status of %v, want 404", err)
	}
	if _, err := c.GetRole(bg, &iam.GetRoleInput{RoleName: aws.String("exec")}); apiCode(t, err) != "NoSuchEntity" {
		t.Fatalf("the refused role exists: %v", err)
	}
	wantCode(t, "a boundary that is no policy ARN", create("exec", "arn:aws:iam::123456789012:role/flaskops/x"), "InvalidInput")

	created := must[*iam.CreatePolicyOutput](t, "create policy")(c.CreatePolicy(bg, &iam.CreatePolicyInput{
		PolicyName: aws.String("envtest-boundary"), Path: aws.String("/flaskops/"), PolicyDocument: aws.String(ecrPushPolicy),
		Description: aws.String("caps the operator's roles")})).Policy
	if aws.ToString(created.Arn) != boundary || !strings.HasPrefix(aws.ToString(created.PolicyId), "ANPA") ||
		aws.ToString(created.DefaultVersionId) != "v1" || !created.IsAttachable || aws.ToString(created.Description) != "" {
		t.Fatalf("created policy %+v", created)
	}
	_, err = c.CreatePolicy(bg, &iam.CreatePolicyInput{PolicyName: aws.String("ENVTEST-boundary"), PolicyDocument: aws.String(ecrPushPolicy)})
	wantCode(t, "a policy name taken, whatever the path and case", err, "EntityAlreadyExists")
	_, err = c.CreatePolicy(bg, &iam.CreatePolicyInput{PolicyName: aws.String("trust"), PolicyDocument: aws.String(ecsTrust)})
	wantCode(t, "a document naming a principal", err, malformedPolicy)
	_, err = c.CreatePolicy(bg, &iam.CreatePolicyInput{PolicyName: aws.String("big"),
		PolicyDocument: aws.String(strings.Replace(ecrPushPolicy, "ecr:PutImage", strings.Repeat("x", 6200), 1))})
	wantCode(t, "over the managed policy size", err, "LimitExceeded")

	if err := create("exec", boundary); err != nil {
		t.Fatalf("create with the boundary once it exists: %v", err)
	}
	if err := create("aws-capped", "arn:aws:iam::aws:policy/PowerUserAccess"); err != nil {
		t.Fatalf("an AWS managed policy as boundary: %v", err)
	}
	createRole(t, c, "bare", "/flaskops/")
	getPolicy := func() *iamtypes.Policy {
		return must[*iam.GetPolicyOutput](t, "get policy")(c.GetPolicy(bg, &iam.GetPolicyInput{PolicyArn: aws.String(boundary)})).Policy
	}
	if p := getPolicy(); aws.ToInt32(p.PermissionsBoundaryUsageCount) != 1 || aws.ToString(p.Description) != "caps the operator's roles" {
		t.Fatalf("policy %+v, want one role using it as boundary", p)
	}

	// A role without a boundary gets one; the boundary must exist there too.
	put := func(b string) error {
		_, err := c.PutRolePermissionsBoundary(bg, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("bare"), PermissionsBoundary: aws.String(b)})
		return err
	}
	wantCode(t, "put a boundary that does not exist", put("arn:aws:iam::123456789012:policy/flaskops/other-boundary"), "NoSuchEntity")
	if err := put(boundary); err != nil {
		t.Fatalf("put the boundary: %v", err)
	}
	got := must[*iam.GetRoleOutput](t, "get role")(c.GetRole(bg, &iam.GetRoleInput{RoleName: aws.String("bare")})).Role
	if got.PermissionsBoundary == nil || aws.ToString(got.PermissionsBoundary.PermissionsBoundaryArn) != boundary {
		t.Fatalf("boundary after put: %+v", got.PermissionsBoundary)
	}
	_, err = c.PutRolePermissionsBoundary(bg, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("nope"), PermissionsBoundary: aws.String(boundary)})
	wantCode(t, "put on a missing role", err, "NoSuchEntity")

	// A customer managed policy that exists may be attached; in use, it cannot be deleted.
	must[*iam.AttachRolePolicyOutput](t, "attach the customer policy")(c.AttachRolePolicy(bg, &iam.AttachRolePolicyInput{RoleName: aws.String("aws-capped"), PolicyArn: aws.String(boundary)}))
	if p := getPolicy(); aws.ToInt32(p.AttachmentCount) != 1 || aws.ToInt32(p.PermissionsBoundaryUsageCount) != 2 {
		t.Fatalf("policy %+v, want attached once and the boundary of two roles", p)
	}
	deletePolicy := func() error {
		_, err := c.DeletePolicy(bg, &iam.DeletePolicyInput{PolicyArn: aws.String(boundary)})
		return err
	}
	wantCode(t, "delete a policy in use", deletePolicy(), "DeleteConflict")
	must[*iam.DetachRolePolicyOutput](t, "detach")(c.DetachRolePolicy(bg, &iam.DetachRolePolicyInput{RoleName: aws.String("aws-capped"), PolicyArn: aws.String(boundary)}))
	for _, role := range []string{"exec", "bare"} {
		must[*iam.DeleteRolePermissionsBoundaryOutput](t, "lift boundary")(c.DeleteRolePermissionsBoundary(bg, &iam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String(role)}))
	}
	if got := must[*iam.GetRoleOutput](t, "get role")(c.GetRole(bg, &iam.GetRoleInput{RoleName: aws.String("exec")})).Role; got.PermissionsBoundary != nil {
		t.Fatalf("boundary after delete: %+v", got.PermissionsBoundary)
	}
	if err := deletePolicy(); err != nil {
		t.Fatalf("delete the unused policy: %v", err)
	}
	_, err = c.GetPolicy(bg, &iam.GetPolicyInput{PolicyArn: aws.String(boundary)})
	wantCode(t, "get a deleted policy", err, "NoSuchEntity")
	wantCode(t, "delete twice", deletePolicy(), "NoSuchEntity")
	for _, r := range e.sim.ListLive() {
		if r.Type != "role" {
			t.Errorf("inventory lists %s %s: managed policies are the account's set-up", r.Type, r.ID)
		}
	}
}
