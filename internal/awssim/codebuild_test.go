package awssim_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/flaskops/flask-operator/internal/awssim"
)

func (e *svcEnv) codebuild(region string) *codebuild.Client {
	return codebuild.NewFromConfig(e.cfg(region))
}

const (
	cbRegion   = "us-east-1"
	cbRepoURI  = "123456789012.dkr.ecr.us-east-1.amazonaws.com/default-app"
	cbURIParam = "/flaskops/default/app/repository-uri"
	cbCommit   = "0123456789abcdef0123456789abcdef01234567"
	cbRoleARN  = "arn:aws:iam::123456789012:role/default-app-codebuild"
)

// cbSeedProject is the CI/CD stack's project: CODEPIPELINE source and artifacts, standard
// 7.0 image, privileged, REPOSITORY_URI from Parameter Store.
func cbSeedProject(name string, privileged bool) *codebuild.CreateProjectInput {
	return &codebuild.CreateProjectInput{
		Name:        aws.String(name),
		Source:      &cbtypes.ProjectSource{Type: cbtypes.SourceTypeCodepipeline, Buildspec: aws.String("buildspec.yml")},
		Artifacts:   &cbtypes.ProjectArtifacts{Type: cbtypes.ArtifactsTypeCodepipeline},
		ServiceRole: aws.String(cbRoleARN),
		Environment: &cbtypes.ProjectEnvironment{
			Type: cbtypes.EnvironmentTypeLinuxContainer, Image: aws.String("aws/codebuild/standard:7.0"),
			ComputeType: cbtypes.ComputeTypeBuildGeneral1Small, PrivilegedMode: aws.Bool(privileged),
			EnvironmentVariables: []cbtypes.EnvironmentVariable{
				{Name: aws.String("REPOSITORY_URI"), Value: aws.String(cbURIParam), Type: cbtypes.EnvironmentVariableTypeParameterStore},
				{Name: aws.String("CONTAINER_NAME"), Value: aws.String("app")},
			},
		},
		LogsConfig: &cbtypes.LogsConfig{CloudWatchLogs: &cbtypes.CloudWatchLogsConfig{Status: cbtypes.LogsConfigStatusTypeEnabled}},
		Tags:       []cbtypes.Tag{{Key: aws.String("flaskops.io/owner"), Value: aws.String("default/app")}},
	}
}

// cbSetup creates what a build of our buildspec needs: the service role, the ECR
// repository and the SSM parameter holding its URI.
func cbSetup(t *testing.T, e *svcEnv) {
	t.Helper()
	must[*iam.CreateRoleOutput](t, "create role")(e.iam(cbRegion).CreateRole(bg, &iam.CreateRoleInput{
		RoleName: aws.String("default-app-codebuild"), AssumeRolePolicyDocument: aws.String(codebuildTrust)}))
	must[*ecr.CreateRepositoryOutput](t, "create repository")(e.ecr(cbRegion).CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String("default-app")}))
	must[*ssm.PutParameterOutput](t, "put parameter")(ssm.NewFromConfig(e.cfg(cbRegion)).PutParameter(bg, &ssm.PutParameterInput{
		Name: aws.String(cbURIParam), Value: aws.String(cbRepoURI), Type: ssmtypes.ParameterTypeString}))
}

func apiMessage(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorMessage()
	}
	return ""
}

