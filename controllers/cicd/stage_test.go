package cicd_test

import (
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/aws-sdk-go-v2/service/codestarconnections"
	cstypes "github.com/aws/aws-sdk-go-v2/service/codestarconnections/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/cicd"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// policy is an inline policy as the tests read it.
type policy struct {
	Statement []struct {
		Sid       string
		Effect    string
		Action    []string
		Resource  []string
		Condition map[string]map[string]string
	}
}

func (r *rig) rolePolicy(role, name string) policy {
	r.t.Helper()
	out, err := r.clients.IAM(region).GetRolePolicy(bg, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name)})
	if err != nil {
		r.t.Fatalf("get policy %s of %s: %v", name, role, err)
	}
	doc, _ := url.QueryUnescape(aws.ToString(out.PolicyDocument))
	var p policy
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		r.t.Fatalf("policy %s: %v", doc, err)
	}
	return p
}

// grants maps each action of a policy to its resources.
func (p policy) grants() map[string][]string {
	out := map[string][]string{}
	for _, s := range p.Statement {
		for _, a := range s.Action {
			out[a] = append(out[a], s.Resource...)
		}
	}
	return out
}

func (r *rig) project(name string) cbtypes.Project {
	r.t.Helper()
	out, err := r.clients.CodeBuild(region).BatchGetProjects(bg, &codebuild.BatchGetProjectsInput{Names: []string{name}})
	if err != nil || len(out.Projects) != 1 {
		r.t.Fatalf("get project %s: %v (%d found)", name, err, len(out.Projects))
	}
	return out.Projects[0]
}

func (r *rig) pipeline(name string) *cptypes.PipelineDeclaration {
	r.t.Helper()
	out, err := r.clients.CodePipeline(region).GetPipeline(bg, &codepipeline.GetPipelineInput{Name: aws.String(name)})
	if err != nil {
		r.t.Fatalf("get pipeline %s: %v", name, err)
	}
	return out.Pipeline
}

func wantOwnerTags(t *testing.T, what string, fd *v1alpha1.FlaskDeployment, tags map[string]string) {
	t.Helper()
	if !owner(fd).Owns(tags) || tags[cloud.TagStage] != cicd.Name || tags["project"] != "mane" {
		t.Errorf("%s tags %v: want this object's, the cicd stage's and spec.tags", what, tags)
	}
}

