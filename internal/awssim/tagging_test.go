package awssim_test

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
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
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/schemas"
	tagtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go/encoding/cbor"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// taggingClients are the two ways the Tagging API is spoken: the SDK client's default,
// RPC v2 CBOR, and awsJson 1.1, which the aws CLI speaks.
func (e *svcEnv) taggingClients(region string) map[string]*tagging.Client {
	return map[string]*tagging.Client{
		"cbor": tagging.NewFromConfig(e.cfg(region)),
		"json": tagging.NewFromConfig(e.cfg(region), func(o *tagging.Options) {
			o.Protocol = awsjson.New11(schemas.ResourceGroupsTaggingAPI_20170126)
		}),
	}
}

// getResources pages through GetResources and returns the tags by ARN and the page count.
func getResources(t *testing.T, c *tagging.Client, in *tagging.GetResourcesInput) (map[string]map[string]string, int) {
	t.Helper()
	got, pages := map[string]map[string]string{}, 0
	for p := tagging.NewGetResourcesPaginator(c, in); p.HasMorePages(); {
		out := must[*tagging.GetResourcesOutput](t, "get resources")(p.NextPage(bg))
		pages++
		for _, m := range out.ResourceTagMappingList {
			tags := map[string]string{}
			for _, tag := range m.Tags {
				tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
			}
			got[aws.ToString(m.ResourceARN)] = tags
		}
	}
	return got, pages
}

func team(v string) []ecstypes.Tag {
	return []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String(v)}}
}

