package awssim

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// TestCodeBuildPipelineHooks drives the two calls CodePipeline makes with the lock held
// (StartPipelineBuild, PipelineBuild) against projects set up through the real clients.
func TestCodeBuildPipelineHooks(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sim, err := New(WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	ctx := t.Context()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	const uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/default-app"
	must(iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("cb"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"codebuild.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))
	must(ecr.NewFromConfig(cfg).CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("default-app")}))
	must(ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/uri"), Value: aws.String(uri), Type: ssmtypes.ParameterTypeString}))
	cb := codebuild.NewFromConfig(cfg)
	for name, privileged := range map[string]bool{"app": true, "unprivileged": false} {
		must(cb.CreateProject(ctx, &codebuild.CreateProjectInput{
			Name: aws.String(name), ServiceRole: aws.String("cb"),
			Source:    &cbtypes.ProjectSource{Type: cbtypes.SourceTypeCodepipeline, Buildspec: aws.String("buildspec.yml")},
			Artifacts: &cbtypes.ProjectArtifacts{Type: cbtypes.ArtifactsTypeCodepipeline},
			Environment: &cbtypes.ProjectEnvironment{Type: cbtypes.EnvironmentTypeLinuxContainer, Image: aws.String("aws/codebuild/standard:7.0"),
				ComputeType: cbtypes.ComputeTypeBuildGeneral1Small, PrivilegedMode: aws.Bool(privileged),
				EnvironmentVariables: []cbtypes.EnvironmentVariable{
					{Name: aws.String("REPOSITORY_URI"), Value: aws.String("/uri"), Type: cbtypes.EnvironmentVariableTypeParameterStore},
					{Name: aws.String("CONTAINER_NAME"), Value: aws.String("web")}}},
		}))
	}

	// What codepipeline.go does, with the lock held as an Op would have it.
	locked := func(f func(s *codebuildState)) {
		sim.mu.Lock()
		defer sim.mu.Unlock()
		f(sim.Service("codebuild").State.(*codebuildState))
	}
	const commit = "abcdef0123456789abcdef0123456789abcdef01"
	var ok, bad string
	locked(func(s *codebuildState) {
		if ok, err = s.StartPipelineBuild("us-east-1", "app", commit, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if bad, err = s.StartPipelineBuild("us-east-1", "unprivileged", commit, clock.Now()); err != nil {
			t.Fatal(err)
		}
		var apiErr *APIError
		if _, err := s.StartPipelineBuild("us-east-1", "missing", commit, clock.Now()); !errors.As(err, &apiErr) || apiErr.Code != "ResourceNotFoundException" {
			t.Fatalf("missing project: %v", err)
		}
		if _, err := s.StartPipelineBuild("eu-west-1", "app", commit, clock.Now()); err == nil {
			t.Fatal("a project is regional")
		}
		status, defs, failure, found := s.PipelineBuild("us-east-1", ok, clock.Now())
		if status != "IN_PROGRESS" || defs != nil || failure != "" || !found {
			t.Fatalf("just started: %s %s %q %v", status, defs, failure, found)
		}
		if _, _, _, found := s.PipelineBuild("us-east-1", "app:nope", clock.Now()); found {
			t.Fatal("unknown build found")
		}
	})
	// The build shows through the API with CodePipeline as its initiator.
	out, err := cb.BatchGetBuilds(ctx, &codebuild.BatchGetBuildsInput{Ids: []string{ok}})
	if err != nil || len(out.Builds) != 1 || aws.ToString(out.Builds[0].Initiator) != "codepipeline" || aws.ToString(out.Builds[0].SourceVersion) != commit {
		t.Fatalf("BatchGetBuilds: %v %+v", err, out)
	}

	clock.Advance(2 * time.Minute)
	locked(func(s *codebuildState) {
		status, defs, failure, _ := s.PipelineBuild("us-east-1", ok, clock.Now())
		var parsed []struct{ Name, ImageURI string }
		if status != "SUCCEEDED" || failure != "" || json.Unmarshal(defs, &parsed) != nil ||
			len(parsed) != 1 || parsed[0].Name != "web" || parsed[0].ImageURI != uri+":abcdef0" {
			t.Fatalf("succeeded: %s %s %q", status, defs, failure)
		}
		status, defs, failure, _ = s.PipelineBuild("us-east-1", bad, clock.Now())
		if status != "FAILED" || defs != nil ||
			!strings.HasPrefix(failure, "Build terminated with state: FAILED. Phase: BUILD, Code: COMMAND_EXECUTION_ERROR, Message: Error while executing command: docker build") {
			t.Fatalf("failed: %s %s %q", status, defs, failure)
		}
		if b := s.Regions["us-east-1"].Builds[bad]; !strings.Contains(strings.Join(b.Log, "\n"), "Cannot connect to the Docker daemon") {
			t.Fatalf("log of the unprivileged build %q", b.Log)
		}
	})
	// The image the pipeline deploys is in ECR under the commit tag.
	imgs, err := ecr.NewFromConfig(cfg).DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("default-app")})
	if err != nil || len(imgs.ImageDetails) != 1 || len(imgs.ImageDetails[0].ImageTags) != 2 {
		t.Fatalf("images: %v %+v", err, imgs)
	}

	// A stopped pipeline build reads STOPPED.
	var stopped string
	locked(func(s *codebuildState) { stopped, _ = s.StartPipelineBuild("us-east-1", "app", commit, clock.Now()) })
	must(cb.StopBuild(ctx, &codebuild.StopBuildInput{Id: aws.String(stopped)}))
	clock.Advance(time.Minute)
	locked(func(s *codebuildState) {
		if status, defs, failure, _ := s.PipelineBuild("us-east-1", stopped, clock.Now()); status != "STOPPED" || defs != nil || failure != "Build terminated with state: STOPPED" {
			t.Fatalf("stopped: %s %s %q", status, defs, failure)
		}
	})
}
