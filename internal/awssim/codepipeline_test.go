package awssim_test

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/flaskops/flask-operator/internal/awssim"
)

const pipelineTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"codepipeline.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// cicdEnv is the seed's CI/CD stack around an ECS service: a GitHub connection, the
// artifact bucket, pipeline and build roles, an ECR repository with its URI in SSM, a
// CodeBuild project and a Fargate service running a public image.
type cicdEnv struct {
	*ecsEnv
	cp          *codepipeline.Client
	conn        string
	role        string
	repoURI     string
	clusterName string
	serviceName string
	taskDefARN  string
}

func newCICDEnv(t *testing.T, approve bool, opts ...awssim.Option) *cicdEnv {
	t.Helper()
	return newCICDEnvFor(t, approve, "app", opts...)
}

// newCICDEnvFor builds the stack with a CodeBuild project writing imagedefinitions.json for
// the named container (the task definition's container is "app").
func newCICDEnvFor(t *testing.T, approve bool, container string, opts ...awssim.Option) *cicdEnv {
	t.Helper()
	e := &cicdEnv{ecsEnv: newECSEnv(t, opts...)}
	cfg := e.cfg(ecsRegion)
	e.cp = codepipeline.NewFromConfig(cfg)
	e.conn = e.connection(t, ecsRegion, "demo-dev-github")
	if approve {
		if err := e.sim.ApproveConnection(e.conn); err != nil {
			t.Fatalf("approve: %v", err)
		}
	}
	must[*s3.CreateBucketOutput](t, "bucket")(e.s3(ecsRegion).CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("demo-dev-artifacts")}))
	iamc := iam.NewFromConfig(cfg)
	role := must[*iam.CreateRoleOutput](t, "pipeline role")(iamc.CreateRole(bg, &iam.CreateRoleInput{
		RoleName: aws.String("demo-dev-pipeline"), AssumeRolePolicyDocument: aws.String(pipelineTrust)}))
	e.role = aws.ToString(role.Role.Arn)
	must[*iam.CreateRoleOutput](t, "build role")(iamc.CreateRole(bg, &iam.CreateRoleInput{
		RoleName: aws.String("demo-dev-build"), AssumeRolePolicyDocument: aws.String(codebuildTrust)}))
	repo := must[*ecr.CreateRepositoryOutput](t, "repo")(e.ecr.CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String("demo-dev")}))
	e.repoURI = aws.ToString(repo.Repository.RepositoryUri)
	must[*ssm.PutParameterOutput](t, "uri parameter")(ssm.NewFromConfig(cfg).PutParameter(bg, &ssm.PutParameterInput{
		Name: aws.String("/demo-dev/repository-uri"), Value: aws.String(e.repoURI), Type: ssmtypes.ParameterTypeString}))
	must[*codebuild.CreateProjectOutput](t, "project")(codebuild.NewFromConfig(cfg).CreateProject(bg, &codebuild.CreateProjectInput{
		Name:        aws.String("demo-dev-build"),
		Source:      &cbtypes.ProjectSource{Type: cbtypes.SourceTypeCodepipeline},
		Artifacts:   &cbtypes.ProjectArtifacts{Type: cbtypes.ArtifactsTypeCodepipeline},
		ServiceRole: aws.String("demo-dev-build"),
		Environment: &cbtypes.ProjectEnvironment{
			Type: cbtypes.EnvironmentTypeLinuxContainer, ComputeType: cbtypes.ComputeTypeBuildGeneral1Small,
			Image: aws.String("aws/codebuild/standard:7.0"), PrivilegedMode: aws.Bool(true),
			EnvironmentVariables: []cbtypes.EnvironmentVariable{
				{Name: aws.String("REPOSITORY_URI"), Value: aws.String("/demo-dev/repository-uri"), Type: cbtypes.EnvironmentVariableTypeParameterStore},
				{Name: aws.String("CONTAINER_NAME"), Value: aws.String(container), Type: cbtypes.EnvironmentVariableTypePlaintext},
			},
		},
	}))
	e.clusterName, e.serviceName = "demo-dev", "app"
	e.cluster(t, e.clusterName)
	e.taskDefARN = e.taskDef(t, "demo-dev-app", "public.ecr.aws/docker/library/python:3.12-slim")
	must[*ecs.CreateServiceOutput](t, "service")(e.ecs.CreateService(bg, e.serviceInput(e.clusterName, e.serviceName, e.taskDefARN, 2)))
	e.waitRollout(t, e.clusterName, e.serviceName)
	return e
}