func TestCodeBuildProjectLifecycle(t *testing.T) {
	e := newSvcEnv(t)
	cbSetup(t, e)
	c := e.codebuild(cbRegion)
	created := must[*codebuild.CreateProjectOutput](t, "create")(c.CreateProject(bg, cbSeedProject("default-app", true))).Project
	if aws.ToString(created.Arn) != "arn:aws:codebuild:us-east-1:123456789012:project/default-app" ||
		aws.ToString(created.ServiceRole) != cbRoleARN || aws.ToInt32(created.TimeoutInMinutes) != 60 ||
		aws.ToInt32(created.QueuedTimeoutInMinutes) != 480 || !aws.ToBool(created.Environment.PrivilegedMode) ||
		created.Environment.EnvironmentVariables[1].Type != cbtypes.EnvironmentVariableTypePlaintext ||
		created.LogsConfig.S3Logs.Status != cbtypes.LogsConfigStatusTypeDisabled ||
		!aws.ToTime(created.Created).Equal(e.clock.Now()) || len(created.Tags) != 1 {
		t.Fatalf("created project %+v", created)
	}

	_, err := c.CreateProject(bg, cbSeedProject("default-app", true))
	wantCode(t, "create twice", err, "ResourceAlreadyExistsException")
	if got := apiMessage(err); got != "Project already exists: arn:aws:codebuild:us-east-1:123456789012:project/default-app" {
		t.Fatalf("already exists message %q", got)
	}
	// The role must exist and trust CodeBuild; a name resolves to the role's ARN.
	must[*iam.CreateRoleOutput](t, "create ecs role")(e.iam(cbRegion).CreateRole(bg, &iam.CreateRoleInput{
		RoleName: aws.String("ecs-only"), AssumeRolePolicyDocument: aws.String(ecsTrust)}))
	for _, role := range []string{"arn:aws:iam::123456789012:role/missing", "ecs-only"} {
		in := cbSeedProject("other", true)
		in.ServiceRole = aws.String(role)
		_, err = c.CreateProject(bg, in)
		wantCode(t, "role "+role, err, "InvalidInputException")
		if !strings.HasPrefix(apiMessage(err), "CodeBuild is not authorized to perform: sts:AssumeRole on arn:aws:iam::123456789012:role/") {
			t.Fatalf("role %s: message %q", role, apiMessage(err))
		}
	}
	byName := cbSeedProject("by-role-name", true)
	byName.ServiceRole = aws.String("default-app-codebuild")
	if p := must[*codebuild.CreateProjectOutput](t, "create by role name")(c.CreateProject(bg, byName)).Project; aws.ToString(p.ServiceRole) != cbRoleARN {
		t.Fatalf("service role %q", aws.ToString(p.ServiceRole))
	}

	for _, tc := range []struct {
		name string
		edit func(*codebuild.CreateProjectInput)
		code string
	}{
		{"bad name", func(in *codebuild.CreateProjectInput) { in.Name = aws.String("-x") }, "ValidationException"},
		{"pipeline source, no artifacts", func(in *codebuild.CreateProjectInput) {
			in.Artifacts.Type = cbtypes.ArtifactsTypeNoArtifacts
		}, "InvalidInputException"},
		{"github without location", func(in *codebuild.CreateProjectInput) {
			in.Source.Type, in.Artifacts.Type = cbtypes.SourceTypeGithub, cbtypes.ArtifactsTypeNoArtifacts
		}, "InvalidInputException"},
		{"bad compute type", func(in *codebuild.CreateProjectInput) { in.Environment.ComputeType = "BUILD_HUGE" }, "ValidationException"},
		{"bad variable type", func(in *codebuild.CreateProjectInput) {
			in.Environment.EnvironmentVariables[0].Type = "VAULT"
		}, "ValidationException"},
	} {
		in := cbSeedProject("invalid", true)
		tc.edit(in)
		_, err := c.CreateProject(bg, in)
		wantCode(t, tc.name, err, tc.code)
	}
	// A project in another region is another project.
	must[*codebuild.CreateProjectOutput](t, "create in eu-west-1")(e.codebuild("eu-west-1").CreateProject(bg, cbSeedProject("default-app", true)))

	got := must[*codebuild.BatchGetProjectsOutput](t, "batch get")(c.BatchGetProjects(bg, &codebuild.BatchGetProjectsInput{Names: []string{"default-app", "nope"}}))
	if len(got.Projects) != 1 || fmt.Sprint(got.ProjectsNotFound) != "[nope]" || got.Projects[0].Tags[0].Key == nil {
		t.Fatalf("batch get %+v", got)
	}

	e.clock.Advance(time.Minute)
	updated := must[*codebuild.UpdateProjectOutput](t, "update")(c.UpdateProject(bg, &codebuild.UpdateProjectInput{
		Name: aws.String("default-app"),
		Environment: &cbtypes.ProjectEnvironment{Type: cbtypes.EnvironmentTypeLinuxContainer, Image: aws.String("aws/codebuild/standard:7.0"),
			ComputeType: cbtypes.ComputeTypeBuildGeneral1Medium, PrivilegedMode: aws.Bool(true)},
	})).Project
	if updated.Environment.ComputeType != cbtypes.ComputeTypeBuildGeneral1Medium || len(updated.Environment.EnvironmentVariables) != 0 ||
		updated.Source.Type != cbtypes.SourceTypeCodepipeline || len(updated.Tags) != 1 ||
		!aws.ToTime(updated.LastModified).Equal(e.clock.Now()) || aws.ToTime(updated.Created).Equal(e.clock.Now()) {
		t.Fatalf("updated %+v", updated)
	}
	_, err = c.UpdateProject(bg, &codebuild.UpdateProjectInput{Name: aws.String("default-app"), Artifacts: &cbtypes.ProjectArtifacts{Type: cbtypes.ArtifactsTypeNoArtifacts}})
	wantCode(t, "update breaking the CodePipeline pairing", err, "InvalidInputException")
	_, err = c.UpdateProject(bg, &codebuild.UpdateProjectInput{Name: aws.String("default-app"), ServiceRole: aws.String("ecs-only")})
	wantCode(t, "update to an untrusted role", err, "InvalidInputException")
	_, err = c.UpdateProject(bg, &codebuild.UpdateProjectInput{Name: aws.String("nope"), Description: aws.String("x")})
	wantCode(t, "update missing", err, "ResourceNotFoundException")

	if ids := e.live("codebuild", "project"); fmt.Sprint(ids) != "[us-east-1/by-role-name eu-west-1/default-app us-east-1/default-app]" {
		t.Fatalf("inventory %v", ids)
	}
	must[*codebuild.DeleteProjectOutput](t, "delete")(c.DeleteProject(bg, &codebuild.DeleteProjectInput{Name: aws.String("default-app")}))
	must[*codebuild.DeleteProjectOutput](t, "delete again")(c.DeleteProject(bg, &codebuild.DeleteProjectInput{Name: aws.String("default-app")}))
	got = must[*codebuild.BatchGetProjectsOutput](t, "batch get")(c.BatchGetProjects(bg, &codebuild.BatchGetProjectsInput{Names: []string{"default-app"}}))
	if len(got.Projects) != 0 || len(got.ProjectsNotFound) != 1 {
		t.Fatalf("after delete %+v", got)
	}
}

