package cicd

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"

	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const (
	resourcePipeline = "pipeline"
	// imageDefinitionsFile is what sample-app/buildspec.yml writes for the ECS deploy.
	imageDefinitionsFile = "imagedefinitions.json"
	// masked is how CodePipeline shows a secret action configuration (an OAuth token).
	masked         = "****"
	sourceArtifact = "SourceOutput"
	buildArtifact  = "BuildOutput"
	defaultBranch  = "main"
)

// The pipeline's stages; each has one action of the same name.
const (
	stageSource = "Source"
	stageBuild  = "Build"
	stageDeploy = "Deploy"
)

func (p *pass) pipelineName() string { return p.Owner().Name(cloud.PipelineName, "pipeline") }

// clusterName is the cluster's name in its ARN (arn:...:cluster/NAME).
func clusterName(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

// serviceName is the ECS service the pipeline deploys to: the one status names, or before
// the ecs stage has created it (it waits for the first image the pipeline builds) the name
// it will give it.
func (p *pass) serviceName() string {
	if arn := p.fd.Status.Service.ServiceARN; arn != "" {
		return arn[strings.LastIndex(arn, "/")+1:]
	}
	return p.Owner().Name(cloud.ECSName, "service")
}

func (p *pass) serviceARN() string {
	if arn := p.fd.Status.Service.ServiceARN; arn != "" {
		return arn
	}
	return p.arn("ecs", p.region, "service/"+clusterName(p.fd.Status.Service.ClusterARN)+"/"+p.serviceName())
}

// declaration is the pipeline the spec asks for: V2, artifacts in the bucket, the GitHub
// source (through the connection with a push trigger on the branch, or GitHub version 1
// with token), the CodeBuild build and the Amazon ECS deploy of imagedefinitions.json.
func (p *pass) declaration(name, token string) *cptypes.PipelineDeclaration {
	src := p.fd.Spec.Pipeline.Source
	branch := orDefault(src.Branch, defaultBranch)
	action := func(name string, category cptypes.ActionCategory, owner cptypes.ActionOwner, provider string,
		config map[string]string, in, out string) cptypes.ActionDeclaration {
		a := cptypes.ActionDeclaration{Name: aws.String(name), RunOrder: aws.Int32(1), Configuration: config,
			ActionTypeId: &cptypes.ActionTypeId{Category: category, Owner: owner, Provider: aws.String(provider), Version: aws.String("1")}}
		if in != "" {
			a.InputArtifacts = []cptypes.InputArtifact{{Name: aws.String(in)}}
		}
		if out != "" {
			a.OutputArtifacts = []cptypes.OutputArtifact{{Name: aws.String(out)}}
		}
		return a
	}
	d := &cptypes.PipelineDeclaration{
		Name: aws.String(name), RoleArn: aws.String(p.fd.Status.Pipeline.PipelineRoleARN),
		PipelineType: cptypes.PipelineTypeV2, ExecutionMode: cptypes.ExecutionModeSuperseded,
		ArtifactStore: &cptypes.ArtifactStore{Type: cptypes.ArtifactStoreTypeS3, Location: aws.String(p.bucketName())},
	}
	var source cptypes.ActionDeclaration
	if src.ConnectionARN != "" {
		source = action(stageSource, cptypes.ActionCategorySource, cptypes.ActionOwnerAws, "CodeStarSourceConnection",
			map[string]string{"ConnectionArn": src.ConnectionARN, "FullRepositoryId": src.Owner + "/" + src.Repo, "BranchName": branch}, "", sourceArtifact)
		d.Triggers = []cptypes.PipelineTriggerDeclaration{{
			ProviderType: cptypes.PipelineTriggerProviderTypeCodeStarSourceConnection,
			GitConfiguration: &cptypes.GitConfiguration{SourceActionName: aws.String(stageSource),
				Push: []cptypes.GitPushFilter{{Branches: &cptypes.GitBranchFilterCriteria{Includes: []string{branch}}}}},
		}}
	} else {
		source = action(stageSource, cptypes.ActionCategorySource, cptypes.ActionOwnerThirdParty, "GitHub",
			map[string]string{"Owner": src.Owner, "Repo": src.Repo, "Branch": branch, "OAuthToken": token}, "", sourceArtifact)
	}
	d.Stages = []cptypes.StageDeclaration{
		{Name: aws.String(stageSource), Actions: []cptypes.ActionDeclaration{source}},
		{Name: aws.String(stageBuild), Actions: []cptypes.ActionDeclaration{action(stageBuild, cptypes.ActionCategoryBuild, cptypes.ActionOwnerAws,
			"CodeBuild", map[string]string{"ProjectName": p.projectName()}, sourceArtifact, buildArtifact)}},
		{Name: aws.String(stageDeploy), Actions: []cptypes.ActionDeclaration{action(stageDeploy, cptypes.ActionCategoryDeploy, cptypes.ActionOwnerAws,
			"ECS", map[string]string{"ClusterName": clusterName(p.fd.Status.Service.ClusterARN), "ServiceName": p.serviceName(),
				"FileName": imageDefinitionsFile}, buildArtifact, "")}},
	}
	return d
}

// declarationSummary is a declaration in a comparable form: what decides the pipeline's
// behaviour, with AWS's defaults filled in and secrets shown as CodePipeline shows them.
func declarationSummary(d *cptypes.PipelineDeclaration) string {
	type action struct {
		Name, Category, Owner, Provider, Version string
		RunOrder                                 int32
		Config                                   map[string]string
		In, Out                                  []string
	}
	type stage struct {
		Name    string
		Actions []action
	}
	type trigger struct {
		Provider, Action string
		Push             []string
		PullRequests     int
	}
	var out struct {
		Role, Type, Mode, Store, Location string
		Stores                            []string
		Stages                            []stage
		Triggers                          []trigger
		Variables                         int
	}
	out.Role, out.Type, out.Mode = aws.ToString(d.RoleArn), string(d.PipelineType), string(d.ExecutionMode)
	if out.Type == "" {
		out.Type = string(cptypes.PipelineTypeV1)
	}
	if out.Mode == "" {
		out.Mode = string(cptypes.ExecutionModeSuperseded)
	}
	if s := d.ArtifactStore; s != nil {
		out.Store, out.Location = string(s.Type), aws.ToString(s.Location)
	}
	out.Stores = slices.Sorted(maps.Keys(d.ArtifactStores))
	out.Variables = len(d.Variables)
	for _, s := range d.Stages {
		st := stage{Name: aws.ToString(s.Name)}
		for _, a := range s.Actions {
			ac := action{Name: aws.ToString(a.Name), RunOrder: max(aws.ToInt32(a.RunOrder), 1), Config: maps.Clone(a.Configuration)}
			if id := a.ActionTypeId; id != nil {
				ac.Category, ac.Owner, ac.Provider, ac.Version = string(id.Category), string(id.Owner), aws.ToString(id.Provider), aws.ToString(id.Version)
			}
			if _, ok := ac.Config["OAuthToken"]; ok {
				ac.Config["OAuthToken"] = masked
			}
			for _, in := range a.InputArtifacts {
				ac.In = append(ac.In, aws.ToString(in.Name))
			}
			for _, o := range a.OutputArtifacts {
				ac.Out = append(ac.Out, aws.ToString(o.Name))
			}
			st.Actions = append(st.Actions, ac)
		}
		out.Stages = append(out.Stages, st)
	}
	for _, t := range d.Triggers {
		tr := trigger{Provider: string(t.ProviderType)}
		if g := t.GitConfiguration; g != nil {
			tr.Action, tr.PullRequests = aws.ToString(g.SourceActionName), len(g.PullRequest)
			for _, f := range g.Push {
				var b strings.Builder
				if f.Branches != nil {
					fmt.Fprintf(&b, "branches+%v-%v", f.Branches.Includes, f.Branches.Excludes)
				}
				if f.FilePaths != nil {
					fmt.Fprintf(&b, " files+%v-%v", f.FilePaths.Includes, f.FilePaths.Excludes)
				}
				if f.Tags != nil {
					fmt.Fprintf(&b, " tags+%v-%v", f.Tags.Includes, f.Tags.Excludes)
				}
				tr.Push = append(tr.Push, b.String())
			}
		}
		out.Triggers = append(out.Triggers, tr)
	}
	b, _ := json.Marshal(out) // plain values: cannot fail
	return string(b)
}

// reconcilePipeline finds (by name, proven ours by its tags) or creates the pipeline, then
// puts back its declaration (a stage removed in the console, another source) and tags. A
// GitHub version 1 token is read from its Secret at every pass and sent to AWS only when
// the pipeline is created or changed, or the Secret holds another token than the one the
// pipeline was given.
func (p *pass) reconcilePipeline(ctx context.Context) error {
	name := p.pipelineName()
	st := &p.fd.Status.Pipeline
	token, digest := "", ""
	if p.fd.Spec.Pipeline.Source.ConnectionARN == "" {
		var err error
		if token, err = p.oauthToken(ctx); err != nil {
			return err
		}
		digest = p.tokenDigest(token)
	}
	want := p.declaration(name, token)
	out, err := p.CodePipeline.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String(name)})
	if err != nil && !cloud.IsNotFound(err) {
		return fmt.Errorf("get pipeline %s: %w", name, err)
	}
	if err != nil {
		if st.PipelineARN != "" {
			p.Drift(ctx, "pipeline %s was deleted; creating it again", name)
			st.PipelineName, st.PipelineARN = "", ""
		}
		if !p.MayWrite(true, "pipeline %s", name) {
			p.Stop()
			return nil
		}
		created, err := p.createPipeline(ctx, want, digest)
		if err != nil || created {
			return err
		}
		if out, err = p.CodePipeline.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String(name)}); err != nil {
			return fmt.Errorf("get pipeline %s after PipelineNameInUseException: %w", name, err)
		}
	}
	arn := aws.ToString(out.Metadata.PipelineArn)
	have, err := p.pipelineTags(ctx, arn)
	if err != nil {
		return err
	}
	if err := p.RepairTags(ctx, kindPipeline, arn, p.Tags(resourcePipeline), have, p.pipelineTagger()); err != nil {
		return err
	}
	st.PipelineName, st.PipelineARN = name, arn
	before, after := declarationSummary(out.Pipeline), declarationSummary(want)
	tokenChanged := digest != st.OAuthTokenDigest
	if before == after && !tokenChanged {
		return nil
	}
	if !p.MayWrite(false, "pipeline %s differs from the spec", name) {
		return nil
	}
	if _, err := p.CodePipeline.UpdatePipeline(ctx, &codepipeline.UpdatePipelineInput{Pipeline: want}); err != nil {
		return fmt.Errorf("update pipeline %s: %w", name, err)
	}
	st.OAuthTokenDigest = digest
	if before != after {
		p.repaired(ctx, "UpdatedPipeline", "pipeline %s differed from the spec; declaration put back (%s)", name, pipelineDifference(out.Pipeline, want))
	} else {
		p.Changed(ctx, "UpdatedPipeline", "Gave pipeline %s the GitHub token now in Secret %s", name, p.fd.Spec.Pipeline.Source.OAuthTokenSecretRef.Name)
	}
	return nil
}

