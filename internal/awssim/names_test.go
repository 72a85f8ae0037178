package awssim_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/aws-sdk-go-v2/service/codestarconnections"
	cstypes "github.com/aws/aws-sdk-go-v2/service/codestarconnections/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

const ecsTasksTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// manyTags returns n distinct tags as key/value pairs.
func manyTags(n int) [][2]string {
	out := make([][2]string, n)
	for i := range out {
		out[i] = [2]string{fmt.Sprintf("k%d", i), "v"}
	}
	return out
}

// TestCreatesRefuseWhatAWSRefuses sends names and tags AWS refuses through the real SDK
// clients and expects each service's own error code with HTTP 400.
func TestCreatesRefuseWhatAWSRefuses(t *testing.T) {
	e := newEnv(t)
	elbc, iamc, ecrc := elb.NewFromConfig(e.cfg), iam.NewFromConfig(e.cfg), ecr.NewFromConfig(e.cfg)
	logsc, ecsc, ssmc := cloudwatchlogs.NewFromConfig(e.cfg), ecs.NewFromConfig(e.cfg), ssm.NewFromConfig(e.cfg)
	s3c := s3.NewFromConfig(e.cfg, func(o *s3.Options) { o.UsePathStyle = true })
	cbc, cpc, csc := codebuild.NewFromConfig(e.cfg), codepipeline.NewFromConfig(e.cfg), codestarconnections.NewFromConfig(e.cfg)
	reserved := [][2]string{{"aws:cloudformation:stack-name", "x"}}

	elbTags := func(kv [][2]string) (out []elbtypes.Tag) {
		for _, t := range kv {
			out = append(out, elbtypes.Tag{Key: aws.String(t[0]), Value: aws.String(t[1])})
		}
		return out
	}
	createLB := func(name string, tags [][2]string) error {
		_, err := elbc.CreateLoadBalancer(ctx(), &elb.CreateLoadBalancerInput{Name: aws.String(name), Tags: elbTags(tags)})
		return err
	}
	createTG := func(name string) error {
		_, err := elbc.CreateTargetGroup(ctx(), &elb.CreateTargetGroupInput{Name: aws.String(name)})
		return err
	}
	createRole := func(name, path string, tags [][2]string) error {
		in := &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(ecsTasksTrust)}
		if path != "" {
			in.Path = aws.String(path)
		}
		for _, t := range tags {
			in.Tags = append(in.Tags, iamtypes.Tag{Key: aws.String(t[0]), Value: aws.String(t[1])})
		}
		_, err := iamc.CreateRole(ctx(), in)
		return err
	}
	createGroup := func(name, desc string) error {
		_, err := e.ec2.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(desc)})
		return err
	}
	createVpc := func(tags [][2]string) error {
		spec := ec2types.TagSpecification{ResourceType: ec2types.ResourceTypeVpc}
		for _, t := range tags {
			spec.Tags = append(spec.Tags, ec2types.Tag{Key: aws.String(t[0]), Value: aws.String(t[1])})
		}
		_, err := e.ec2.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), TagSpecifications: []ec2types.TagSpecification{spec}})
		return err
	}
	createRepo := func(name string, tags [][2]string) error {
		in := &ecr.CreateRepositoryInput{RepositoryName: aws.String(name)}
		for _, t := range tags {
			in.Tags = append(in.Tags, ecrtypes.Tag{Key: aws.String(t[0]), Value: aws.String(t[1])})
		}
		_, err := ecrc.CreateRepository(ctx(), in)
		return err
	}
	createLogGroup := func(name string, tags [][2]string) error {
		in := &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name), Tags: map[string]string{}}
		for _, t := range tags {
			in.Tags[t[0]] = t[1]
		}
		_, err := logsc.CreateLogGroup(ctx(), in)
		return err
	}
	createBucket := func(name string) error {
		_, err := s3c.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String(name)})
		return err
	}
	createProject := func(name string, tags [][2]string) error {
		in := cbSeedProject(name, false)
		in.Tags = nil
		for _, t := range tags {
			in.Tags = append(in.Tags, cbtypes.Tag{Key: aws.String(t[0]), Value: aws.String(t[1])})
		}
		_, err := cbc.CreateProject(ctx(), in)
		return err
	}
	createPipeline := func(name string) error {
		_, err := cpc.CreatePipeline(ctx(), &codepipeline.CreatePipelineInput{Pipeline: &cptypes.PipelineDeclaration{
			Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::123456789012:role/pipeline"),
			Stages: []cptypes.StageDeclaration{{Name: aws.String("Source"), Actions: []cptypes.ActionDeclaration{{
				Name: aws.String("Source"),
				ActionTypeId: &cptypes.ActionTypeId{Category: cptypes.ActionCategorySource, Owner: cptypes.ActionOwnerAws,
					Provider: aws.String("CodeStarSourceConnection"), Version: aws.String("1")},
			}}}},
		}})
		return err
	}
	createCluster := func(name string, tags [][2]string) error {
		in := &ecs.CreateClusterInput{ClusterName: aws.String(name)}
		for _, t := range tags {
			in.Tags = append(in.Tags, ecstypes.Tag{Key: aws.String(t[0]), Value: aws.String(t[1])})
		}
		_, err := ecsc.CreateCluster(ctx(), in)
		return err
	}
	createService := func(name string) error {
		_, err := ecsc.CreateService(ctx(), &ecs.CreateServiceInput{ServiceName: aws.String(name), TaskDefinition: aws.String("app")})
		return err
	}
	registerFamily := func(name string) error {
		_, err := ecsc.RegisterTaskDefinition(ctx(), &ecs.RegisterTaskDefinitionInput{Family: aws.String(name),
			ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("nginx"), Memory: aws.Int32(512)}}})
		return err
	}
	putParameter := func(name string, tags [][2]string) error {
		in := &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString}
		for _, t := range tags {
			in.Tags = append(in.Tags, ssmtypes.Tag{Key: aws.String(t[0]), Value: aws.String(t[1])})
		}
		_, err := ssmc.PutParameter(ctx(), in)
		return err
	}
	createConnection := func(name string) error {
		_, err := csc.CreateConnection(ctx(), &codestarconnections.CreateConnectionInput{ConnectionName: aws.String(name), ProviderType: cstypes.ProviderTypeGithub})
		return err
	}

	for _, tc := range []struct {
		name string
		err  error
		code string
		msg  string // in the message, so that the refusal is the one the case is about
	}{
		{"load balancer name with underscore", createLB("a_b", nil), "ValidationError", "alphanumeric"},
		{"load balancer name ending in a hyphen", createLB("app-", nil), "ValidationError", "hyphen"},
		{"load balancer name beginning internal-", createLB("internal-app", nil), "ValidationError", "internal-"},
		{"load balancer tag aws:", createLB("app", reserved), "ValidationError", "aws:"},
		{"load balancer tag key with *", createLB("app", [][2]string{{"a*b", "v"}}), "ValidationError", "tags.member.key"},
		{"load balancer 51 tags", createLB("app", manyTags(51)), "TooManyTags", "quota"},
		{"target group name of 33", createTG(strings.Repeat("t", 33)), "ValidationError", "32"},
		{"role name with a space", createRole("my role", "", nil), "ValidationError", "roleName"},
		{"role name of 65", createRole(strings.Repeat("r", 65), "", nil), "ValidationError", "roleName"},
		{"role path without the last slash", createRole("app", "/flaskops", nil), "ValidationError", "'path'"},
		{"role tag aws:", createRole("app", "", reserved), "InvalidInput", "aws:"},
		{"role 51 tags", createRole("app", "", manyTags(51)), "ValidationError", "'tags'"},
		{"security group named like an ID", createGroup("sg-app", "d"), "InvalidParameterValue", "sg-*"},
		{"security group name of 256", createGroup(strings.Repeat("g", 256), "d"), "InvalidParameterValue", "GroupName"},
		{"security group description with <", createGroup("app", "a <b>"), "InvalidParameterValue", "GroupDescription"},
		{"vpc tag aws:", createVpc(reserved), "InvalidParameterValue", "aws:"},
		{"vpc tag key of 129", createVpc([][2]string{{strings.Repeat("k", 129), "v"}}), "InvalidParameterValue", "parameter key"},
		{"vpc 51 tags", createVpc(manyTags(51)), "TagLimitExceeded", "maximum number of tags"},
		{"repository with capitals", createRepo("App", nil), "InvalidParameterException", "repositoryName"},
		{"repository of one character", createRepo("a", nil), "InvalidParameterException", "repositoryName"},
		{"repository tag aws:", createRepo("app", reserved), "InvalidTagParameterException", "aws:"},
		{"repository 51 tags", createRepo("app", manyTags(51)), "TooManyTagsException", "50 tags"},
		{"log group with a space", createLogGroup("/ecs/my app", nil), "InvalidParameterException", "logGroupName"},
		{"log group tag aws:", createLogGroup("/ecs/app", reserved), "InvalidParameterException", "aws:"},
		{"bucket sthree-", createBucket("sthree-artifacts"), "InvalidBucketName", "not valid"},
		{"bucket like an IP address", createBucket("192.168.10.1"), "InvalidBucketName", "not valid"},
		{"bucket with ..", createBucket("my..bucket"), "InvalidBucketName", "not valid"},
		{"bucket ending -s3alias", createBucket("artifacts-s3alias"), "InvalidBucketName", "not valid"},
		{"project beginning with -", createProject("-build", nil), "ValidationException", "'name'"},
		{"project with a dot", createProject("app.build", nil), "ValidationException", "'name'"},
		{"project tag aws:", createProject("build", reserved), "InvalidInputException", "aws:"},
		{"project tag key of 128", createProject("build", [][2]string{{strings.Repeat("k", 128), "v"}}), "ValidationException", "tags.member.key"},
		{"pipeline with a space", createPipeline("my pipeline"), "ValidationException", "pipeline.name"},
		{"pipeline of 101", createPipeline(strings.Repeat("p", 101)), "ValidationException", "pipeline.name"},
		{"cluster with a dot", createCluster("app.cluster", nil), "InvalidParameterException", "Cluster name"},
		{"cluster tag aws:", createCluster("app", reserved), "InvalidParameterException", "aws:"},
		{"service with a slash", createService("app/web"), "InvalidParameterException", "Service name"},
		{"family with a colon", registerFamily("app:1"), "ClientException", "Family"},
		{"parameter prefixed aws", putParameter("awsconfig", nil), "ValidationException", "reserved"},
		{"parameter path prefixed ssm", putParameter("/SSM/app", nil), "ValidationException", "reserved"},
		{"parameter path without leading slash", putParameter("app/uri", nil), "ValidationException", "fully qualified"},
		{"parameter of 16 levels", putParameter(strings.Repeat("/a", 16), nil), "HierarchyLevelLimitExceededException", "15 levels"},
		{"parameter longer than its ARN allows", putParameter("/"+strings.Repeat("a", 1000), nil), "ValidationException", "too long"},
		{"parameter tag aws:", putParameter("/app/uri", reserved), "ValidationException", "aws:"},
		{"connection name of 33", createConnection(strings.Repeat("c", 33)), "ValidationException", "connectionName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectCode(t, tc.err, tc.code)
			if !strings.Contains(apiMessage(tc.err), tc.msg) {
				t.Fatalf("message %q does not mention %q", apiMessage(tc.err), tc.msg)
			}
			var re *awshttp.ResponseError
			if !errors.As(tc.err, &re) || re.HTTPStatusCode() != http.StatusBadRequest {
				t.Fatalf("HTTP status of %v, want 400", tc.err)
			}
		})
	}
	if live := e.sim.ListLive(); len(live) != 0 {
		t.Fatalf("refused creates left %v", live)
	}
}

// TestTagLimitsAfterMerge: EC2 counts a resource's tags after CreateTags merges new ones in.
func TestTagLimitsAfterMerge(t *testing.T) {
	e := newEnv(t)
	vpcID := e.vpc(t, "10.0.0.0/16")
	tag := func(from, n int) error {
		var tags []ec2types.Tag
		for i := from; i < from+n; i++ {
			tags = append(tags, ec2types.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")})
		}
		_, err := e.ec2.CreateTags(ctx(), &ec2.CreateTagsInput{Resources: []string{vpcID}, Tags: tags})
		return err
	}
	if err := tag(0, 50); err != nil {
		t.Fatalf("50 tags: %v", err)
	}
	if err := tag(0, 50); err != nil {
		t.Fatalf("the same 50 tags again: %v", err)
	}
	expectCode(t, tag(50, 1), "TagLimitExceeded")
	out := mustDo(e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}}))(t)
	if n := len(out.Vpcs[0].Tags); n != 50 {
		t.Fatalf("%d tags after the refused call, want 50", n)
	}
}