func TestCodeBuildListProjectsPaginates(t *testing.T) {
	e := newSvcEnv(t, awssim.WithPageSize(2))
	cbSetup(t, e)
	c := e.codebuild(cbRegion)
	for _, name := range []string{"cc", "aa", "Bb", "dd", "ee"} {
		must[*codebuild.CreateProjectOutput](t, "create "+name)(c.CreateProject(bg, cbSeedProject(name, true)))
		e.clock.Advance(time.Second)
	}
	first := must[*codebuild.ListProjectsOutput](t, "first page")(c.ListProjects(bg, &codebuild.ListProjectsInput{}))
	if len(first.Projects) != 2 || first.NextToken == nil {
		t.Fatalf("first page %+v", first)
	}
	collect := func(in *codebuild.ListProjectsInput) string {
		var names []string
		for pages := codebuild.NewListProjectsPaginator(c, in); pages.HasMorePages(); {
			names = append(names, must[*codebuild.ListProjectsOutput](t, "page")(pages.NextPage(bg)).Projects...)
		}
		return fmt.Sprint(names)
	}
	for _, tc := range []struct {
		in   codebuild.ListProjectsInput
		want string
	}{
		{codebuild.ListProjectsInput{SortBy: cbtypes.ProjectSortByTypeName}, "[Bb aa cc dd ee]"},
		{codebuild.ListProjectsInput{SortBy: cbtypes.ProjectSortByTypeName, SortOrder: cbtypes.SortOrderTypeDescending}, "[ee dd cc aa Bb]"},
		{codebuild.ListProjectsInput{SortBy: cbtypes.ProjectSortByTypeCreatedTime}, "[cc aa Bb dd ee]"},
	} {
		if got := collect(&tc.in); got != tc.want {
			t.Fatalf("%+v: %s, want %s", tc.in, got, tc.want)
		}
	}
	_, err := c.ListProjects(bg, &codebuild.ListProjectsInput{NextToken: aws.String("garbage!")})
	wantCode(t, "bad token", err, "InvalidInputException")
}

