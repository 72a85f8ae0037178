package awssim_test

import (
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// policy builds a policy document from statements.
func policy(statements ...string) []byte {
	return []byte(`{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`)
}

func setPolicy(t *testing.T, sim *awssim.Sim, doc []byte) {
	t.Helper()
	if err := sim.SetIdentityPolicy(doc); err != nil {
		t.Fatalf("set policy: %v", err)
	}
}

// denied checks that err is the protocol's refusal: code, HTTP status, the action and
// resource IAM names in the message, and that internal/cloud classifies it as access denied.
func denied(t *testing.T, err error, wantCode string, wantStatus int, action, resource string) {
	t.Helper()
	if got := code(t, err); got != wantCode {
		t.Fatalf("code = %q (%v), want %s", got, err, wantCode)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != wantStatus {
		t.Errorf("status of %v, want %d", err, wantStatus)
	}
	want := "is not authorized to perform: " + action + " on resource: " + resource + " "
	if msg := cloud.ErrorMessage(err); !strings.Contains(msg, want) || !strings.Contains(msg, awssim.CallerARN) {
		t.Errorf("message %q, want it to contain %q and the caller", msg, want)
	}
	if !cloud.IsAccessDenied(err) {
		t.Errorf("cloud.IsAccessDenied(%v) = false", err)
	}
}

func TestIdentityPolicyRefusesInEachProtocolsShape(t *testing.T) {
	e := newSvcEnv(t, awssim.WithIdentityPolicy(policy(`{"Effect":"Allow","Action":"ec2:DescribeVpcs","Resource":"*"}`)))
	cfg := e.cfg("us-east-1")
	const acct = "123456789012"

	_, err := ec2.NewFromConfig(cfg).CreateVpc(bg, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	denied(t, err, "UnauthorizedOperation", 403, "ec2:CreateVpc", "arn:aws:ec2:us-east-1:"+acct+":vpc/*")
	if msg := cloud.ErrorMessage(err); !strings.HasPrefix(msg, "You are not authorized to perform this operation. User: ") {
		t.Errorf("EC2 message %q", msg)
	}
	_, err = e.iam("us-east-1").CreateRole(bg, &iam.CreateRoleInput{RoleName: aws.String("app-exec"), Path: aws.String("/flaskops/"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
	denied(t, err, "AccessDenied", 403, "iam:CreateRole", "arn:aws:iam::"+acct+":role/flaskops/app-exec")
	_, err = elb.NewFromConfig(cfg).DescribeLoadBalancers(bg, &elb.DescribeLoadBalancersInput{})
	denied(t, err, "AccessDenied", 403, "elasticloadbalancing:DescribeLoadBalancers", "*")
	_, err = ecs.NewFromConfig(cfg).UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("demo"), Service: aws.String("app")})
	denied(t, err, "AccessDeniedException", 400, "ecs:UpdateService", "arn:aws:ecs:us-east-1:"+acct+":service/demo/app")
	_, err = e.s3("us-east-1").CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("demo-artifacts")})
	denied(t, err, "AccessDenied", 403, "s3:CreateBucket", "arn:aws:s3:::demo-artifacts")
	_, err = e.ecr("us-east-1").DeleteRepository(bg, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("demo")})
	denied(t, err, "AccessDeniedException", 400, "ecr:DeleteRepository", "arn:aws:ecr:us-east-1:"+acct+":repository/demo")
	_, err = ssm.NewFromConfig(cfg).GetParameter(bg, &ssm.GetParameterInput{Name: aws.String("/flaskops/demo/uri")})
	denied(t, err, "AccessDeniedException", 400, "ssm:GetParameter", "arn:aws:ssm:us-east-1:"+acct+":parameter/flaskops/demo/uri")
	_, err = e.logs("us-east-1").CreateLogGroup(bg, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/ecs/demo")})
	denied(t, err, "AccessDeniedException", 400, "logs:CreateLogGroup", "arn:aws:logs:us-east-1:"+acct+":log-group:/ecs/demo")
	_, err = sts.NewFromConfig(cfg).AssumeRole(bg, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + acct + ":role/x"), RoleSessionName: aws.String("s")})
	denied(t, err, "AccessDenied", 403, "sts:AssumeRole", "arn:aws:iam::"+acct+":role/x")

	if _, err := ec2.NewFromConfig(cfg).DescribeVpcs(bg, &ec2.DescribeVpcsInput{}); err != nil {
		t.Errorf("DescribeVpcs, which the policy allows: %v", err)
	}
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(bg, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("GetCallerIdentity needs no permission: %v", err)
	}
	if live := e.sim.ListLive(); len(live) != 0 {
		t.Errorf("refused calls left %v", live)
	}
	if got, want := e.sim.UsedActions(), []string{"ec2:DescribeVpcs"}; !reflect.DeepEqual(got, want) {
		t.Errorf("UsedActions = %v, want %v", got, want)
	}
}