// pipelineDifference names what differs, for the drift note: the stages, or else the rest.
func pipelineDifference(have, want *cptypes.PipelineDeclaration) string {
	names := func(d *cptypes.PipelineDeclaration) []string {
		var out []string
		for _, s := range d.Stages {
			out = append(out, aws.ToString(s.Name))
		}
		return out
	}
	if h, w := names(have), names(want); !slices.Equal(h, w) {
		return fmt.Sprintf("stages %s, want %s", strings.Join(h, ", "), strings.Join(w, ", "))
	}
	return "actions, artifact store, role or triggers"
}

// createPipeline creates the pipeline with its tags; AWS starts its first execution at
// once. created is false when the name turned out taken since we looked.
func (p *pass) createPipeline(ctx context.Context, want *cptypes.PipelineDeclaration, digest string) (created bool, err error) {
	name := aws.ToString(want.Name)
	_, err = p.CodePipeline.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: want, Tags: cloud.ToCodePipeline(p.Tags(resourcePipeline))})
	if cloud.IsAlreadyExists(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create pipeline %s: %w", name, err)
	}
	st := &p.fd.Status.Pipeline
	st.PipelineName, st.PipelineARN, st.OAuthTokenDigest = name, p.arn("codepipeline", p.region, name), digest
	p.Created(ctx, kindPipeline, st.PipelineARN)
	return true, stage.CheckpointCreated(ctx, "pipeline "+name)
}