func (e *cicdEnv) declaration(name string) *cptypes.PipelineDeclaration {
	return &cptypes.PipelineDeclaration{
		Name: aws.String(name), RoleArn: aws.String(e.role), PipelineType: cptypes.PipelineTypeV2,
		ArtifactStore: &cptypes.ArtifactStore{Type: cptypes.ArtifactStoreTypeS3, Location: aws.String("demo-dev-artifacts")},
		Stages: []cptypes.StageDeclaration{
			{Name: aws.String("Source"), Actions: []cptypes.ActionDeclaration{{
				Name:         aws.String("Source"),
				ActionTypeId: &cptypes.ActionTypeId{Category: cptypes.ActionCategorySource, Owner: cptypes.ActionOwnerAws, Provider: aws.String("CodeStarSourceConnection"), Version: aws.String("1")},
				Configuration: map[string]string{"ConnectionArn": e.conn, "FullRepositoryId": "flaskops/sample-app",
					"BranchName": "main", "OutputArtifactFormat": "CODE_ZIP"},
				OutputArtifacts: []cptypes.OutputArtifact{{Name: aws.String("SourceOutput")}},
			}}},
			{Name: aws.String("Build"), Actions: []cptypes.ActionDeclaration{{
				Name:            aws.String("Build"),
				ActionTypeId:    &cptypes.ActionTypeId{Category: cptypes.ActionCategoryBuild, Owner: cptypes.ActionOwnerAws, Provider: aws.String("CodeBuild"), Version: aws.String("1")},
				Configuration:   map[string]string{"ProjectName": "demo-dev-build"},
				InputArtifacts:  []cptypes.InputArtifact{{Name: aws.String("SourceOutput")}},
				OutputArtifacts: []cptypes.OutputArtifact{{Name: aws.String("BuildOutput")}},
			}}},
			{Name: aws.String("Deploy"), Actions: []cptypes.ActionDeclaration{{
				Name:           aws.String("Deploy"),
				ActionTypeId:   &cptypes.ActionTypeId{Category: cptypes.ActionCategoryDeploy, Owner: cptypes.ActionOwnerAws, Provider: aws.String("ECS"), Version: aws.String("1")},
				Configuration:  map[string]string{"ClusterName": e.clusterName, "ServiceName": e.serviceName, "FileName": "imagedefinitions.json"},
				InputArtifacts: []cptypes.InputArtifact{{Name: aws.String("BuildOutput")}},
			}}},
		},
	}
}

func (e *cicdEnv) createPipeline(t *testing.T, name string) *codepipeline.CreatePipelineOutput {
	t.Helper()
	return must[*codepipeline.CreatePipelineOutput](t, "create pipeline")(e.cp.CreatePipeline(bg, &codepipeline.CreatePipelineInput{
		Pipeline: e.declaration(name), Tags: []cptypes.Tag{{Key: aws.String("flaskops.io/owner"), Value: aws.String("ns/demo")}}}))
}

func (e *cicdEnv) latestExecution(t *testing.T, name string) cptypes.PipelineExecutionSummary {
	t.Helper()
	out := must[*codepipeline.ListPipelineExecutionsOutput](t, "list executions")(e.cp.ListPipelineExecutions(bg, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String(name)}))
	if len(out.PipelineExecutionSummaries) == 0 {
		t.Fatalf("pipeline %s has no executions", name)
	}
	return out.PipelineExecutionSummaries[0]
}

// waitExecution polls GetPipelineExecution while the clock moves 15 s per poll, as a
// controller requeueing would, until the execution has ended.
func (e *cicdEnv) waitExecution(t *testing.T, name, id string) *cptypes.PipelineExecution {
	t.Helper()
	for range 200 {
		out := must[*codepipeline.GetPipelineExecutionOutput](t, "get execution")(e.cp.GetPipelineExecution(bg, &codepipeline.GetPipelineExecutionInput{
			PipelineName: aws.String(name), PipelineExecutionId: aws.String(id)}))
		if st := out.PipelineExecution.Status; st != cptypes.PipelineExecutionStatusInProgress && st != cptypes.PipelineExecutionStatusStopping {
			return out.PipelineExecution
		}
		e.clock.Advance(15 * time.Second)
	}
	t.Fatalf("execution %s of %s never ended", id, name)
	return nil
}