// TestConverge builds everything from nothing and checks every setting in the simulator.
func TestConverge(t *testing.T) {
	r := newRig(t)
	fd := newFD(tenant, "shop", r.connection("github"))
	r.inputs(fd)
	res := r.converge(fd)
	if res.Reason != v1alpha1.ReasonReady || !strings.Contains(res.Message, "pipeline ") {
		t.Fatalf("result %+v", res)
	}
	st := fd.Status.Pipeline
	o := owner(fd)

	// The bucket: versioned, closed, SSE-S3, expiring, tagged.
	bucket := st.ArtifactBucket
	if !strings.HasSuffix(bucket, "-artifacts") || !cloud.BucketName.Valid(bucket) {
		t.Fatalf("bucket %q", bucket)
	}
	c := r.clients.S3(region)
	ver, err := c.GetBucketVersioning(bg, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	if err != nil || ver.Status != s3types.BucketVersioningStatusEnabled {
		t.Errorf("versioning %+v %v", ver, err)
	}
	pab, err := c.GetPublicAccessBlock(bg, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	if b := pab.PublicAccessBlockConfiguration; err != nil || !aws.ToBool(b.BlockPublicAcls) || !aws.ToBool(b.IgnorePublicAcls) ||
		!aws.ToBool(b.BlockPublicPolicy) || !aws.ToBool(b.RestrictPublicBuckets) {
		t.Errorf("public access block %+v %v", pab, err)
	}
	enc, err := c.GetBucketEncryption(bg, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)})
	if err != nil || enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != s3types.ServerSideEncryptionAes256 {
		t.Errorf("encryption %+v %v", enc, err)
	}
	lc, err := c.GetBucketLifecycleConfiguration(bg, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("lifecycle: %v", err)
	}
	expire, noncurrent, markers := int32(0), int32(0), false
	for _, rule := range lc.Rules {
		if rule.Status != s3types.ExpirationStatusEnabled {
			continue
		}
		if x := rule.Expiration; x != nil {
			expire = max(expire, aws.ToInt32(x.Days))
			markers = markers || aws.ToBool(x.ExpiredObjectDeleteMarker)
		}
		if x := rule.NoncurrentVersionExpiration; x != nil {
			noncurrent = aws.ToInt32(x.NoncurrentDays)
		}
	}
	if expire != 90 || noncurrent != 30 || !markers {
		t.Errorf("lifecycle expires after %d days, noncurrent after %d, delete markers %v: want 90, 30, true", expire, noncurrent, markers)
	}
	tags, err := c.GetBucketTagging(bg, &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("bucket tags: %v", err)
	}
	wantOwnerTags(t, "bucket", fd, cloud.FromS3(tags.TagSet))

	// The log group.
	group := o.Name(cloud.LogGroupName, "build")
	if st.BuildLogGroupName != group {
		t.Errorf("log group %q, want %q", st.BuildLogGroupName, group)
	}
	lt, err := r.clients.Logs(region).ListTagsForResource(bg, &cloudwatchlogs.ListTagsForResourceInput{
		ResourceArn: aws.String("arn:aws:logs:" + region + ":" + fd.Status.Repository.RegistryID + ":log-group:" + group)})
	if err != nil {
		t.Fatalf("log group tags: %v", err)
	}
	wantOwnerTags(t, "log group", fd, lt.Tags)

	// The roles: under /flaskops/, trusting one service, tagged, policies naming exactly
	// this object's resources.
	account := fd.Status.Repository.RegistryID
	bucketARN := "arn:aws:s3:::" + bucket
	for _, tt := range []struct {
		suffix, arn, service, policy string
		want                         map[string][]string
	}{
		{"build", st.BuildRoleARN, "codebuild.amazonaws.com", "flaskops-build", map[string][]string{
			"logs:PutLogEvents":                  {"arn:aws:logs:us-east-1:" + account + ":log-group:" + group, "arn:aws:logs:us-east-1:" + account + ":log-group:" + group + ":*"},
			"ecr:GetAuthorizationToken":          {"*"},
			"ecr:PutImage":                       {fd.Status.Repository.ARN},
			"ssm:GetParameters":                  {"arn:aws:ssm:us-east-1:" + account + ":parameter" + fd.Status.Repository.ParameterName},
			"s3:PutObject":                       {bucketARN + "/*"},
			"s3:GetBucketLocation":               {bucketARN},
			"codebuild:StartBuild":               nil,
			"iam:PassRole":                       nil,
			"codestar-connections:UseConnection": nil,
		}},
		{"pipeline", st.PipelineRoleARN, "codepipeline.amazonaws.com", "flaskops-pipeline", map[string][]string{
			"s3:GetObject":                       {bucketARN + "/*"},
			"codebuild:StartBuild":               {"arn:aws:codebuild:us-east-1:" + account + ":project/" + st.BuildProjectName},
			"codestar-connections:UseConnection": {fd.Spec.Pipeline.Source.ConnectionARN},
			"ecs:UpdateService":                  {fd.Status.Service.ServiceARN},
			"ecs:RegisterTaskDefinition":         {"*"},
			"ecs:DescribeTaskDefinition":         {"*"},
			"iam:PassRole":                       {fd.Status.Service.ExecutionRoleARN},
			"ecr:GetAuthorizationToken":          nil,
		}},
	} {
		name := o.Name(cloud.RoleName, tt.suffix)
		role, err := r.clients.IAM(region).GetRole(bg, &iam.GetRoleInput{RoleName: aws.String(name)})
		if err != nil {
			t.Fatalf("get role %s: %v", name, err)
		}
		if aws.ToString(role.Role.Arn) != tt.arn || aws.ToString(role.Role.Path) != "/flaskops/" {
			t.Errorf("role %s: arn %s path %s, status %s", name, aws.ToString(role.Role.Arn), aws.ToString(role.Role.Path), tt.arn)
		}
		trust, _ := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument))
		if !strings.Contains(trust, `"Service":"`+tt.service+`"`) || strings.Count(trust, "Principal") != 1 {
			t.Errorf("role %s trusts %s", name, trust)
		}
		wantOwnerTags(t, "role "+name, fd, cloud.FromIAM(role.Role.Tags))
		p := r.rolePolicy(name, tt.policy)
		grants := p.grants()
		for action, want := range tt.want {
			if got := grants[action]; !slices.Equal(got, want) {
				t.Errorf("role %s grants %s on %v, want %v", name, action, got, want)
			}
		}
		for action, resources := range grants {
			if slices.Contains(resources, "*") && !slices.Contains([]string{"ecr:GetAuthorizationToken", "ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"}, action) {
				t.Errorf("role %s grants %s on *", name, action)
			}
		}
		for _, s := range p.Statement {
			if slices.Contains(s.Action, "iam:PassRole") && s.Condition["StringEquals"]["iam:PassedToService"] != "ecs-tasks.amazonaws.com" {
				t.Errorf("role %s passes roles with %v", name, s.Condition)
			}
		}
	}

	// The project.
	pr := r.project(o.Name(cloud.ProjectName, "build"))
	env := pr.Environment
	if st.BuildProjectName != aws.ToString(pr.Name) || pr.Source.Type != cbtypes.SourceTypeCodepipeline || aws.ToString(pr.Source.Buildspec) != "buildspec.yml" ||
		pr.Artifacts.Type != cbtypes.ArtifactsTypeCodepipeline || aws.ToString(pr.ServiceRole) != st.BuildRoleARN {
		t.Errorf("project %s: source %+v artifacts %+v role %s", aws.ToString(pr.Name), pr.Source, pr.Artifacts, aws.ToString(pr.ServiceRole))
	}
	if aws.ToString(env.Image) != "aws/codebuild/standard:7.0" || env.ComputeType != cbtypes.ComputeTypeBuildGeneral1Small ||
		!aws.ToBool(env.PrivilegedMode) || env.Type != cbtypes.EnvironmentTypeLinuxContainer {
		t.Errorf("project environment %+v", env)
	}
	vars := map[string]string{}
	for _, v := range env.EnvironmentVariables {
		vars[aws.ToString(v.Name)] = string(v.Type) + ":" + aws.ToString(v.Value)
	}
	if want := map[string]string{
		"REPOSITORY_URI":     "PARAMETER_STORE:" + fd.Status.Repository.ParameterName,
		"CONTAINER_NAME":     "PLAINTEXT:" + cloud.ContainerName,
		"AWS_ACCOUNT_ID":     "PLAINTEXT:" + account,
		"AWS_DEFAULT_REGION": "PLAINTEXT:" + region,
	}; !maps.Equal(vars, want) {
		t.Errorf("project variables %v, want %v", vars, want)
	}
	if cw := pr.LogsConfig.CloudWatchLogs; cw.Status != cbtypes.LogsConfigStatusTypeEnabled || aws.ToString(cw.GroupName) != group {
		t.Errorf("project logs %+v", cw)
	}
	wantOwnerTags(t, "project", fd, cloud.FromCodeBuild(pr.Tags))

	// The pipeline.
	d := r.pipeline(o.Name(cloud.PipelineName, "pipeline"))
	if st.PipelineName != aws.ToString(d.Name) || d.PipelineType != cptypes.PipelineTypeV2 || aws.ToString(d.RoleArn) != st.PipelineRoleARN ||
		d.ArtifactStore.Type != cptypes.ArtifactStoreTypeS3 || aws.ToString(d.ArtifactStore.Location) != bucket {
		t.Errorf("pipeline %s type %s role %s store %+v", aws.ToString(d.Name), d.PipelineType, aws.ToString(d.RoleArn), d.ArtifactStore)
	}
	var stages []string
	for _, s := range d.Stages {
		a := s.Actions[0]
		stages = append(stages, aws.ToString(s.Name)+":"+aws.ToString(a.ActionTypeId.Provider))
	}
	if !slices.Equal(stages, []string{"Source:CodeStarSourceConnection", "Build:CodeBuild", "Deploy:ECS"}) {
		t.Errorf("stages %v", stages)
	}
	if cfg := d.Stages[0].Actions[0].Configuration; cfg["ConnectionArn"] != fd.Spec.Pipeline.Source.ConnectionARN ||
		cfg["FullRepositoryId"] != ghOwner+"/"+ghRepo || cfg["BranchName"] != "main" {
		t.Errorf("source %v", cfg)
	}
	if cfg := d.Stages[1].Actions[0].Configuration; cfg["ProjectName"] != st.BuildProjectName {
		t.Errorf("build %v", cfg)
	}
	if cfg := d.Stages[2].Actions[0].Configuration; cfg["ClusterName"] != o.Name(cloud.ECSName, "cluster") ||
		cfg["ServiceName"] != o.Name(cloud.ECSName, "service") || cfg["FileName"] != "imagedefinitions.json" {
		t.Errorf("deploy %v", cfg)
	}
	if len(d.Triggers) != 1 || aws.ToString(d.Triggers[0].GitConfiguration.SourceActionName) != "Source" ||
		!slices.Equal(d.Triggers[0].GitConfiguration.Push[0].Branches.Includes, []string{"main"}) {
		t.Errorf("triggers %+v", d.Triggers)
	}
	ptags := map[string]string{}
	for pages := codepipeline.NewListTagsForResourcePaginator(r.clients.CodePipeline(region), &codepipeline.ListTagsForResourceInput{ResourceArn: aws.String(st.PipelineARN)}); pages.HasMorePages(); {
		out, err := pages.NextPage(bg)
		if err != nil {
			t.Fatalf("pipeline tags: %v", err)
		}
		maps.Copy(ptags, cloud.FromCodePipeline(out.Tags))
	}
	wantOwnerTags(t, "pipeline", fd, ptags)

	want := map[string]int{"s3/bucket": 1, "logs/log-group": 1, "iam/role": 2, "codebuild/project": 1, "codepipeline/pipeline": 1}
	if got := r.owned(fd); !maps.Equal(got, want) {
		t.Errorf("owned %v, want %v", got, want)
	}
	// A converged pass changes nothing and reports no drift.
	before := r.writes()
	r.mustPass(fd)
	if n := r.writes() - before; n != 0 {
		t.Errorf("a converged pass made %d writes", n)
	}
	if fd.Status.Drift != nil {
		t.Errorf("drift %v", fd.Status.Drift)
	}
}