func (p *pass) pipelineTags(ctx context.Context, arn string) (map[string]string, error) {
	tags := map[string]string{}
	pages := codepipeline.NewListTagsForResourcePaginator(p.CodePipeline, &codepipeline.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list tags of pipeline %s: %w", arn, err)
		}
		maps.Copy(tags, cloud.FromCodePipeline(out.Tags))
	}
	return tags, nil
}

func (p *pass) pipelineTagger() cloud.Tagger {
	return cloud.TaggerFuncs{
		Add: func(ctx context.Context, arn string, tags map[string]string) error {
			_, err := p.CodePipeline.TagResource(ctx, &codepipeline.TagResourceInput{ResourceArn: aws.String(arn), Tags: cloud.ToCodePipeline(tags)})
			return err
		},
		Remove: func(ctx context.Context, arn string, keys []string) error {
			_, err := p.CodePipeline.UntagResource(ctx, &codepipeline.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
			return err
		},
	}
}

// deletePipeline deletes the pipeline if its tags prove it ours. Its executions in progress
// end with it.
func (p *pass) deletePipeline(ctx context.Context) (bool, error) {
	name := p.pipelineName()
	st := &p.fd.Status.Pipeline
	out, err := p.CodePipeline.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String(name)})
	if err != nil && !cloud.IsNotFound(err) {
		return false, fmt.Errorf("get pipeline %s: %w", name, err)
	}
	if err == nil {
		arn := aws.ToString(out.Metadata.PipelineArn)
		tags, err := p.pipelineTags(ctx, arn)
		if err != nil {
			return false, err
		}
		if p.Deletable(ctx, kindPipeline, arn, tags) {
			if _, err := p.CodePipeline.DeletePipeline(ctx, &codepipeline.DeletePipelineInput{Name: aws.String(name)}); err != nil && !cloud.IsNotFound(err) {
				return false, fmt.Errorf("delete pipeline %s: %w", name, err)
			}
			p.Deleted(ctx, kindPipeline, arn)
		}
	}
	st.PipelineName, st.PipelineARN, st.OAuthTokenDigest, st.LatestExecution = "", "", "", nil
	return true, nil
}