func (e *cicdEnv) stageStates(t *testing.T, name string) map[string]cptypes.StageState {
	t.Helper()
	out := must[*codepipeline.GetPipelineStateOutput](t, "state")(e.cp.GetPipelineState(bg, &codepipeline.GetPipelineStateInput{Name: aws.String(name)}))
	states := map[string]cptypes.StageState{}
	for _, st := range out.StageStates {
		states[aws.ToString(st.StageName)] = st
	}
	return states
}

var commitRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

func TestCodePipelineDeploysCommitToECS(t *testing.T) {
	e := newCICDEnv(t, true)
	must[*ecs.TagResourceOutput](t, "tag task definition")(e.ecs.TagResource(bg, &ecs.TagResourceInput{
		ResourceArn: aws.String(e.taskDefARN), Tags: []ecstypes.Tag{{Key: aws.String("flaskops.io/owner"), Value: aws.String("ns/demo")}}}))
	created := e.createPipeline(t, "demo-dev")
	if aws.ToInt32(created.Pipeline.Version) != 1 || len(created.Tags) != 1 {
		t.Fatalf("created %+v tags %+v", created.Pipeline, created.Tags)
	}
	// Creating the pipeline started an execution.
	first := e.latestExecution(t, "demo-dev")
	if first.Status != cptypes.PipelineExecutionStatusInProgress || first.Trigger.TriggerType != cptypes.TriggerTypeCreatePipeline {
		t.Fatalf("first execution %+v", first)
	}
	if st := e.stageStates(t, "demo-dev"); st["Source"].LatestExecution == nil || st["Source"].LatestExecution.Status != cptypes.StageExecutionStatusInProgress ||
		st["Build"].LatestExecution != nil {
		t.Fatalf("stage states right after creation %+v", st)
	}
	exec := e.waitExecution(t, "demo-dev", aws.ToString(first.PipelineExecutionId))
	if exec.Status != cptypes.PipelineExecutionStatusSucceeded {
		t.Fatalf("execution %s: %s", exec.Status, aws.ToString(exec.StatusSummary))
	}
	if len(exec.ArtifactRevisions) != 1 || !commitRE.MatchString(aws.ToString(exec.ArtifactRevisions[0].RevisionId)) ||
		aws.ToString(exec.ArtifactRevisions[0].Name) != "SourceOutput" {
		t.Fatalf("artifact revisions %+v", exec.ArtifactRevisions)
	}
	commit := aws.ToString(exec.ArtifactRevisions[0].RevisionId)

	// The build pushed the commit-tagged image ...
	images := must[*ecr.DescribeImagesOutput](t, "images")(e.ecr.DescribeImages(bg, &ecr.DescribeImagesInput{RepositoryName: aws.String("demo-dev")}))
	tagged := false
	for _, img := range images.ImageDetails {
		for _, tag := range img.ImageTags {
			tagged = tagged || tag == commit[:7]
		}
	}
	if !tagged {
		t.Fatalf("no image tagged %s in %+v", commit[:7], images.ImageDetails)
	}
	// ... and the service runs a new revision of its task definition with that image.
	svc := e.service(t, e.clusterName, e.serviceName)
	if aws.ToString(svc.TaskDefinition) != "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-dev-app:2" ||
		len(svc.Deployments) != 1 || svc.Deployments[0].RolloutState != "COMPLETED" || svc.RunningCount != 2 {
		t.Fatalf("service after deploy: task definition %s, deployments %+v, running %d", aws.ToString(svc.TaskDefinition), svc.Deployments, svc.RunningCount)
	}
	td := must[*ecs.DescribeTaskDefinitionOutput](t, "task definition")(e.ecs.DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{
		TaskDefinition: svc.TaskDefinition, Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}}))
	if got, want := aws.ToString(td.TaskDefinition.ContainerDefinitions[0].Image), e.repoURI+":"+commit[:7]; got != want {
		t.Fatalf("image %s, want %s", got, want)
	}
	// The rest of the revision is copied: roles, sizes, logging, secrets; not its tags.
	if len(td.Tags) != 0 {
		t.Fatalf("the deployed revision carries the tags %+v of the one it copies", td.Tags)
	}
	if aws.ToString(td.TaskDefinition.Cpu) != "256" || aws.ToString(td.TaskDefinition.ExecutionRoleArn) == "" ||
		len(td.TaskDefinition.ContainerDefinitions[0].Secrets) != 1 || td.TaskDefinition.ContainerDefinitions[0].LogConfiguration == nil {
		t.Fatalf("new revision lost settings: %+v", td.TaskDefinition)
	}

	states := e.stageStates(t, "demo-dev")
	for _, name := range []string{"Source", "Build", "Deploy"} {
		st := states[name]
		if st.LatestExecution == nil || st.LatestExecution.Status != cptypes.StageExecutionStatusSucceeded ||
			len(st.ActionStates) != 1 || st.ActionStates[0].LatestExecution.Status != cptypes.ActionExecutionStatusSucceeded {
			t.Fatalf("stage %s: %+v", name, st)
		}
	}
	if rev := states["Source"].ActionStates[0].CurrentRevision; rev == nil || aws.ToString(rev.RevisionId) != commit {
		t.Fatalf("source revision %+v", rev)
	}
	if ext := aws.ToString(states["Deploy"].ActionStates[0].LatestExecution.ExternalExecutionId); ext != aws.ToString(svc.TaskDefinition) {
		t.Fatalf("deploy external ID %s", ext)
	}
	if ids := e.live("codepipeline", "pipeline-execution"); len(ids) != 0 {
		t.Fatalf("in-progress executions after success %v", ids)
	}

	// A second run deploys a third revision; the commit differs per execution.
	start := must[*codepipeline.StartPipelineExecutionOutput](t, "start")(e.cp.StartPipelineExecution(bg, &codepipeline.StartPipelineExecutionInput{
		Name: aws.String("demo-dev"), ClientRequestToken: aws.String("rerun-1")}))
	again := must[*codepipeline.StartPipelineExecutionOutput](t, "start again")(e.cp.StartPipelineExecution(bg, &codepipeline.StartPipelineExecutionInput{
		Name: aws.String("demo-dev"), ClientRequestToken: aws.String("rerun-1")}))
	if aws.ToString(again.PipelineExecutionId) != aws.ToString(start.PipelineExecutionId) {
		t.Fatalf("same client token started a second execution")
	}
	if ids := e.live("codepipeline", "pipeline-execution"); len(ids) != 1 {
		t.Fatalf("in-progress executions %v", ids)
	}
	second := e.waitExecution(t, "demo-dev", aws.ToString(start.PipelineExecutionId))
	if second.Status != cptypes.PipelineExecutionStatusSucceeded || aws.ToString(second.ArtifactRevisions[0].RevisionId) == commit {
		t.Fatalf("second execution %s, revisions %+v", second.Status, second.ArtifactRevisions)
	}
	if td := aws.ToString(e.service(t, e.clusterName, e.serviceName).TaskDefinition); !strings.HasSuffix(td, "demo-dev-app:3") {
		t.Fatalf("service task definition after second run %s", td)
	}
	var statuses []string
	pages := codepipeline.NewListPipelineExecutionsPaginator(e.cp, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String("demo-dev"), MaxResults: aws.Int32(1)})
	for pages.HasMorePages() {
		for _, s := range must[*codepipeline.ListPipelineExecutionsOutput](t, "page")(pages.NextPage(bg)).PipelineExecutionSummaries {
			statuses = append(statuses, string(s.Status)+"/"+string(s.Trigger.TriggerType))
		}
	}
	if fmt.Sprint(statuses) != "[Succeeded/StartPipelineExecution Succeeded/CreatePipeline]" {
		t.Fatalf("executions newest first %v", statuses)
	}
}