// Without spec.pipeline the stage is ready at once and asks AWS nothing.
func TestNotConfigured(t *testing.T) {
	r := newRig(t)
	fd := newFD(tenant, "shop", "")
	fd.Spec.Pipeline = nil
	before := r.sim.Calls() // the rig's set-up
	res := r.mustPass(fd)
	if !res.Done || res.Reason != v1alpha1.ReasonNotConfigured {
		t.Fatalf("result %+v", res)
	}
	if calls := r.sim.Calls(); !maps.Equal(calls, before) {
		t.Fatalf("AWS operations called: %v, before the pass %v", calls, before)
	}
}

// The stage makes what it can before the other stages' outputs exist: the bucket and log
// group need nothing, the build role and project wait for the repository, the pipeline for
// the cluster and execution role; not for the service, which the ecs stage creates only
// once the pipeline has built an image.
func TestWaitsForTheOtherStages(t *testing.T) {
	r := newRig(t)
	fd := newFD(tenant, "shop", r.connection("github"))
	full := fd.DeepCopy()
	r.inputs(full)

	res := r.mustPass(fd)
	if res.Done || res.Reason != v1alpha1.ReasonWaitingForRepository || fd.Status.Pipeline.ArtifactBucket == "" || fd.Status.Pipeline.BuildLogGroupName == "" ||
		fd.Status.Pipeline.BuildRoleARN != "" {
		t.Fatalf("without a repository: %+v, status %+v", res, fd.Status.Pipeline)
	}
	fd.Status.Repository = full.Status.Repository
	res = r.mustPass(fd)
	if res.Done || res.Reason != v1alpha1.ReasonWaitingForService || fd.Status.Pipeline.BuildProjectName == "" || fd.Status.Pipeline.PipelineRoleARN != "" {
		t.Fatalf("without a service: %+v, status %+v", res, fd.Status.Pipeline)
	}
	fd.Status.Service = full.Status.Service
	fd.Status.Service.ServiceARN = "" // the ecs stage waits for the first image
	if res = r.mustPass(fd); !res.Done {
		t.Fatalf("with the cluster and execution role: %+v", res)
	}
	d := r.pipeline(fd.Status.Pipeline.PipelineName)
	if got := d.Stages[2].Actions[0].Configuration["ServiceName"]; got != owner(fd).Name(cloud.ECSName, "service") {
		t.Fatalf("deploys to service %q before the ecs stage created it", got)
	}
}