// TestTaggingGetResources tags a resource of every kind the simulator holds with "team" and
// finds them again through the Tagging API, by tag, by type, by ARN, page by page.
func TestTaggingGetResources(t *testing.T) {
	e := newCICDEnv(t, true)
	e.createPipeline(t, "demo-dev")
	cfg := e.cfg(ecsRegion)
	arn := func(service, res string) string { return "arn:aws:" + service + ":us-east-1:123456789012:" + res }
	want := map[string]string{} // ARN -> team

	must[*ec2.CreateTagsOutput](t, "tag vpc")(e.ec2.CreateTags(bg, &ec2.CreateTagsInput{Resources: []string{e.vpc},
		Tags: []ec2types.Tag{{Key: aws.String("team"), Value: aws.String("net")}, {Key: aws.String("env"), Value: aws.String("dev")}}}))
	vpcARN := arn("ec2", "vpc/"+e.vpc)
	want[vpcARN] = "net"
	tg := aws.ToString(must[*elbv2.CreateTargetGroupOutput](t, "tg")(e.elb.CreateTargetGroup(bg, &elbv2.CreateTargetGroupInput{
		Name: aws.String("web"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(5000), VpcId: aws.String(e.vpc),
		TargetType: elbtypes.TargetTypeEnumIp})).TargetGroups[0].TargetGroupArn)
	lb, _ := e.alb(t, tg)
	must[*elbv2.AddTagsOutput](t, "tag lb")(e.elb.AddTags(bg, &elbv2.AddTagsInput{ResourceArns: []string{lb, tg},
		Tags: []elbtypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}}}))
	want[lb], want[tg] = "web", "web"
	must[*ecs.TagResourceOutput](t, "tag cluster")(e.ecs.TagResource(bg, &ecs.TagResourceInput{ResourceArn: aws.String(arn("ecs", "cluster/demo-dev")), Tags: team("app")}))
	want[arn("ecs", "cluster/demo-dev")] = "app"
	must[*ecr.TagResourceOutput](t, "tag repo")(e.ecr.TagResource(bg, &ecr.TagResourceInput{ResourceArn: aws.String(arn("ecr", "repository/demo-dev")),
		Tags: []ecrtypes.Tag{{Key: aws.String("team"), Value: aws.String("app")}}}))
	want[arn("ecr", "repository/demo-dev")] = "app"
	must[*iam.TagRoleOutput](t, "tag role")(iam.NewFromConfig(cfg).TagRole(bg, &iam.TagRoleInput{RoleName: aws.String("demo-dev-pipeline"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("ci")}}}))
	want[e.role] = "ci"
	must[*cloudwatchlogs.CreateLogGroupOutput](t, "log group")(e.logs(ecsRegion).CreateLogGroup(bg, &cloudwatchlogs.CreateLogGroupInput{
		LogGroupName: aws.String("/ecs/demo-dev-app"), Tags: map[string]string{"team": "app"}}))
	want[arn("logs", "log-group:/ecs/demo-dev-app")] = "app"
	must[*ssm.AddTagsToResourceOutput](t, "tag parameter")(ssm.NewFromConfig(cfg).AddTagsToResource(bg, &ssm.AddTagsToResourceInput{
		ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String("/demo-dev/repository-uri"),
		Tags: []ssmtypes.Tag{{Key: aws.String("team"), Value: aws.String("app")}}}))
	want[arn("ssm", "parameter/demo-dev/repository-uri")] = "app"
	bucketTags := &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("team"), Value: aws.String("ci")}}}
	must[*s3.PutBucketTaggingOutput](t, "tag bucket")(e.s3(ecsRegion).PutBucketTagging(bg, &s3.PutBucketTaggingInput{Bucket: aws.String("demo-dev-artifacts"), Tagging: bucketTags}))
	want["arn:aws:s3:::demo-dev-artifacts"] = "ci"
	must[*codebuild.UpdateProjectOutput](t, "tag project")(codebuild.NewFromConfig(cfg).UpdateProject(bg, &codebuild.UpdateProjectInput{
		Name: aws.String("demo-dev-build"), Tags: []cbtypes.Tag{{Key: aws.String("team"), Value: aws.String("ci")}}}))
	want[arn("codebuild", "project/demo-dev-build")] = "ci"
	must[*codepipeline.TagResourceOutput](t, "tag pipeline")(e.cp.TagResource(bg, &codepipeline.TagResourceInput{ResourceArn: aws.String(arn("codepipeline", "demo-dev")),
		Tags: []cptypes.Tag{{Key: aws.String("team"), Value: aws.String("ci")}}}))
	want[arn("codepipeline", "demo-dev")] = "ci"
	must[*codestarconnections.TagResourceOutput](t, "tag connection")(e.codestar(ecsRegion).TagResource(bg, &codestarconnections.TagResourceInput{
		ResourceArn: aws.String(e.conn), Tags: []cstypes.Tag{{Key: aws.String("team"), Value: aws.String("ci")}}}))
	want[e.conn] = "ci"
	cert := aws.ToString(must[*acm.RequestCertificateOutput](t, "certificate")(acm.NewFromConfig(cfg).RequestCertificate(bg, &acm.RequestCertificateInput{
		DomainName: aws.String("app.example.com"), Tags: []acmtypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}}})).CertificateArn)
	want[cert] = "web"
	// A tagged bucket of another region is listed there only.
	must[*s3.CreateBucketOutput](t, "eu bucket")(e.s3("eu-west-1").CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("eu-artifacts"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}))
	must[*s3.PutBucketTaggingOutput](t, "tag eu bucket")(e.s3("eu-west-1").PutBucketTagging(bg, &s3.PutBucketTaggingInput{Bucket: aws.String("eu-artifacts"), Tagging: bucketTags}))

	teamFilter := func(values ...string) tagtypes.TagFilter {
		return tagtypes.TagFilter{Key: aws.String("team"), Values: values}
	}
	subset := func(teams ...string) []string {
		var out []string
		for a, v := range want {
			if len(teams) == 0 || slices.Contains(teams, v) {
				out = append(out, a)
			}
		}
		slices.Sort(out)
		return out
	}
	for proto, c := range e.taggingClients(ecsRegion) {
		for _, tc := range []struct {
			what  string
			in    tagging.GetResourcesInput
			want  []string
			pages int
		}{
			{"every team, 5 a page", tagging.GetResourcesInput{TagFilters: []tagtypes.TagFilter{teamFilter()}, ResourcesPerPage: aws.Int32(5)}, subset(), 3},
			{"team app", tagging.GetResourcesInput{TagFilters: []tagtypes.TagFilter{teamFilter("app")}}, subset("app"), 0},
			{"team ci or web, with an owner", tagging.GetResourcesInput{TagFilters: []tagtypes.TagFilter{teamFilter("ci", "web"), {Key: aws.String("flaskops.io/owner")}}},
				[]string{arn("codepipeline", "demo-dev")}, 0}, // the connection is tagged "owner", not "flaskops.io/owner"
			{"VPCs", tagging.GetResourcesInput{TagFilters: []tagtypes.TagFilter{teamFilter()}, ResourceTypeFilters: []string{"ec2:vpc"}}, []string{vpcARN}, 0},
			{"load balancers", tagging.GetResourcesInput{ResourceTypeFilters: []string{"elasticloadbalancing:loadbalancer"}}, []string{lb}, 0},
			{"ELB resources and buckets", tagging.GetResourcesInput{ResourceTypeFilters: []string{"elasticloadbalancing", "s3"}},
				[]string{"arn:aws:s3:::demo-dev-artifacts", lb, tg}, 0},
			{"IAM roles", tagging.GetResourcesInput{ResourceTypeFilters: []string{"iam:role"}}, []string{e.role}, 0},
			{"by ARN", tagging.GetResourcesInput{ResourceARNList: []string{vpcARN, arn("ec2", "vpc/vpc-00000000000000000")}}, []string{vpcARN}, 0},
			{"no match", tagging.GetResourcesInput{TagFilters: []tagtypes.TagFilter{teamFilter("nobody")}}, nil, 0},
		} {
			got, pages := getResources(t, c, &tc.in)
			slices.Sort(tc.want)
			if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, tc.want) || (tc.pages > 0 && pages != tc.pages) {
				t.Errorf("%s %s: %v in %d pages, want %v", proto, tc.what, keys, pages, tc.want)
			}
			if tags, ok := got[vpcARN]; ok && !maps.Equal(tags, map[string]string{"team": "net", "env": "dev"}) {
				t.Errorf("%s %s: VPC tags %v", proto, tc.what, tags)
			}
		}
		out := must[*tagging.GetResourcesOutput](t, "compliance")(c.GetResources(bg, &tagging.GetResourcesInput{
			ResourceARNList: []string{lb}, IncludeComplianceDetails: aws.Bool(true)}))
		if len(out.ResourceTagMappingList) != 1 || out.ResourceTagMappingList[0].ComplianceDetails == nil ||
			!aws.ToBool(out.ResourceTagMappingList[0].ComplianceDetails.ComplianceStatus) || aws.ToString(out.PaginationToken) != "" {
			t.Errorf("%s compliance: %+v", proto, out)
		}
		for what, in := range map[string]*tagging.GetResourcesInput{
			"ARNs and filters": {ResourceARNList: []string{lb}, TagFilters: []tagtypes.TagFilter{teamFilter()}},
			"page too large":   {ResourcesPerPage: aws.Int32(101)},
			"tags per page":    {TagsPerPage: aws.Int32(99)},
			"bad token":        {PaginationToken: aws.String("garbage!")},
			"exclude alone":    {ExcludeCompliantResources: aws.Bool(true)},
		} {
			_, err := c.GetResources(bg, in)
			wantCode(t, proto+" "+what, err, "InvalidParameterException")
		}
		_, err := c.GetTagKeys(bg, &tagging.GetTagKeysInput{})
		wantCode(t, proto+" unsimulated operation", err, "UnknownOperationException")
	}
	// IAM roles are global: listed in us-east-1 only; buckets in their own region.
	for region, wantARNs := range map[string][]string{"eu-west-1": {"arn:aws:s3:::eu-artifacts"}, "us-west-2": nil} {
		got, _ := getResources(t, e.taggingClients(region)["cbor"], &tagging.GetResourcesInput{})
		if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, wantARNs) {
			t.Errorf("%s: %v, want %v", region, keys, wantARNs)
		}
	}
}