// cbBuild reads one build.
func cbGetBuild(t *testing.T, c *codebuild.Client, id string) cbtypes.Build {
	t.Helper()
	out := must[*codebuild.BatchGetBuildsOutput](t, "batch get builds")(c.BatchGetBuilds(bg, &codebuild.BatchGetBuildsInput{Ids: []string{id}}))
	if len(out.Builds) != 1 {
		t.Fatalf("build %s not found: %+v", id, out.BuildsNotFound)
	}
	return out.Builds[0]
}

func cbPhases(b cbtypes.Build) string {
	var out []string
	for _, p := range b.Phases {
		s := string(p.PhaseType)
		if p.PhaseStatus != "" {
			s += ":" + string(p.PhaseStatus)
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func cbImages(t *testing.T, e *svcEnv) map[string]string {
	t.Helper()
	tags := map[string]string{}
	for _, img := range must[*ecr.DescribeImagesOutput](t, "describe images")(e.ecr(cbRegion).DescribeImages(bg, &ecr.DescribeImagesInput{RepositoryName: aws.String("default-app"), MaxResults: aws.Int32(100)})).ImageDetails {
		for _, tag := range img.ImageTags {
			tags[tag] = aws.ToString(img.ImageDigest)
		}
	}
	return tags
}

func TestCodeBuildBuildPushesImage(t *testing.T) {
	e := newSvcEnv(t)
	cbSetup(t, e)
	c := e.codebuild(cbRegion)
	must[*codebuild.CreateProjectOutput](t, "create")(c.CreateProject(bg, cbSeedProject("default-app", true)))
	start := e.clock.Now()
	b := must[*codebuild.StartBuildOutput](t, "start")(c.StartBuild(bg, &codebuild.StartBuildInput{
		ProjectName: aws.String("default-app"), SourceVersion: aws.String(cbCommit)})).Build
	id := aws.ToString(b.Id)
	if !strings.HasPrefix(id, "default-app:") || aws.ToInt64(b.BuildNumber) != 1 || b.BuildStatus != cbtypes.StatusTypeInProgress ||
		aws.ToString(b.CurrentPhase) != "SUBMITTED" || b.BuildComplete || cbPhases(*b) != "SUBMITTED" ||
		aws.ToString(b.Logs.GroupName) != "/aws/codebuild/default-app" || aws.ToString(b.Arn) != "arn:aws:codebuild:us-east-1:123456789012:build/"+id {
		t.Fatalf("started build %+v", b)
	}
	if ids := e.live("codebuild", "build"); fmt.Sprint(ids) != "[us-east-1/"+id+"]" {
		t.Fatalf("inventory %v", ids)
	}

	e.clock.Advance(60 * time.Second) // in BUILD
	got := cbGetBuild(t, c, id)
	if got.BuildStatus != cbtypes.StatusTypeInProgress || aws.ToString(got.CurrentPhase) != "BUILD" ||
		aws.ToString(got.ResolvedSourceVersion) != cbCommit || len(cbImages(t, e)) != 0 {
		t.Fatalf("mid-build %s %s (%s)", got.BuildStatus, aws.ToString(got.CurrentPhase), cbPhases(got))
	}
	e.clock.Advance(60 * time.Second)
	got = cbGetBuild(t, c, id)
	want := "SUBMITTED:SUCCEEDED QUEUED:SUCCEEDED PROVISIONING:SUCCEEDED DOWNLOAD_SOURCE:SUCCEEDED INSTALL:SUCCEEDED " +
		"PRE_BUILD:SUCCEEDED BUILD:SUCCEEDED POST_BUILD:SUCCEEDED UPLOAD_ARTIFACTS:SUCCEEDED FINALIZING:SUCCEEDED COMPLETED"
	if got.BuildStatus != cbtypes.StatusTypeSucceeded || !got.BuildComplete || cbPhases(got) != want ||
		!aws.ToTime(got.EndTime).Equal(start.Add(120*time.Second)) {
		t.Fatalf("finished build %s complete=%v end=%v: %s", got.BuildStatus, got.BuildComplete, got.EndTime, cbPhases(got))
	}
	if d := aws.ToInt64(got.Phases[6].DurationInSeconds); d != 60 {
		t.Fatalf("BUILD lasted %ds, want 60", d)
	}
	tags := cbImages(t, e)
	if tags["0123456"] == "" || tags["latest"] != tags["0123456"] {
		t.Fatalf("pushed tags %v", tags)
	}
	if ids := e.live("codebuild", "build"); len(ids) != 0 {
		t.Fatalf("finished build still live: %v", ids)
	}

	// A second build of another commit moves latest; the first image keeps its commit tag.
	b2 := must[*codebuild.StartBuildOutput](t, "start 2")(c.StartBuild(bg, &codebuild.StartBuildInput{
		ProjectName: aws.String("default-app"), SourceVersion: aws.String("fedcba9876543210fedcba9876543210fedcba98")})).Build
	e.clock.Advance(2 * time.Minute)
	if got := cbGetBuild(t, c, aws.ToString(b2.Id)); got.BuildStatus != cbtypes.StatusTypeSucceeded || aws.ToInt64(got.BuildNumber) != 2 {
		t.Fatalf("second build %s #%d", got.BuildStatus, aws.ToInt64(got.BuildNumber))
	}
	tags2 := cbImages(t, e)
	if tags2["fedcba9"] == "" || tags2["latest"] != tags2["fedcba9"] || tags2["0123456"] != tags["0123456"] || len(tags2) != 3 {
		t.Fatalf("tags after second build %v (before %v)", tags2, tags)
	}

	// ListBuildsForProject: newest first by default, paginated.
	for range 3 {
		must[*codebuild.StartBuildOutput](t, "start more")(c.StartBuild(bg, &codebuild.StartBuildInput{ProjectName: aws.String("default-app")}))
	}
	var ids []string
	for pages := codebuild.NewListBuildsForProjectPaginator(c, &codebuild.ListBuildsForProjectInput{ProjectName: aws.String("default-app")}); pages.HasMorePages(); {
		ids = append(ids, must[*codebuild.ListBuildsForProjectOutput](t, "page")(pages.NextPage(bg)).Ids...)
	}
	if len(ids) != 5 || ids[3] != aws.ToString(b2.Id) || ids[4] != id {
		t.Fatalf("builds %v", ids)
	}
	asc := must[*codebuild.ListBuildsForProjectOutput](t, "ascending")(c.ListBuildsForProject(bg, &codebuild.ListBuildsForProjectInput{
		ProjectName: aws.String("default-app"), SortOrder: cbtypes.SortOrderTypeAscending}))
	if asc.Ids[0] != id || asc.NextToken == nil {
		t.Fatalf("ascending %+v", asc)
	}
	_, err := c.ListBuildsForProject(bg, &codebuild.ListBuildsForProjectInput{ProjectName: aws.String("nope")})
	wantCode(t, "list builds of missing project", err, "ResourceNotFoundException")
	_, err = c.StartBuild(bg, &codebuild.StartBuildInput{ProjectName: aws.String("nope")})
	wantCode(t, "start missing project", err, "ResourceNotFoundException")
	missing := must[*codebuild.BatchGetBuildsOutput](t, "batch get unknown")(c.BatchGetBuilds(bg, &codebuild.BatchGetBuildsInput{Ids: []string{"default-app:0000", id}}))
	if len(missing.Builds) != 1 || fmt.Sprint(missing.BuildsNotFound) != "[default-app:0000]" {
		t.Fatalf("batch get %+v", missing)
	}

	// Builds outlive their project, as on AWS.
	must[*codebuild.DeleteProjectOutput](t, "delete")(c.DeleteProject(bg, &codebuild.DeleteProjectInput{Name: aws.String("default-app")}))
	if got := cbGetBuild(t, c, id); got.BuildStatus != cbtypes.StatusTypeSucceeded {
		t.Fatalf("build after project delete %s", got.BuildStatus)
	}
}

func TestCodeBuildBuildFailures(t *testing.T) {
	for _, tc := range []struct {
		name       string
		privileged bool
		setup      func(t *testing.T, e *svcEnv)
		start      codebuild.StartBuildInput
		after      time.Duration // when the build is COMPLETED
		phases     string
		failed     string // phase type, context message prefix
	}{
		{
			name: "parameter missing", privileged: true,
			setup: func(t *testing.T, e *svcEnv) {
				must[*ssm.DeleteParameterOutput](t, "delete parameter")(ssm.NewFromConfig(e.cfg(cbRegion)).DeleteParameter(bg, &ssm.DeleteParameterInput{Name: aws.String(cbURIParam)}))
			},
			after:  22800 * time.Millisecond, // SUBMITTED, QUEUED, PROVISIONING, FINALIZING
			phases: "SUBMITTED:SUCCEEDED QUEUED:SUCCEEDED PROVISIONING:FAILED FINALIZING:SUCCEEDED COMPLETED",
			failed: "PROVISIONING parameter does not exist: " + cbURIParam,
		},
		{
			name: "repository missing", privileged: true,
			setup: func(t *testing.T, e *svcEnv) {
				must[*ecr.DeleteRepositoryOutput](t, "delete repository")(e.ecr(cbRegion).DeleteRepository(bg, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("default-app")}))
			},
			after: 2 * time.Minute,
			phases: "SUBMITTED:SUCCEEDED QUEUED:SUCCEEDED PROVISIONING:SUCCEEDED DOWNLOAD_SOURCE:SUCCEEDED INSTALL:SUCCEEDED " +
				"PRE_BUILD:SUCCEEDED BUILD:SUCCEEDED POST_BUILD:FAILED UPLOAD_ARTIFACTS:FAILED FINALIZING:SUCCEEDED COMPLETED",
			failed: `POST_BUILD Error while executing command: docker push "$REPOSITORY_URI:$IMAGE_TAG". Reason: exit status 1`,
		},
		{
			name: "not privileged", privileged: false, setup: func(*testing.T, *svcEnv) {},
			after: 2 * time.Minute,
			phases: "SUBMITTED:SUCCEEDED QUEUED:SUCCEEDED PROVISIONING:SUCCEEDED DOWNLOAD_SOURCE:SUCCEEDED INSTALL:SUCCEEDED " +
				"PRE_BUILD:SUCCEEDED BUILD:FAILED POST_BUILD:FAILED UPLOAD_ARTIFACTS:FAILED FINALIZING:SUCCEEDED COMPLETED",
			failed: "BUILD Error while executing command: docker build",
		},
		{
			name: "privileged by override", privileged: false, setup: func(*testing.T, *svcEnv) {},
			start:  codebuild.StartBuildInput{PrivilegedModeOverride: aws.Bool(true)},
			after:  2 * time.Minute,
			phases: "SUBMITTED:SUCCEEDED QUEUED:SUCCEEDED PROVISIONING:SUCCEEDED DOWNLOAD_SOURCE:SUCCEEDED INSTALL:SUCCEEDED PRE_BUILD:SUCCEEDED BUILD:SUCCEEDED POST_BUILD:SUCCEEDED UPLOAD_ARTIFACTS:SUCCEEDED FINALIZING:SUCCEEDED COMPLETED",
		},
		{
			name: "missing parameter overridden by a plain value", privileged: true,
			setup: func(t *testing.T, e *svcEnv) {
				must[*ssm.DeleteParameterOutput](t, "delete parameter")(ssm.NewFromConfig(e.cfg(cbRegion)).DeleteParameter(bg, &ssm.DeleteParameterInput{Name: aws.String(cbURIParam)}))
			},
			start: codebuild.StartBuildInput{EnvironmentVariablesOverride: []cbtypes.EnvironmentVariable{
				{Name: aws.String("REPOSITORY_URI"), Value: aws.String(cbRepoURI), Type: cbtypes.EnvironmentVariableTypePlaintext}}},
			after:  2 * time.Minute,
			phases: "SUBMITTED:SUCCEEDED QUEUED:SUCCEEDED PROVISIONING:SUCCEEDED DOWNLOAD_SOURCE:SUCCEEDED INSTALL:SUCCEEDED PRE_BUILD:SUCCEEDED BUILD:SUCCEEDED POST_BUILD:SUCCEEDED UPLOAD_ARTIFACTS:SUCCEEDED FINALIZING:SUCCEEDED COMPLETED",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newSvcEnv(t)
			cbSetup(t, e)
			c := e.codebuild(cbRegion)
			must[*codebuild.CreateProjectOutput](t, "create")(c.CreateProject(bg, cbSeedProject("default-app", tc.privileged)))
			tc.setup(t, e)
			in := tc.start
			in.ProjectName, in.SourceVersion = aws.String("default-app"), aws.String(cbCommit)
			id := aws.ToString(must[*codebuild.StartBuildOutput](t, "start")(c.StartBuild(bg, &in)).Build.Id)
			e.clock.Advance(tc.after - time.Millisecond)
			if got := cbGetBuild(t, c, id); got.BuildStatus != cbtypes.StatusTypeInProgress {
				t.Fatalf("just before the end: %s (%s)", got.BuildStatus, cbPhases(got))
			}
			e.clock.Advance(time.Millisecond)
			got := cbGetBuild(t, c, id)
			if cbPhases(got) != tc.phases {
				t.Fatalf("phases %s\nwant   %s", cbPhases(got), tc.phases)
			}
			wantStatus := cbtypes.StatusTypeSucceeded
			if tc.failed != "" {
				wantStatus = cbtypes.StatusTypeFailed
			}
			if got.BuildStatus != wantStatus || !got.BuildComplete {
				t.Fatalf("status %s complete=%v, want %s", got.BuildStatus, got.BuildComplete, wantStatus)
			}
			if tc.failed == "" {
				if len(cbImages(t, e)) != 2 {
					t.Fatalf("images %v", cbImages(t, e))
				}
				return
			}
			i := slices.IndexFunc(got.Phases, func(p cbtypes.BuildPhase) bool { return p.PhaseStatus == cbtypes.StatusTypeFailed })
			ph := got.Phases[i]
			if msg := string(ph.PhaseType) + " " + aws.ToString(ph.Contexts[0].Message); !strings.HasPrefix(msg, tc.failed) {
				t.Fatalf("failed phase %q, want prefix %q", msg, tc.failed)
			}
		})
	}
}

func TestCodeBuildStopBuild(t *testing.T) {
	e := newSvcEnv(t)
	cbSetup(t, e)
	c := e.codebuild(cbRegion)
	must[*codebuild.CreateProjectOutput](t, "create")(c.CreateProject(bg, cbSeedProject("default-app", true)))
	id := aws.ToString(must[*codebuild.StartBuildOutput](t, "start")(c.StartBuild(bg, &codebuild.StartBuildInput{ProjectName: aws.String("default-app")})).Build.Id)
	e.clock.Advance(time.Minute)
	stopped := must[*codebuild.StopBuildOutput](t, "stop")(c.StopBuild(bg, &codebuild.StopBuildInput{Id: aws.String(id)})).Build
	if aws.ToString(stopped.CurrentPhase) != "FINALIZING" || !strings.Contains(cbPhases(*stopped), "BUILD:STOPPED FINALIZING") {
		t.Fatalf("stopping %s", cbPhases(*stopped))
	}
	e.clock.Advance(3 * time.Second)
	got := cbGetBuild(t, c, id)
	if got.BuildStatus != cbtypes.StatusTypeStopped || !got.BuildComplete || len(cbImages(t, e)) != 0 {
		t.Fatalf("stopped build %s complete=%v (%s)", got.BuildStatus, got.BuildComplete, cbPhases(got))
	}
	// Stopping a finished build returns it unchanged.
	again := must[*codebuild.StopBuildOutput](t, "stop again")(c.StopBuild(bg, &codebuild.StopBuildInput{Id: aws.String(id)})).Build
	if again.BuildStatus != cbtypes.StatusTypeStopped {
		t.Fatalf("stop again %s", again.BuildStatus)
	}
	_, err := c.StopBuild(bg, &codebuild.StopBuildInput{Id: aws.String("default-app:0000")})
	wantCode(t, "stop unknown", err, "ResourceNotFoundException")
	_, err = c.StopBuild(bg, &codebuild.StopBuildInput{Id: aws.String("no-colon")})
	wantCode(t, "stop malformed", err, "InvalidInputException")
}

// A build in progress survives a restart of the simulator and finishes, pushing its image,
// in the restarted one.
func TestCodeBuildStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newSvcEnv(t, awssim.WithStateFile(path))
	cbSetup(t, e)
	c := e.codebuild(cbRegion)
	must[*codebuild.CreateProjectOutput](t, "create")(c.CreateProject(bg, cbSeedProject("default-app", true)))
	id := aws.ToString(must[*codebuild.StartBuildOutput](t, "start")(c.StartBuild(bg, &codebuild.StartBuildInput{
		ProjectName: aws.String("default-app"), SourceVersion: aws.String(cbCommit)})).Build.Id)
	e.clock.Advance(30 * time.Second)
	_ = cbGetBuild(t, c, id) // BatchGetBuilds saves the advanced build too

	sim2, err := awssim.New(awssim.WithClock(e.clock), awssim.WithStateFile(path))
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	srv := httptest.NewServer(sim2)
	defer srv.Close()
	e2 := &svcEnv{sim: sim2, clock: e.clock, url: srv.URL}
	c2 := e2.codebuild(cbRegion)
	if got := cbGetBuild(t, c2, id); got.BuildStatus != cbtypes.StatusTypeInProgress || aws.ToString(got.CurrentPhase) != "PRE_BUILD" {
		t.Fatalf("after restart %s in %s", got.BuildStatus, aws.ToString(got.CurrentPhase))
	}
	e.clock.Advance(90 * time.Second)
	if got := cbGetBuild(t, c2, id); got.BuildStatus != cbtypes.StatusTypeSucceeded {
		t.Fatalf("after restart and wait %s (%s)", got.BuildStatus, cbPhases(got))
	}
	if tags := cbImages(t, e2); tags["0123456"] == "" || tags["latest"] == "" {
		t.Fatalf("image in the restarted ECR %v", tags)
	}
	// The build number continues.
	b := must[*codebuild.StartBuildOutput](t, "start after restart")(c2.StartBuild(bg, &codebuild.StartBuildInput{ProjectName: aws.String("default-app")})).Build
	if aws.ToInt64(b.BuildNumber) != 2 {
		t.Fatalf("build number %d after restart", aws.ToInt64(b.BuildNumber))
	}
}