// A resource of our name that its tags do not prove ours is never adopted: the stage
// stalls naming it, and deleting leaves it in place.
func TestOwnershipConflict(t *testing.T) {
	r := newRig(t)
	fd := newFD(tenant, "shop", r.connection("github"))
	r.inputs(fd)
	stale := fd.DeepCopy() // an earlier object of the same name: another UID
	stale.UID = types.UID(uuid.NewUUID())
	r.converge(stale)
	want := r.owned(stale)

	_, err := r.pass(fd)
	term, ok := stage.AsTerminal(err)
	if !ok || term.Reason != v1alpha1.ReasonOwnershipConflict || !strings.Contains(err.Error(), "artifact bucket "+stale.Status.Pipeline.ArtifactBucket) {
		t.Fatalf("another object's bucket: %v", err)
	}
	r.deleteAll(fd)
	if got := r.owned(stale); !maps.Equal(got, want) {
		t.Fatalf("deleting fd took another object's resources: %v, want %v", got, want)
	}
	kept := r.eventsWith("Warning Kept")
	for _, kind := range []string{"Pipeline", "BuildProject", "BuildRole", "PipelineRole", "BuildLogGroup", "ArtifactBucket"} {
		if !slices.ContainsFunc(kept, func(e string) bool { return strings.Contains(e, "Kept"+kind+" ") }) {
			t.Errorf("no event says the %s was left in place: %v", kind, kept)
		}
	}
}