func TestCodePipelinePendingConnectionFailsSource(t *testing.T) {
	e := newCICDEnv(t, false)
	e.createPipeline(t, "demo-dev")
	first := e.latestExecution(t, "demo-dev")
	exec := e.waitExecution(t, "demo-dev", aws.ToString(first.PipelineExecutionId))
	if exec.Status != cptypes.PipelineExecutionStatusFailed || len(exec.ArtifactRevisions) != 0 {
		t.Fatalf("execution %s, revisions %+v", exec.Status, exec.ArtifactRevisions)
	}
	states := e.stageStates(t, "demo-dev")
	src := states["Source"]
	if src.LatestExecution.Status != cptypes.StageExecutionStatusFailed || states["Build"].LatestExecution != nil {
		t.Fatalf("stage states %+v", states)
	}
	act := src.ActionStates[0].LatestExecution
	if act.Status != cptypes.ActionExecutionStatusFailed || act.ErrorDetails == nil ||
		!strings.Contains(aws.ToString(act.ErrorDetails.Message), "not in the AVAILABLE state") ||
		!strings.Contains(aws.ToString(act.ErrorDetails.Message), e.conn) {
		t.Fatalf("source action %+v", act)
	}
	if td := aws.ToString(e.service(t, e.clusterName, e.serviceName).TaskDefinition); td != e.taskDefARN {
		t.Fatalf("a failed source deployed %s", td)
	}
	// Once someone completes the handshake, a new run gets through.
	if err := e.sim.ApproveConnection(e.conn); err != nil {
		t.Fatalf("approve: %v", err)
	}
	start := must[*codepipeline.StartPipelineExecutionOutput](t, "start")(e.cp.StartPipelineExecution(bg, &codepipeline.StartPipelineExecutionInput{Name: aws.String("demo-dev")}))
	if exec := e.waitExecution(t, "demo-dev", aws.ToString(start.PipelineExecutionId)); exec.Status != cptypes.PipelineExecutionStatusSucceeded {
		t.Fatalf("execution after approval %s: %s", exec.Status, aws.ToString(exec.StatusSummary))
	}
}