// Admin endpoints are the test harness, not AWS: the policy never applies to them.
func TestIdentityPolicyLeavesAdminEndpointsAlone(t *testing.T) {
	e := newSvcEnv(t, awssim.WithIdentityPolicy(policy(`{"Effect":"Deny","Action":"*","Resource":"*"}`)))
	resp, err := http.Get(e.url + "/_awssim/inventory")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("inventory = %d %s", resp.StatusCode, body)
	}
}

func TestIdentityPolicyWithoutOneAllowsEverything(t *testing.T) {
	e := newSvcEnv(t, awssim.WithIdentityPolicy(policy(`{"Effect":"Deny","Action":"*","Resource":"*"}`)))
	setPolicy(t, e.sim, nil)
	if _, err := e.ecr("us-east-1").CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String("demo")}); err != nil {
		t.Fatalf("CreateRepository without a policy: %v", err)
	}
	if got := e.sim.UsedActions(); len(got) != 0 {
		t.Errorf("UsedActions without a policy = %v", got)
	}
}

// The operator may delete only what carries its owner tag: the same delete succeeds on
// an owned resource and is refused on a foreign one, in each service.
func TestIdentityPolicyResourceTagConditionOnDelete(t *testing.T) {
	e := newSvcEnv(t)
	cfg := e.cfg("us-east-1")
	ec2c, ecsc, elbc, iamc := ec2.NewFromConfig(cfg), ecs.NewFromConfig(cfg), elb.NewFromConfig(cfg), e.iam("us-east-1")
	const owner = "flaskops.io/owner"

	vpc := func(who string) string {
		out := must[*ec2.CreateVpcOutput](t, "vpc")(ec2c.CreateVpc(bg, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{{Key: aws.String(owner), Value: aws.String(who)}}}}}))
		return aws.ToString(out.Vpc.VpcId)
	}
	cluster := func(name, who string) {
		must[*ecs.CreateClusterOutput](t, "cluster")(ecsc.CreateCluster(bg, &ecs.CreateClusterInput{ClusterName: aws.String(name),
			Tags: []ecstypes.Tag{{Key: aws.String(owner), Value: aws.String(who)}}}))
	}
	tgVPC := vpc("default/app")
	targetGroup := func(name, who string) string {
		out := must[*elb.CreateTargetGroupOutput](t, "tg")(elbc.CreateTargetGroup(bg, &elb.CreateTargetGroupInput{Name: aws.String(name),
			Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(tgVPC), Tags: elbTags(owner, who)}))
		return aws.ToString(out.TargetGroups[0].TargetGroupArn)
	}
	role := func(name, who string) {
		must[*iam.CreateRoleOutput](t, "role")(iamc.CreateRole(bg, &iam.CreateRoleInput{RoleName: aws.String(name), Path: aws.String("/flaskops/"),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`), Tags: []iamtypes.Tag{{Key: aws.String(owner), Value: aws.String(who)}}}))
	}
	ownVPC, foreignVPC := vpc("default/app"), vpc("other/app")
	cluster("own", "default/app")
	cluster("foreign", "other/app")
	ownTG, foreignTG := targetGroup("own", "default/app"), targetGroup("foreign", "other/app")
	role("own", "default/app")
	role("foreign", "other/app")

	setPolicy(t, e.sim, policy(`{"Effect":"Allow","Action":["ec2:DeleteVpc","ecs:DeleteCluster","elasticloadbalancing:DeleteTargetGroup","iam:DeleteRole"],
		"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/`+owner+`":"default/app"}}}`))

	_, err := ec2c.DeleteVpc(bg, &ec2.DeleteVpcInput{VpcId: aws.String(foreignVPC)})
	denied(t, err, "UnauthorizedOperation", 403, "ec2:DeleteVpc", "arn:aws:ec2:us-east-1:123456789012:vpc/"+foreignVPC)
	_, err = ecsc.DeleteCluster(bg, &ecs.DeleteClusterInput{Cluster: aws.String("foreign")})
	denied(t, err, "AccessDeniedException", 400, "ecs:DeleteCluster", "arn:aws:ecs:us-east-1:123456789012:cluster/foreign")
	_, err = elbc.DeleteTargetGroup(bg, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(foreignTG)})
	denied(t, err, "AccessDenied", 403, "elasticloadbalancing:DeleteTargetGroup", foreignTG)
	_, err = iamc.DeleteRole(bg, &iam.DeleteRoleInput{RoleName: aws.String("foreign")})
	denied(t, err, "AccessDenied", 403, "iam:DeleteRole", "arn:aws:iam::123456789012:role/flaskops/foreign")

	if _, err := ec2c.DeleteVpc(bg, &ec2.DeleteVpcInput{VpcId: aws.String(ownVPC)}); err != nil {
		t.Errorf("delete owned VPC: %v", err)
	}
	if _, err := ecsc.DeleteCluster(bg, &ecs.DeleteClusterInput{Cluster: aws.String("own")}); err != nil {
		t.Errorf("delete owned cluster: %v", err)
	}
	if _, err := elbc.DeleteTargetGroup(bg, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(ownTG)}); err != nil {
		t.Errorf("delete owned target group: %v", err)
	}
	if _, err := iamc.DeleteRole(bg, &iam.DeleteRoleInput{RoleName: aws.String("own")}); err != nil {
		t.Errorf("delete owned role: %v", err)
	}
	want := []string{"ec2:DeleteVpc", "ecs:DeleteCluster", "elasticloadbalancing:DeleteTargetGroup", "iam:DeleteRole"}
	if got := e.sim.UsedActions(); !reflect.DeepEqual(got, want) {
		t.Errorf("UsedActions = %v, want %v", got, want)
	}
}

// A create with TagSpecifications is also ec2:CreateTags on the new resource, with
// ec2:CreateAction naming the create; the tags are aws:RequestTag and aws:TagKeys.
func TestIdentityPolicyRequestTagsAndCreateAction(t *testing.T) {
	const owner = "flaskops.io/owner"
	createVpc := `{"Effect":"Allow","Action":"ec2:CreateVpc","Resource":"*",
		"Condition":{"StringEquals":{"aws:RequestTag/` + owner + `":"default/app"},"ForAllValues:StringLike":{"aws:TagKeys":["flaskops.io/*","Name"]}}}`
	tagOnCreate := `{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"arn:aws:ec2:*:*:vpc/*","Condition":{"StringEquals":{"ec2:CreateAction":"CreateVpc"}}}`
	e := newEnv(t, awssim.WithIdentityPolicy(policy(createVpc)))
	create := func(kv ...string) error {
		_, err := e.ec2.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), TagSpecifications: tagSpec(ec2types.ResourceTypeVpc, kv...)})
		return err
	}
	const vpcs = "arn:aws:ec2:us-east-1:123456789012:vpc/*"

	denied(t, create(), "UnauthorizedOperation", 403, "ec2:CreateVpc", vpcs)
	denied(t, create(owner, "other/app"), "UnauthorizedOperation", 403, "ec2:CreateVpc", vpcs)
	denied(t, create(owner, "default/app"), "UnauthorizedOperation", 403, "ec2:CreateTags", vpcs)

	setPolicy(t, e.sim, policy(createVpc, tagOnCreate))
	denied(t, create(owner, "default/app", "cost-center", "x"), "UnauthorizedOperation", 403, "ec2:CreateVpc", vpcs)
	if err := create(owner, "default/app", "Name", "app"); err != nil {
		t.Fatalf("create with the owner tag: %v", err)
	}
	var vpcID string
	for _, r := range e.sim.ListLive() {
		if r.Type == "vpc" {
			vpcID = r.ID
		}
	}
	_, err := e.ec2.CreateTags(ctx(), &ec2.CreateTagsInput{Resources: []string{vpcID}, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("x")}}})
	denied(t, err, "UnauthorizedOperation", 403, "ec2:CreateTags", "arn:aws:ec2:us-east-1:123456789012:vpc/"+vpcID)
	if got, want := e.sim.UsedActions(), []string{"ec2:CreateTags", "ec2:CreateVpc"}; !reflect.DeepEqual(got, want) {
		t.Errorf("UsedActions = %v, want %v", got, want)
	}
}

// DryRun answers whether the call would be authorized.
func TestIdentityPolicyDryRun(t *testing.T) {
	e := newEnv(t, awssim.WithIdentityPolicy(policy(`{"Effect":"Allow","Action":"ec2:CreateVpc","Resource":"*"}`)))
	_, err := e.ec2.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), DryRun: aws.Bool(true)})
	if got := code(t, err); got != "DryRunOperation" {
		t.Errorf("allowed dry run = %q", got)
	}
	_, err = e.ec2.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String("vpc-1"), CidrBlock: aws.String("10.0.0.0/24"), DryRun: aws.Bool(true)})
	if got := code(t, err); got != "UnauthorizedOperation" {
		t.Errorf("refused dry run = %q", got)
	}
}

// Handing a role to a service is iam:PassRole on the role, with iam:PassedToService.
func TestIdentityPolicyPassRole(t *testing.T) {
	e := newSvcEnv(t)
	iamc := e.iam("us-east-1")
	for _, name := range []string{"exec", "build"} {
		must[*iam.CreateRoleOutput](t, "role")(iamc.CreateRole(bg, &iam.CreateRoleInput{RoleName: aws.String(name), Path: aws.String("/flaskops/"),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)}))
	}
	const exec, build = "arn:aws:iam::123456789012:role/flaskops/exec", "arn:aws:iam::123456789012:role/flaskops/build"
	setPolicy(t, e.sim, policy(`{"Effect":"Allow","Action":["ecs:RegisterTaskDefinition","codebuild:CreateProject"],"Resource":"*"}`,
		`{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/flaskops/*","Condition":{"StringEquals":{"iam:PassedToService":"ecs-tasks.amazonaws.com"}}}`))
	ecsc := ecs.NewFromConfig(e.cfg("us-east-1"))
	register := func(role string) error {
		_, err := ecsc.RegisterTaskDefinition(bg, &ecs.RegisterTaskDefinitionInput{Family: aws.String("app"), ExecutionRoleArn: aws.String(role),
			ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("nginx"), Memory: aws.Int32(512)}}})
		return err
	}
	if err := register(exec); err != nil {
		t.Fatalf("register with a /flaskops/ role: %v", err)
	}
	denied(t, register("arn:aws:iam::123456789012:role/admin"), "AccessDeniedException", 400, "iam:PassRole", "arn:aws:iam::123456789012:role/admin")

	// The same role handed to CodeBuild (here by name) is passed to another service.
	_, err := e.codebuild("us-east-1").CreateProject(bg, &codebuild.CreateProjectInput{Name: aws.String("app"), ServiceRole: aws.String("build"),
		Source:      &cbtypes.ProjectSource{Type: cbtypes.SourceTypeCodepipeline},
		Artifacts:   &cbtypes.ProjectArtifacts{Type: cbtypes.ArtifactsTypeCodepipeline},
		Environment: &cbtypes.ProjectEnvironment{Type: cbtypes.EnvironmentTypeLinuxContainer, Image: aws.String("aws/codebuild/standard:7.0"), ComputeType: cbtypes.ComputeTypeBuildGeneral1Small}})
	denied(t, err, "AccessDeniedException", 400, "iam:PassRole", build)
	if got, want := e.sim.UsedActions(), []string{"ecs:RegisterTaskDefinition", "iam:PassRole"}; !reflect.DeepEqual(got, want) {
		t.Errorf("UsedActions = %v, want %v", got, want)
	}
}

// IAM's own keys: the permissions boundary a role is created with and the managed policy
// attached; a role that does not exist yet is checked without a path.
func TestIdentityPolicyIAMConditionKeys(t *testing.T) {
	const boundary = "arn:aws:iam::123456789012:policy/flaskops-boundary"
	e := newSvcEnv(t)
	iamc := e.iam("us-east-1")
	createBoundary(t, iamc, "flaskops-boundary", "/")
	setPolicy(t, e.sim, policy(
		`{"Effect":"Allow","Action":["iam:CreateRole","iam:GetRole"],"Resource":"arn:aws:iam::*:role/flaskops/*","Condition":{"ArnEquals":{"iam:PermissionsBoundary":"`+boundary+`"}}}`,
		`{"Effect":"Allow","Action":"iam:GetRole","Resource":"arn:aws:iam::*:role/flaskops/*"}`,
		`{"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"*","Condition":{"ArnLike":{"iam:PolicyARN":"arn:aws:iam::aws:policy/service-role/*"}}}`))
	create := func(b *string) error {
		_, err := iamc.CreateRole(bg, &iam.CreateRoleInput{RoleName: aws.String("exec"), Path: aws.String("/flaskops/"), PermissionsBoundary: b,
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
		return err
	}
	_, err := iamc.GetRole(bg, &iam.GetRoleInput{RoleName: aws.String("exec")})
	denied(t, err, "AccessDenied", 403, "iam:GetRole", "arn:aws:iam::123456789012:role/exec")
	denied(t, create(nil), "AccessDenied", 403, "iam:CreateRole", "arn:aws:iam::123456789012:role/flaskops/exec")
	if err := create(aws.String(boundary)); err != nil {
		t.Fatalf("create with the boundary: %v", err)
	}
	if _, err := iamc.GetRole(bg, &iam.GetRoleInput{RoleName: aws.String("exec")}); err != nil {
		t.Errorf("GetRole of the existing /flaskops/ role: %v", err)
	}
	attach := func(arn string) error {
		_, err := iamc.AttachRolePolicy(bg, &iam.AttachRolePolicyInput{RoleName: aws.String("exec"), PolicyArn: aws.String(arn)})
		return err
	}
	denied(t, attach("arn:aws:iam::aws:policy/AdministratorAccess"), "AccessDenied", 403, "iam:AttachRolePolicy", "arn:aws:iam::123456789012:role/flaskops/exec")
	if err := attach("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"); err != nil {
		t.Errorf("attach a service-role policy: %v", err)
	}
}

// A call on a role's policies carries the role's boundary as iam:PermissionsBoundary, so a
// policy can let a caller write policies only into roles its boundary caps; GetRole shows it.
func TestIdentityPolicyRoleBoundaryOfPolicyWrites(t *testing.T) {
	const boundary = "arn:aws:iam::123456789012:policy/flaskops/envtest-boundary"
	e := newSvcEnv(t)
	iamc := e.iam("us-east-1")
	createBoundary(t, iamc, "envtest-boundary", "/flaskops/")
	for name, b := range map[string]*string{"capped": aws.String(boundary), "uncapped": nil} {
		if _, err := iamc.CreateRole(bg, &iam.CreateRoleInput{RoleName: aws.String(name), Path: aws.String("/flaskops/"), PermissionsBoundary: b,
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)}); err != nil {
			t.Fatalf("create role %s: %v", name, err)
		}
	}
	out, err := iamc.GetRole(bg, &iam.GetRoleInput{RoleName: aws.String("capped")})
	if err != nil {
		t.Fatal(err)
	}
	if pb := out.Role.PermissionsBoundary; pb == nil || aws.ToString(pb.PermissionsBoundaryArn) != boundary || pb.PermissionsBoundaryType != iamtypes.PermissionsBoundaryAttachmentTypePolicy {
		t.Errorf("GetRole boundary = %+v, want %s", pb, boundary)
	}
	setPolicy(t, e.sim, policy(`{"Effect":"Allow","Action":["iam:PutRolePolicy","iam:AttachRolePolicy"],"Resource":"arn:aws:iam::*:role/flaskops/*","Condition":{"ArnEquals":{"iam:PermissionsBoundary":"`+boundary+`"}}}`))
	put := func(role string) error {
		_, err := iamc.PutRolePolicy(bg, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String("p"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
		return err
	}
	if err := put("capped"); err != nil {
		t.Errorf("put a policy into the capped role: %v", err)
	}
	denied(t, put("uncapped"), "AccessDenied", 403, "iam:PutRolePolicy", "arn:aws:iam::123456789012:role/flaskops/uncapped")
	_, err = iamc.AttachRolePolicy(bg, &iam.AttachRolePolicyInput{RoleName: aws.String("uncapped"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	denied(t, err, "AccessDenied", 403, "iam:AttachRolePolicy", "arn:aws:iam::123456789012:role/flaskops/uncapped")
}

// PutRolePermissionsBoundary carries the boundary it sets as iam:PermissionsBoundary, so a
// policy can let a caller cap a role with one boundary and no other; lifting one is
// DeleteRolePermissionsBoundary, which the same condition reads as the role's boundary.
func TestIdentityPolicyPutRolePermissionsBoundary(t *testing.T) {
	const boundary = "arn:aws:iam::123456789012:policy/flaskops/envtest-boundary"
	e := newSvcEnv(t)
	iamc := e.iam("us-east-1")
	createBoundary(t, iamc, "envtest-boundary", "/flaskops/")
	createBoundary(t, iamc, "wide", "/")
	createRole(t, iamc, "exec", "/flaskops/")
	setPolicy(t, e.sim, policy(`{"Effect":"Allow","Action":["iam:PutRolePermissionsBoundary","iam:DeleteRolePermissionsBoundary"],"Resource":"arn:aws:iam::*:role/flaskops/*","Condition":{"ArnEquals":{"iam:PermissionsBoundary":"`+boundary+`"}}}`))
	put := func(b string) error {
		_, err := iamc.PutRolePermissionsBoundary(bg, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("exec"), PermissionsBoundary: aws.String(b)})
		return err
	}
	denied(t, put("arn:aws:iam::123456789012:policy/wide"), "AccessDenied", 403, "iam:PutRolePermissionsBoundary", "arn:aws:iam::123456789012:role/flaskops/exec")
	if err := put(boundary); err != nil {
		t.Fatalf("put the allowed boundary: %v", err)
	}
	if used := e.sim.UsedActions(); !slices.Contains(used, "iam:PutRolePermissionsBoundary") {
		t.Errorf("used actions %v", used)
	}
	setPolicy(t, e.sim, policy(`{"Effect":"Allow","Action":"iam:DeleteRolePermissionsBoundary","Resource":"*","Condition":{"ArnNotEquals":{"iam:PermissionsBoundary":"`+boundary+`"}}}`))
	_, err := iamc.DeleteRolePermissionsBoundary(bg, &iam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String("exec")})
	denied(t, err, "AccessDenied", 403, "iam:DeleteRolePermissionsBoundary", "arn:aws:iam::123456789012:role/flaskops/exec")
}

// createBoundary creates a managed policy to serve as a permissions boundary.
func createBoundary(t *testing.T, c *iam.Client, name, path string) {
	t.Helper()
	if _, err := c.CreatePolicy(bg, &iam.CreatePolicyInput{PolicyName: aws.String(name), Path: aws.String(path),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)}); err != nil {
		t.Fatalf("create policy %s: %v", name, err)
	}
}

func TestIdentityPolicyRefusesAMalformedDocument(t *testing.T) {
	if _, err := awssim.New(awssim.WithIdentityPolicy([]byte(`{"Statement":[{"Effect":"Allow","Action":"*"}]}`))); err == nil {
		t.Error("New accepted a statement without a resource")
	}
}