// The connection: pending reports the handshake (one event, not one per pass) without
// holding up readiness; approved is ready; gone is terminal.
func TestConnectionHandshake(t *testing.T) {
	r := newRig(t)
	conn := r.connection("github")
	fd := newFD(tenant, "shop", conn)
	r.inputs(fd)
	r.converge(fd)
	r.mustPass(fd)
	c := meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionSourceConnectionReady)
	if c == nil || c.Status != "False" || c.Reason != v1alpha1.ReasonPendingHandshake ||
		!strings.Contains(c.Message, "https://console.aws.amazon.com/codesuite/settings/connections") || !strings.Contains(c.Message, conn) {
		t.Fatalf("pending: %+v", c)
	}
	if n := len(r.eventsWith(v1alpha1.ReasonPendingHandshake)); n != 1 {
		t.Fatalf("%d handshake events over several passes, want 1", n)
	}
	if err := r.sim.ApproveConnection(conn); err != nil {
		t.Fatal(err)
	}
	r.mustPass(fd)
	if !meta.IsStatusConditionTrue(fd.Status.Conditions, v1alpha1.ConditionSourceConnectionReady) {
		t.Fatalf("approved: %+v", meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionSourceConnectionReady))
	}
	if _, err := r.clients.Connections(region).DeleteConnection(bg, &codestarconnections.DeleteConnectionInput{ConnectionArn: aws.String(conn)}); err != nil {
		t.Fatal(err)
	}
	_, err := r.pass(fd)
	if term, ok := stage.AsTerminal(err); !ok || term.Reason != v1alpha1.ReasonSourceConnectionFailed || !strings.Contains(err.Error(), conn) {
		t.Fatalf("deleted connection: %v", err)
	}
	if c := meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionSourceConnectionReady); c.Reason != v1alpha1.ReasonSourceConnectionFailed {
		t.Fatalf("deleted connection: %+v", c)
	}
}