func TestCodePipelineDeployOfUnknownContainerFails(t *testing.T) {
	e := newCICDEnvFor(t, true, "web")
	e.createPipeline(t, "demo-dev")
	exec := e.waitExecution(t, "demo-dev", aws.ToString(e.latestExecution(t, "demo-dev").PipelineExecutionId))
	if exec.Status != cptypes.PipelineExecutionStatusFailed {
		t.Fatalf("execution %s", exec.Status)
	}
	states := e.stageStates(t, "demo-dev")
	if states["Build"].LatestExecution.Status != cptypes.StageExecutionStatusSucceeded ||
		states["Deploy"].LatestExecution.Status != cptypes.StageExecutionStatusFailed {
		t.Fatalf("stage states %+v", states)
	}
	msg := aws.ToString(states["Deploy"].ActionStates[0].LatestExecution.ErrorDetails.Message)
	if !strings.Contains(msg, "container web does not exist") || !strings.Contains(aws.ToString(exec.StatusSummary), "web") {
		t.Fatalf("deploy error %q, summary %q", msg, aws.ToString(exec.StatusSummary))
	}
	if td := aws.ToString(e.service(t, e.clusterName, e.serviceName).TaskDefinition); td != e.taskDefARN {
		t.Fatalf("failed deploy changed the service to %s", td)
	}
}

func TestCodePipelineExecutionSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newCICDEnv(t, true, awssim.WithStateFile(path))
	e.createPipeline(t, "demo-dev")
	id := aws.ToString(e.latestExecution(t, "demo-dev").PipelineExecutionId)
	e.clock.Advance(30 * time.Second) // the build is running
	if st := e.stageStates(t, "demo-dev")["Build"]; st.LatestExecution == nil || st.LatestExecution.Status != cptypes.StageExecutionStatusInProgress {
		t.Fatalf("build stage %+v", st.LatestExecution)
	}
	if err := e.sim.Save(); err != nil {
		t.Fatalf("save: %v", err)
	}
	restarted, err := awssim.New(awssim.WithClock(e.clock), awssim.WithStateFile(path))
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	srv := httptest.NewServer(restarted)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	e.cp = codepipeline.NewFromConfig(e.cfg(ecsRegion))
	if exec := e.waitExecution(t, "demo-dev", id); exec.Status != cptypes.PipelineExecutionStatusSucceeded {
		t.Fatalf("execution after restart %s: %s", exec.Status, aws.ToString(exec.StatusSummary))
	}
}