func TestCodeBuildListBuilds(t *testing.T) {
	e := newSvcEnv(t, awssim.WithPageSize(2))
	cbSetup(t, e)
	c := e.codebuild(cbRegion)
	for _, name := range []string{"aa", "bb"} {
		must[*codebuild.CreateProjectOutput](t, "create "+name)(c.CreateProject(bg, cbSeedProject(name, true)))
	}
	var started []string
	for _, project := range []string{"aa", "bb", "aa"} {
		b := must[*codebuild.StartBuildOutput](t, "start")(c.StartBuild(bg, &codebuild.StartBuildInput{
			ProjectName: aws.String(project), SourceVersion: aws.String(cbCommit)})).Build
		started = append(started, aws.ToString(b.Id))
		e.clock.Advance(time.Second)
	}
	must[*codebuild.DeleteProjectOutput](t, "delete bb")(c.DeleteProject(bg, &codebuild.DeleteProjectInput{Name: aws.String("bb")}))
	collect := func(in *codebuild.ListBuildsInput) []string {
		var ids []string
		for pages := codebuild.NewListBuildsPaginator(c, in); pages.HasMorePages(); {
			ids = append(ids, must[*codebuild.ListBuildsOutput](t, "page")(pages.NextPage(bg)).Ids...)
		}
		return ids
	}
	newest := slices.Clone(started)
	slices.Reverse(newest)
	if got := collect(&codebuild.ListBuildsInput{}); !slices.Equal(got, newest) {
		t.Fatalf("builds %v, want newest first %v", got, newest)
	}
	if got := collect(&codebuild.ListBuildsInput{SortOrder: cbtypes.SortOrderTypeAscending}); !slices.Equal(got, started) {
		t.Fatalf("builds ascending %v, want %v", got, started)
	}
	if got := must[*codebuild.BatchGetBuildsOutput](t, "batch get")(c.BatchGetBuilds(bg, &codebuild.BatchGetBuildsInput{Ids: started})); len(got.Builds) != 3 {
		t.Fatalf("batch get %d builds, not found %v", len(got.Builds), got.BuildsNotFound)
	}
	_, err := c.ListBuilds(bg, &codebuild.ListBuildsInput{SortOrder: "SIDEWAYS"})
	wantCode(t, "bad order", err, "ValidationException")
	_, err = c.ListBuilds(bg, &codebuild.ListBuildsInput{NextToken: aws.String("garbage!")})
	wantCode(t, "bad token", err, "InvalidInputException")
}