// A connection not tagged for the object's namespace in this cluster, untagged, another
// namespace's or the same-named namespace's of another cluster sharing the account, is
// refused before the stage writes anything, naming the connection and the tags it needs;
// tagged by an administrator, the next pass builds the pipeline.
func TestConnectionOfAnotherNamespaceIsRefused(t *testing.T) {
	r := newRig(t)
	conns := r.clients.Connections(region)
	out, err := conns.CreateConnection(bg, &codestarconnections.CreateConnectionInput{ConnectionName: aws.String("team-b"),
		ProviderType: cstypes.ProviderTypeGithub, Tags: cloud.ToCodeStar(cloud.ConnectionTags(cluster, "team-b"))})
	must(r, err)
	conn := aws.ToString(out.ConnectionArn)
	fd := newFD(tenant, "shop", conn)
	r.inputs(fd)
	refused := func(what string) {
		t.Helper()
		_, err := r.pass(fd)
		term, ok := stage.AsTerminal(err)
		if !ok || term.Reason != v1alpha1.ReasonConnectionNotAllowed || !strings.Contains(err.Error(), conn) ||
			!strings.Contains(err.Error(), cloud.TagNamespace+"="+tenant) || !strings.Contains(err.Error(), cloud.TagCluster+"="+cluster) ||
			strings.Contains(err.Error(), "team-b") || strings.Contains(err.Error(), "other-cluster") {
			t.Fatalf("%s: %v", what, err)
		}
		if c := meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionSourceConnectionReady); c == nil || c.Reason != v1alpha1.ReasonConnectionNotAllowed {
			t.Fatalf("%s: SourceConnectionReady %+v", what, c)
		}
		if left := r.leftovers(); len(left) != 0 {
			t.Fatalf("%s: the stage wrote %v", what, left)
		}
	}
	refused("another namespace's connection")
	_, err = conns.TagResource(bg, &codestarconnections.TagResourceInput{ResourceArn: aws.String(conn),
		Tags: cloud.ToCodeStar(cloud.ConnectionTags("other-cluster", tenant))})
	must(r, err)
	refused("the connection of a namespace of the same name in another cluster")
	_, err = conns.UntagResource(bg, &codestarconnections.UntagResourceInput{ResourceArn: aws.String(conn), TagKeys: []string{cloud.TagNamespace, cloud.TagCluster}})
	must(r, err)
	refused("an untagged connection")

	_, err = conns.TagResource(bg, &codestarconnections.TagResourceInput{ResourceArn: aws.String(conn),
		Tags: cloud.ToCodeStar(cloud.ConnectionTags(cluster, tenant))})
	must(r, err)
	if res := r.converge(fd); !res.Done || fd.Status.Pipeline.PipelineName == "" {
		t.Fatalf("tagged for the namespace: %+v", res)
	}
}