// TagsPerPage keeps a resource's tags on one page: three VPCs of 40 tags make pages of two
// and one at 100 tags a page.
func TestTaggingTagsPerPage(t *testing.T) {
	e := newSvcEnv(t)
	c := ec2.NewFromConfig(e.cfg("us-east-1"))
	for i := range 3 {
		tags := []ec2types.Tag{{Key: aws.String("bulk"), Value: aws.String(fmt.Sprint(i))}}
		for k := range 39 {
			tags = append(tags, ec2types.Tag{Key: aws.String(fmt.Sprintf("k%d", k)), Value: aws.String("v")})
		}
		must[*ec2.CreateVpcOutput](t, "vpc")(c.CreateVpc(bg, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpc, Tags: tags}}}))
	}
	for proto, tc := range e.taggingClients("us-east-1") {
		var sizes []int
		for p := tagging.NewGetResourcesPaginator(tc, &tagging.GetResourcesInput{TagsPerPage: aws.Int32(100), ResourcesPerPage: aws.Int32(100)}); p.HasMorePages(); {
			page := must[*tagging.GetResourcesOutput](t, "page")(p.NextPage(bg))
			sizes = append(sizes, len(page.ResourceTagMappingList))
			for _, m := range page.ResourceTagMappingList {
				if len(m.Tags) != 40 {
					t.Fatalf("%s: %s has %d tags on the page, want 40", proto, aws.ToString(m.ResourceARN), len(m.Tags))
				}
			}
		}
		if fmt.Sprint(sizes) != "[2 1]" {
			t.Errorf("%s: pages of %v resources, want [2 1]", proto, sizes)
		}
	}
}