func TestCodePipelineSupersedesWaitingExecution(t *testing.T) {
	e := newCICDEnv(t, true)
	e.createPipeline(t, "demo-dev")
	first := aws.ToString(e.latestExecution(t, "demo-dev").PipelineExecutionId) // in Source
	start := func() string {
		out := must[*codepipeline.StartPipelineExecutionOutput](t, "start")(e.cp.StartPipelineExecution(bg, &codepipeline.StartPipelineExecutionInput{Name: aws.String("demo-dev")}))
		return aws.ToString(out.PipelineExecutionId)
	}
	second := start() // waits at the Source entrance
	if st := e.stageStates(t, "demo-dev")["Source"]; st.InboundExecution == nil || aws.ToString(st.InboundExecution.PipelineExecutionId) != second {
		t.Fatalf("inbound execution of Source %+v", st.InboundExecution)
	}
	third := start() // arrives at the same entrance: the second is superseded
	if got := e.waitExecution(t, "demo-dev", second); got.Status != cptypes.PipelineExecutionStatusSuperseded {
		t.Fatalf("second execution %s", got.Status)
	}
	for _, id := range []string{first, third} {
		if got := e.waitExecution(t, "demo-dev", id); got.Status != cptypes.PipelineExecutionStatusSucceeded {
			t.Fatalf("execution %s: %s %s", id, got.Status, aws.ToString(got.StatusSummary))
		}
	}
}

func TestCodePipelineValidation(t *testing.T) {
	e := newCICDEnv(t, true)
	e.createPipeline(t, "demo-dev")
	for _, tc := range []struct {
		name   string
		mutate func(d *cptypes.PipelineDeclaration)
		code   string
	}{
		{"name in use", func(d *cptypes.PipelineDeclaration) { d.Name = aws.String("demo-dev") }, "PipelineNameInUseException"},
		{"bad name", func(d *cptypes.PipelineDeclaration) { d.Name = aws.String("demo dev") }, "ValidationException"},
		{"missing role", func(d *cptypes.PipelineDeclaration) {
			d.RoleArn = aws.String("arn:aws:iam::123456789012:role/missing")
		}, "InvalidStructureException"},
		{"role not trusting CodePipeline", func(d *cptypes.PipelineDeclaration) {
			d.RoleArn = aws.String("arn:aws:iam::123456789012:role/demo-dev-build")
		}, "InvalidStructureException"},
		{"missing bucket", func(d *cptypes.PipelineDeclaration) { d.ArtifactStore.Location = aws.String("no-such-bucket") }, "InvalidStructureException"},
		{"one stage", func(d *cptypes.PipelineDeclaration) { d.Stages = d.Stages[:1] }, "InvalidStructureException"},
		{"duplicate stage", func(d *cptypes.PipelineDeclaration) { d.Stages[2].Name = aws.String("Build") }, "InvalidStructureException"},
		{"build first", func(d *cptypes.PipelineDeclaration) { d.Stages[0], d.Stages[1] = d.Stages[1], d.Stages[0] }, "InvalidStructureException"},
		{"source later", func(d *cptypes.PipelineDeclaration) {
			d.Stages[2].Actions = append(d.Stages[2].Actions, d.Stages[0].Actions[0])
			d.Stages[2].Actions[1].Name = aws.String("Source2")
			d.Stages[2].Actions[1].OutputArtifacts = []cptypes.OutputArtifact{{Name: aws.String("Other")}}
		}, "InvalidStructureException"},
		{"unknown input artifact", func(d *cptypes.PipelineDeclaration) {
			d.Stages[2].Actions[0].InputArtifacts = []cptypes.InputArtifact{{Name: aws.String("Nope")}}
		}, "InvalidStructureException"},
		{"duplicate output artifact", func(d *cptypes.PipelineDeclaration) {
			d.Stages[1].Actions[0].OutputArtifacts = []cptypes.OutputArtifact{{Name: aws.String("SourceOutput")}}
			d.Stages[2].Actions[0].InputArtifacts = []cptypes.InputArtifact{{Name: aws.String("SourceOutput")}}
		}, "InvalidStructureException"},
		{"missing BranchName", func(d *cptypes.PipelineDeclaration) { delete(d.Stages[0].Actions[0].Configuration, "BranchName") }, "InvalidActionDeclarationException"},
		{"unknown configuration", func(d *cptypes.PipelineDeclaration) { d.Stages[1].Actions[0].Configuration["Project"] = "x" }, "InvalidActionDeclarationException"},
		{"deploy without input", func(d *cptypes.PipelineDeclaration) { d.Stages[2].Actions[0].InputArtifacts = nil }, "InvalidActionDeclarationException"},
		{"unknown provider", func(d *cptypes.PipelineDeclaration) {
			d.Stages[2].Actions[0].ActionTypeId.Provider = aws.String("CodeDeploy")
		}, "InvalidActionDeclarationException"},
		{"empty stage", func(d *cptypes.PipelineDeclaration) { d.Stages[2].Actions = []cptypes.ActionDeclaration{} }, "InvalidStageDeclarationException"},
	} {
		d := e.declaration("other")
		tc.mutate(d)
		_, err := e.cp.CreatePipeline(bg, &codepipeline.CreatePipelineInput{Pipeline: d})
		wantCode(t, tc.name, err, tc.code)
	}
	_, err := e.cp.CreatePipeline(bg, &codepipeline.CreatePipelineInput{Pipeline: e.declaration("tagged"),
		Tags: []cptypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("1")}}})
	wantCode(t, "reserved tag", err, "InvalidTagsException")
	// The artifact bucket must be in the pipeline's region.
	west := codepipeline.NewFromConfig(e.cfg("eu-west-1"))
	_, err = west.CreatePipeline(bg, &codepipeline.CreatePipelineInput{Pipeline: e.declaration("west")})
	wantCode(t, "bucket in another region", err, "InvalidStructureException")
	if ids := e.live("codepipeline", "pipeline"); fmt.Sprint(ids) != "[us-east-1/demo-dev]" {
		t.Fatalf("inventory %v", ids)
	}
}

