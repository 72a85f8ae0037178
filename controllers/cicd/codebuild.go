package cicd

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const resourceProject = "build"

// The API defaults, for a spec the API server has not defaulted.
const (
	defaultBuildspec   = "buildspec.yml"
	defaultBuildImage  = "aws/codebuild/standard:7.0"
	defaultComputeType = "BUILD_GENERAL1_SMALL"
)

func (p *pass) projectName() string { return p.Owner().Name(cloud.ProjectName, "build") }

// projectSettings are the project's settings that the stage decides.
type projectSettings struct {
	source      cbtypes.ProjectSource
	artifacts   cbtypes.ProjectArtifacts
	environment cbtypes.ProjectEnvironment
	logs        cbtypes.LogsConfig
	serviceRole string
}

// wantProject is the project the spec asks for: the pipeline hands it the source and takes
// its artifacts; it builds in a privileged Linux container (docker build needs the daemon)
// with the environment sample-app/buildspec.yml reads: REPOSITORY_URI from the ecr stage's
// parameter, CONTAINER_NAME for imagedefinitions.json, and the account and region.
func (p *pass) wantProject() projectSettings {
	spec := p.fd.Spec.Pipeline
	plain := func(name, value string) cbtypes.EnvironmentVariable {
		return cbtypes.EnvironmentVariable{Name: aws.String(name), Value: aws.String(value), Type: cbtypes.EnvironmentVariableTypePlaintext}
	}
	return projectSettings{
		source:    cbtypes.ProjectSource{Type: cbtypes.SourceTypeCodepipeline, Buildspec: aws.String(orDefault(spec.Buildspec, defaultBuildspec))},
		artifacts: cbtypes.ProjectArtifacts{Type: cbtypes.ArtifactsTypeCodepipeline},
		environment: cbtypes.ProjectEnvironment{
			Type:           cbtypes.EnvironmentTypeLinuxContainer,
			Image:          aws.String(orDefault(spec.BuildImage, defaultBuildImage)),
			ComputeType:    cbtypes.ComputeType(orDefault(spec.ComputeType, defaultComputeType)),
			PrivilegedMode: aws.Bool(true),
			EnvironmentVariables: []cbtypes.EnvironmentVariable{
				plain("AWS_ACCOUNT_ID", p.account),
				plain("AWS_DEFAULT_REGION", p.region),
				plain("CONTAINER_NAME", cloud.ContainerName),
				{Name: aws.String("REPOSITORY_URI"), Value: aws.String(p.fd.Status.Repository.ParameterName), Type: cbtypes.EnvironmentVariableTypeParameterStore},
			},
		},
		logs: cbtypes.LogsConfig{
			CloudWatchLogs: &cbtypes.CloudWatchLogsConfig{Status: cbtypes.LogsConfigStatusTypeEnabled, GroupName: aws.String(p.logGroupName())},
			S3Logs:         &cbtypes.S3LogsConfig{Status: cbtypes.LogsConfigStatusTypeDisabled},
		},
		serviceRole: p.fd.Status.Pipeline.BuildRoleARN,
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// setting is one setting of a project in a comparable form.
type setting struct{ name, value string }

// settings lists the settings, each environment variable on its own, with the differences
// AWS makes on its own (defaults filled in, variables in any order) taken out.
func (s projectSettings) settings() []setting {
	env := s.environment
	logs := "default"
	if cw := s.logs.CloudWatchLogs; cw != nil {
		logs = fmt.Sprintf("%s:%s", cw.Status, aws.ToString(cw.GroupName))
	}
	if s3 := s.logs.S3Logs; s3 != nil && s3.Status == cbtypes.LogsConfigStatusTypeEnabled {
		logs += " s3:" + aws.ToString(s3.Location)
	}
	out := []setting{
		{"source", fmt.Sprintf("%s/%s/%s", s.source.Type, aws.ToString(s.source.Buildspec), aws.ToString(s.source.Location))},
		{"artifacts", string(s.artifacts.Type)},
		{"image", aws.ToString(env.Image)},
		{"environment type", string(env.Type)},
		{"compute type", string(env.ComputeType)},
		{"privileged mode", fmt.Sprint(aws.ToBool(env.PrivilegedMode))},
		{"logs", logs},
		{"service role", s.serviceRole},
	}
	vars := make([]setting, 0, len(env.EnvironmentVariables))
	for _, v := range env.EnvironmentVariables {
		typ := v.Type
		if typ == "" {
			typ = cbtypes.EnvironmentVariableTypePlaintext
		}
		vars = append(vars, setting{envVarPrefix + aws.ToString(v.Name), fmt.Sprintf("%s(%s)", aws.ToString(v.Value), typ)})
	}
	slices.SortFunc(vars, func(a, b setting) int { return strings.Compare(a.name, b.name) })
	return append(out, vars...)
}

const envVarPrefix = "environment variable "

// differences names the settings in which have differs from want. It shows no variable's
// value: one set by hand is not the operator's to publish. Two whole setting lists would
// not fit the 1024 characters of an event's note, which the API server then refuses.
func differences(have, want projectSettings) []string {
	h, w := map[string]string{}, map[string]string{}
	for _, s := range have.settings() {
		h[s.name] = s.value
	}
	var out []string
	for _, s := range want.settings() {
		w[s.name] = s.value
		v, ok := h[s.name]
		switch {
		case v == s.value:
		case strings.HasPrefix(s.name, envVarPrefix) && !ok:
			out = append(out, s.name+" missing")
		case strings.HasPrefix(s.name, envVarPrefix):
			out = append(out, s.name+" changed")
		default:
			out = append(out, fmt.Sprintf("%s %s instead of %s", s.name, orDefault(v, "(none)"), orDefault(s.value, "(none)")))
		}
	}
	for _, s := range have.settings() {
		if _, ok := w[s.name]; !ok {
			out = append(out, s.name+" added")
		}
	}
	return out
}

func settingsOf(pr *cbtypes.Project) projectSettings {
	s := projectSettings{serviceRole: aws.ToString(pr.ServiceRole)}
	if pr.Source != nil {
		s.source = *pr.Source
	}
	if pr.Artifacts != nil {
		s.artifacts = *pr.Artifacts
	}
	if pr.Environment != nil {
		s.environment = *pr.Environment
	}
	if pr.LogsConfig != nil {
		s.logs = *pr.LogsConfig
	}
	return s
}

// reconcileProject finds (by name, proven ours by its tags) or creates the CodeBuild
// project, then puts back its settings (the image, the environment) and tags.
func (p *pass) reconcileProject(ctx context.Context) error {
	name := p.projectName()
	st := &p.fd.Status.Pipeline
	pr, err := p.findProject(ctx, name)
	if err != nil {
		return err
	}
	want := p.wantProject()
	if pr == nil {
		if st.BuildProjectName != "" {
			p.Drift(ctx, "CodeBuild project %s was deleted; creating it again", name)
			st.BuildProjectName = ""
		}
		if !p.MayWrite(true, "CodeBuild project %s", name) {
			p.Stop()
			return nil
		}
		if pr, err = p.createProject(ctx, name, want); err != nil || pr == nil {
			return err
		}
	}
	have := cloud.FromCodeBuild(pr.Tags)
	if err := p.RepairTags(ctx, kindProject, name, p.Tags(resourceProject), have, p.projectTagger(have)); err != nil {
		return err
	}
	st.BuildProjectName = name
	diff := strings.Join(differences(settingsOf(pr), want), ", ")
	if diff == "" || !p.MayWrite(false, "CodeBuild project %s differs from the spec: %s", name, diff) {
		return nil
	}
	if _, err := p.CodeBuild.UpdateProject(ctx, &codebuild.UpdateProjectInput{
		Name: aws.String(name), Source: &want.source, Artifacts: &want.artifacts, Environment: &want.environment,
		LogsConfig: &want.logs, ServiceRole: aws.String(want.serviceRole),
	}); err != nil {
		return fmt.Errorf("update CodeBuild project %s: %w", name, err)
	}
	p.repaired(ctx, "UpdatedBuildProject", "CodeBuild project %s had %s; set as the spec says", name, diff)
	return nil
}

// findProject gets the project; nil when there is none.
func (p *pass) findProject(ctx context.Context, name string) (*cbtypes.Project, error) {
	out, err := p.CodeBuild.BatchGetProjects(ctx, &codebuild.BatchGetProjectsInput{Names: []string{name}})
	if err != nil {
		return nil, fmt.Errorf("get CodeBuild project %s: %w", name, err)
	}
	for i := range out.Projects {
		if aws.ToString(out.Projects[i].Name) == name {
			return &out.Projects[i], nil
		}
	}
	return nil, nil
}

// createProject creates the project with its tags. When the name turned out taken since
// we looked, it returns that project, to be checked as found.
func (p *pass) createProject(ctx context.Context, name string, want projectSettings) (*cbtypes.Project, error) {
	out, err := p.CodeBuild.CreateProject(ctx, &codebuild.CreateProjectInput{
		Name:        aws.String(name),
		Description: aws.String("Builds FlaskDeployment " + p.Owner().Ref()),
		Source:      &want.source, Artifacts: &want.artifacts, Environment: &want.environment,
		LogsConfig: &want.logs, ServiceRole: aws.String(want.serviceRole),
		Tags: cloud.ToCodeBuild(p.Tags(resourceProject)),
	})
	if cloud.IsAlreadyExists(err) {
		pr, err := p.findProject(ctx, name)
		if err == nil && pr == nil {
			err = fmt.Errorf("not found after ResourceAlreadyExistsException")
		}
		if err != nil {
			return nil, fmt.Errorf("get CodeBuild project %s: %w", name, err)
		}
		return pr, nil
	}
	if err != nil {
		return nil, fmt.Errorf("create CodeBuild project %s: %w", name, err)
	}
	p.fd.Status.Pipeline.BuildProjectName = name
	p.Created(ctx, kindProject, aws.ToString(out.Project.Arn))
	return nil, stage.CheckpointCreated(ctx, "CodeBuild project "+name)
}

// projectTagger writes a project's tags: CodeBuild takes them only as the whole set, on
// UpdateProject, so it keeps the set the project has and changes that.
func (p *pass) projectTagger(have map[string]string) cloud.Tagger {
	set := maps.Clone(have)
	put := func(ctx context.Context, name string) error {
		_, err := p.CodeBuild.UpdateProject(ctx, &codebuild.UpdateProjectInput{Name: aws.String(name), Tags: cloud.ToCodeBuild(set)})
		return err
	}
	return cloud.TaggerFuncs{
		Add: func(ctx context.Context, name string, tags map[string]string) error {
			maps.Copy(set, tags)
			return put(ctx, name)
		},
		Remove: func(ctx context.Context, name string, keys []string) error {
			for _, k := range keys {
				delete(set, k)
			}
			return put(ctx, name)
		},
	}
}

// deleteProject stops the project's running builds (the pipeline is gone, nothing starts
// new ones), waits for them to finish, then deletes the project, if its tags prove it
// ours: a build left running would push an image after the stage is gone.
func (p *pass) deleteProject(ctx context.Context) (bool, error) {
	name := p.projectName()
	pr, err := p.findProject(ctx, name)
	if err != nil {
		return false, err
	}
	if pr != nil && p.Deletable(ctx, kindProject, name, cloud.FromCodeBuild(pr.Tags)) {
		running, err := p.stopBuilds(ctx, name)
		if err != nil {
			return false, err
		}
		if running > 0 {
			p.WaitFor(v1alpha1.ReasonWaitingForDeletion, deletePollInterval, "%d build(s) of CodeBuild project %s stopping", running, name)
			return false, nil
		}
		if _, err := p.CodeBuild.DeleteProject(ctx, &codebuild.DeleteProjectInput{Name: aws.String(name)}); err != nil && !cloud.IsNotFound(err) {
			return false, fmt.Errorf("delete CodeBuild project %s: %w", name, err)
		}
		p.Deleted(ctx, kindProject, aws.ToString(pr.Arn))
	}
	p.fd.Status.Pipeline.BuildProjectName = ""
	return true, nil
}

// stopBuilds stops the project's builds in progress and counts those not finished yet.
// Running builds are the newest, so the first page of the newest-first list holds them.
func (p *pass) stopBuilds(ctx context.Context, name string) (int, error) {
	list, err := p.CodeBuild.ListBuildsForProject(ctx, &codebuild.ListBuildsForProjectInput{ProjectName: aws.String(name), SortOrder: cbtypes.SortOrderTypeDescending})
	if err != nil || len(list.Ids) == 0 {
		if cloud.IsNotFound(err) {
			err = nil
		}
		if err != nil {
			err = fmt.Errorf("list builds of CodeBuild project %s: %w", name, err)
		}
		return 0, err
	}
	out, err := p.CodeBuild.BatchGetBuilds(ctx, &codebuild.BatchGetBuildsInput{Ids: list.Ids[:min(len(list.Ids), 100)]})
	if err != nil {
		return 0, fmt.Errorf("get builds of CodeBuild project %s: %w", name, err)
	}
	running := 0
	for _, b := range out.Builds {
		if b.BuildComplete {
			continue
		}
		running++
		if b.BuildStatus == cbtypes.StatusTypeInProgress && b.CurrentPhase != nil && *b.CurrentPhase != "FINALIZING" {
			if _, err := p.CodeBuild.StopBuild(ctx, &codebuild.StopBuildInput{Id: b.Id}); err != nil && !cloud.IsNotFound(err) {
				return 0, fmt.Errorf("stop build %s: %w", aws.ToString(b.Id), err)
			}
		}
	}
	return running, nil
}