// GetResources needs tag:GetResources (on "*"); a refusal reaches both wire protocols as
// AccessDeniedException. GetParametersByPath is checked against the path.
func TestTaggingAndReadsAreAuthorized(t *testing.T) {
	e := newSvcEnv(t)
	setPolicy(t, e.sim, policy(`{"Effect":"Allow","Action":"ssm:GetParametersByPath","Resource":"arn:aws:ssm:us-east-1:123456789012:parameter/flaskops"}`))
	for proto, c := range e.taggingClients("us-east-1") {
		t.Run(proto, func(t *testing.T) {
			_, err := c.GetResources(bg, &tagging.GetResourcesInput{})
			denied(t, err, "AccessDeniedException", 400, "tag:GetResources", "*")
		})
	}
	c := ssm.NewFromConfig(e.cfg("us-east-1"))
	must[*ssm.GetParametersByPathOutput](t, "allowed path")(c.GetParametersByPath(bg, &ssm.GetParametersByPathInput{Path: aws.String("/flaskops")}))
	_, err := c.GetParametersByPath(bg, &ssm.GetParametersByPathInput{Path: aws.String("/other")})
	denied(t, err, "AccessDeniedException", 400, "ssm:GetParametersByPath", "arn:aws:ssm:us-east-1:123456789012:parameter/other")

	setPolicy(t, e.sim, policy(`{"Effect":"Allow","Action":"tag:GetResources","Resource":"*"}`))
	for proto, c := range e.taggingClients("us-east-1") {
		if _, err := c.GetResources(bg, &tagging.GetResourcesInput{}); err != nil {
			t.Fatalf("%s: allowed GetResources: %v", proto, err)
		}
	}
	if got := e.sim.UsedActions(); fmt.Sprint(got) != "[tag:GetResources]" {
		t.Fatalf("used actions %v", got)
	}
}

// A CBOR body that does not decode is answered in the CBOR error envelope.
func TestTaggingRefusesMalformedCBOR(t *testing.T) {
	e := newSvcEnv(t)
	req, err := http.NewRequest(http.MethodPost, e.url+"/service/ResourceGroupsTaggingAPI_20170126/operation/GetResources", strings.NewReader("\xbf\x61"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
	req.Header.Set("Content-Type", "application/cbor")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	v, err := cbor.Decode(body)
	m, _ := v.(cbor.Map)
	if err != nil || resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" ||
		m["__type"] != cbor.String("SerializationException") {
		t.Fatalf("status %d headers %v body %v (%v)", resp.StatusCode, resp.Header, v, err)
	}
}

func TestTaggingUntagResources(t *testing.T) {
	e := newSvcEnv(t)
	cfg := e.cfg("us-east-1")
	for proto, tc := range e.taggingClients("us-east-1") {
		t.Run(proto, func(t *testing.T) {
			vpc := aws.ToString(must[*ec2.CreateVpcOutput](t, "vpc")(ec2.NewFromConfig(cfg).CreateVpc(bg, &ec2.CreateVpcInput{
				CidrBlock: aws.String("10.0.0.0/16"), TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpc,
					Tags: []ec2types.Tag{{Key: aws.String("uid"), Value: aws.String("1")}, {Key: aws.String("team"), Value: aws.String(proto)}}}}})).Vpc.VpcId)
			repo := aws.ToString(must[*ecr.CreateRepositoryOutput](t, "repo")(ecr.NewFromConfig(cfg).CreateRepository(bg, &ecr.CreateRepositoryInput{
				RepositoryName: aws.String("app-" + proto), Tags: []ecrtypes.Tag{{Key: aws.String("uid"), Value: aws.String("1")},
					{Key: aws.String("team"), Value: aws.String(proto)}}})).Repository.RepositoryArn)
			vpcARN := "arn:aws:ec2:us-east-1:123456789012:vpc/" + vpc
			gone := "arn:aws:ecr:us-east-1:123456789012:repository/gone"
			out := must[*tagging.UntagResourcesOutput](t, "untag")(tc.UntagResources(bg, &tagging.UntagResourcesInput{
				ResourceARNList: []string{vpcARN, repo, gone}, TagKeys: []string{"uid", "absent"}}))
			if len(out.FailedResourcesMap) != 1 ||
				out.FailedResourcesMap[gone].ErrorCode != tagtypes.ErrorCodeInvalidParameterException {
				t.Errorf("FailedResourcesMap = %+v, want only %s as InvalidParameterException", out.FailedResourcesMap, gone)
			}
			got, _ := getResources(t, tc, &tagging.GetResourcesInput{TagFilters: []tagtypes.TagFilter{{Key: aws.String("team"), Values: []string{proto}}}})
			want := map[string]map[string]string{vpcARN: {"team": proto}, repo: {"team": proto}}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("tags after untag = %v, want %v", got, want)
			}
			_, err := tc.UntagResources(bg, &tagging.UntagResourcesInput{ResourceARNList: []string{repo}, TagKeys: []string{}})
			wantCode(t, "untag without keys", err, "InvalidParameterException")
		})
	}
}