func TestCodePipelineCRUDAndTags(t *testing.T) {
	e := newCICDEnv(t, true, awssim.WithPageSize(2))
	for _, name := range []string{"c", "a", "b"} {
		e.createPipeline(t, name)
	}
	got := must[*codepipeline.GetPipelineOutput](t, "get")(e.cp.GetPipeline(bg, &codepipeline.GetPipelineInput{Name: aws.String("a")}))
	if aws.ToString(got.Metadata.PipelineArn) != "arn:aws:codepipeline:us-east-1:123456789012:a" || aws.ToInt32(got.Pipeline.Version) != 1 ||
		got.Pipeline.PipelineType != cptypes.PipelineTypeV2 || got.Pipeline.ExecutionMode != cptypes.ExecutionModeSuperseded ||
		aws.ToInt32(got.Pipeline.Stages[1].Actions[0].RunOrder) != 1 {
		t.Fatalf("pipeline %+v metadata %+v", got.Pipeline, got.Metadata)
	}
	d := got.Pipeline
	d.Stages[1].Actions[0].Configuration["ProjectName"] = "other-project"
	upd := must[*codepipeline.UpdatePipelineOutput](t, "update")(e.cp.UpdatePipeline(bg, &codepipeline.UpdatePipelineInput{Pipeline: d}))
	if aws.ToInt32(upd.Pipeline.Version) != 2 {
		t.Fatalf("version after update %d", aws.ToInt32(upd.Pipeline.Version))
	}
	v1 := must[*codepipeline.GetPipelineOutput](t, "get v1")(e.cp.GetPipeline(bg, &codepipeline.GetPipelineInput{Name: aws.String("a"), Version: aws.Int32(1)}))
	if v1.Pipeline.Stages[1].Actions[0].Configuration["ProjectName"] != "demo-dev-build" {
		t.Fatalf("version 1 %+v", v1.Pipeline.Stages[1].Actions[0].Configuration)
	}
	_, err := e.cp.GetPipeline(bg, &codepipeline.GetPipelineInput{Name: aws.String("a"), Version: aws.Int32(3)})
	wantCode(t, "missing version", err, "PipelineVersionNotFoundException")
	_, err = e.cp.UpdatePipeline(bg, &codepipeline.UpdatePipelineInput{Pipeline: e.declaration("missing")})
	wantCode(t, "update missing", err, "PipelineNotFoundException")

	var names []string
	pages := codepipeline.NewListPipelinesPaginator(e.cp, &codepipeline.ListPipelinesInput{})
	for pages.HasMorePages() {
		page := must[*codepipeline.ListPipelinesOutput](t, "list")(pages.NextPage(bg))
		for _, p := range page.Pipelines {
			names = append(names, fmt.Sprintf("%s:v%d", aws.ToString(p.Name), aws.ToInt32(p.Version)))
		}
	}
	if fmt.Sprint(names) != "[a:v2 b:v1 c:v1]" {
		t.Fatalf("pipelines %v", names)
	}
	_, err = e.cp.ListPipelines(bg, &codepipeline.ListPipelinesInput{NextToken: aws.String("garbage!")})
	wantCode(t, "bad token", err, "InvalidNextTokenException")

	arn := aws.String("arn:aws:codepipeline:us-east-1:123456789012:a")
	must[*codepipeline.TagResourceOutput](t, "tag")(e.cp.TagResource(bg, &codepipeline.TagResourceInput{ResourceArn: arn,
		Tags: []cptypes.Tag{{Key: aws.String("env"), Value: aws.String("dev")}, {Key: aws.String("team"), Value: aws.String("x")}}}))
	must[*codepipeline.UntagResourceOutput](t, "untag")(e.cp.UntagResource(bg, &codepipeline.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"team"}}))
	var tags []string
	tagPages := codepipeline.NewListTagsForResourcePaginator(e.cp, &codepipeline.ListTagsForResourceInput{ResourceArn: arn, MaxResults: aws.Int32(1)})
	for tagPages.HasMorePages() {
		for _, tg := range must[*codepipeline.ListTagsForResourceOutput](t, "tags")(tagPages.NextPage(bg)).Tags {
			tags = append(tags, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
		}
	}
	if fmt.Sprint(tags) != "[env=dev flaskops.io/owner=ns/demo]" {
		t.Fatalf("tags %v", tags)
	}
	_, err = e.cp.ListTagsForResource(bg, &codepipeline.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:codepipeline:us-east-1:123456789012:zz")})
	wantCode(t, "tags of missing pipeline", err, "ResourceNotFoundException")
	_, err = e.cp.TagResource(bg, &codepipeline.TagResourceInput{ResourceArn: aws.String("not-an-arn"), Tags: []cptypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, "malformed ARN", err, "InvalidArnException")

	_, err = e.cp.GetPipelineExecution(bg, &codepipeline.GetPipelineExecutionInput{PipelineName: aws.String("a"), PipelineExecutionId: aws.String("00000000-0000-0000-0000-000000000000")})
	wantCode(t, "missing execution", err, "PipelineExecutionNotFoundException")
	_, err = e.cp.StartPipelineExecution(bg, &codepipeline.StartPipelineExecutionInput{Name: aws.String("zz")})
	wantCode(t, "start missing", err, "PipelineNotFoundException")
	_, err = e.cp.GetPipelineState(bg, &codepipeline.GetPipelineStateInput{Name: aws.String("zz")})
	wantCode(t, "state of missing", err, "PipelineNotFoundException")

	if ids := e.live("codepipeline", "pipeline-execution"); len(ids) != 3 {
		t.Fatalf("in-progress executions %v", ids)
	}
	for _, name := range []string{"a", "b", "c", "never-existed"} {
		must[*codepipeline.DeletePipelineOutput](t, "delete "+name)(e.cp.DeletePipeline(bg, &codepipeline.DeletePipelineInput{Name: aws.String(name)}))
	}
	_, err = e.cp.GetPipeline(bg, &codepipeline.GetPipelineInput{Name: aws.String("a")})
	wantCode(t, "get deleted", err, "PipelineNotFoundException")
	if ids := e.live("codepipeline", ""); len(ids) != 0 {
		t.Fatalf("inventory after delete %v", ids)
	}
	for _, r := range e.sim.ListLive() {
		if r.Service == "codepipeline" {
			t.Fatalf("left behind %+v", r)
		}
	}
}
