package awssim_test

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
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

	"github.com/flaskops/flask-operator/internal/awssim"
)

// sha is a commit ID made from a name.
func sha(name string) string {
	sum := sha1.Sum([]byte(name))
	return hex.EncodeToString(sum[:])
}

// push pushes commit to flaskops/sample-app and returns the names of the pipelines it
// started, with the execution of the first.
func (e *cicdEnv) push(t *testing.T, branch, commit string, fail bool) ([]string, string) {
	t.Helper()
	started, err := e.sim.PushGitHub("flaskops", "sample-app", branch, commit, fail)
	if err != nil {
		t.Fatalf("push %s: %v", commit, err)
	}
	var names []string
	for _, s := range started {
		names = append(names, s.Pipeline)
	}
	if len(started) == 0 {
		return nil, ""
	}
	return names, started[0].ExecutionID
}

func (e *cicdEnv) executionCount(t *testing.T, name string) int {
	t.Helper()
	n := 0
	p := codepipeline.NewListPipelineExecutionsPaginator(e.cp, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String(name)})
	for p.HasMorePages() {
		n += len(must[*codepipeline.ListPipelineExecutionsOutput](t, "list executions")(p.NextPage(bg)).PipelineExecutionSummaries)
	}
	return n
}

func (e *cicdEnv) imageTagged(t *testing.T, tag string) bool {
	t.Helper()
	images := must[*ecr.DescribeImagesOutput](t, "images")(e.ecr.DescribeImages(bg, &ecr.DescribeImagesInput{RepositoryName: aws.String("demo-dev")}))
	for _, img := range images.ImageDetails {
		if slices.Contains(img.ImageTags, tag) {
			return true
		}
	}
	return false
}

func (e *cicdEnv) serviceImage(t *testing.T) (taskDef, image string) {
	t.Helper()
	svc := e.service(t, e.clusterName, e.serviceName)
	td := must[*ecs.DescribeTaskDefinitionOutput](t, "task definition")(e.ecs.DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{TaskDefinition: svc.TaskDefinition}))
	return aws.ToString(svc.TaskDefinition), aws.ToString(td.TaskDefinition.ContainerDefinitions[0].Image)
}

func TestGitHubPushStartsPipelineOnlyThroughAvailableConnection(t *testing.T) {
	e := newCICDEnv(t, false)
	e.createPipeline(t, "demo-dev")
	first := aws.ToString(e.latestExecution(t, "demo-dev").PipelineExecutionId)
	if exec := e.waitExecution(t, "demo-dev", first); exec.Status != cptypes.PipelineExecutionStatusFailed {
		t.Fatalf("creation run with a pending connection: %s", exec.Status)
	}
	commit := sha("first feature")
	if names, _ := e.push(t, "main", commit, false); len(names) != 0 {
		t.Fatalf("a push through a PENDING connection started %v", names)
	}
	if n := e.executionCount(t, "demo-dev"); n != 1 {
		t.Fatalf("%d executions after the push, want only the creation run", n)
	}

	if err := e.sim.ApproveConnection(e.conn); err != nil {
		t.Fatalf("approve: %v", err)
	}
	names, id := e.push(t, "main", commit, false)
	if fmt.Sprint(names) != "[demo-dev]" {
		t.Fatalf("push started %v", names)
	}
	exec := e.waitExecution(t, "demo-dev", id)
	if exec.Status != cptypes.PipelineExecutionStatusSucceeded {
		t.Fatalf("pushed execution %s: %s", exec.Status, aws.ToString(exec.StatusSummary))
	}
	if len(exec.ArtifactRevisions) != 1 || aws.ToString(exec.ArtifactRevisions[0].RevisionId) != commit ||
		!strings.Contains(aws.ToString(exec.ArtifactRevisions[0].RevisionSummary), commit[:7]) ||
		!strings.HasSuffix(aws.ToString(exec.ArtifactRevisions[0].RevisionUrl), "flaskops/sample-app/commit/"+commit) {
		t.Fatalf("artifact revisions %+v", exec.ArtifactRevisions)
	}
	if exec.Trigger.TriggerType != cptypes.TriggerTypeCloudWatchEvent || aws.ToString(exec.Trigger.TriggerDetail) != e.conn {
		t.Fatalf("trigger %+v", exec.Trigger)
	}
	summary := e.latestExecution(t, "demo-dev")
	if aws.ToString(summary.PipelineExecutionId) != id || len(summary.SourceRevisions) != 1 || aws.ToString(summary.SourceRevisions[0].RevisionId) != commit {
		t.Fatalf("newest execution %+v", summary)
	}
	// The build pushed <commit7> and the deploy runs it.
	if !e.imageTagged(t, commit[:7]) {
		t.Fatalf("no image tagged %s", commit[:7])
	}
	if td, image := e.serviceImage(t); !strings.HasSuffix(td, "demo-dev-app:2") || image != e.repoURI+":"+commit[:7] {
		t.Fatalf("service runs %s with %s", td, image)
	}

	// Other branches and repositories start nothing; a manual run builds the branch head.
	if names, _ := e.push(t, "feature/x", sha("wip"), false); len(names) != 0 {
		t.Fatalf("push to another branch started %v", names)
	}
	if started, err := e.sim.PushGitHub("someone", "else", "main", sha("other"), false); err != nil || len(started) != 0 {
		t.Fatalf("push to another repository started %v (%v)", started, err)
	}
	manual := must[*codepipeline.StartPipelineExecutionOutput](t, "start")(e.cp.StartPipelineExecution(bg, &codepipeline.StartPipelineExecutionInput{Name: aws.String("demo-dev")}))
	if exec := e.waitExecution(t, "demo-dev", aws.ToString(manual.PipelineExecutionId)); aws.ToString(exec.ArtifactRevisions[0].RevisionId) != commit {
		t.Fatalf("manual run fetched %+v, want the head %s", exec.ArtifactRevisions, commit)
	}

	for _, bad := range [][4]string{{"", "r", "main", commit}, {"o", "r", "", commit}, {"o", "r", "main", commit[:7]}, {"o", "r", "main", strings.ToUpper(commit)}} {
		if _, err := e.sim.PushGitHub(bad[0], bad[1], bad[2], bad[3], false); err == nil {
			t.Fatalf("push %q accepted", bad)
		}
	}
}

func TestGitHubPushOfBrokenCommitFailsAtBuild(t *testing.T) {
	e := newCICDEnv(t, true)
	e.createPipeline(t, "demo-dev")
	creation := aws.ToString(e.latestExecution(t, "demo-dev").PipelineExecutionId)
	if exec := e.waitExecution(t, "demo-dev", creation); exec.Status != cptypes.PipelineExecutionStatusSucceeded {
		t.Fatalf("creation run %s", exec.Status)
	}
	tdBefore, imageBefore := e.serviceImage(t)
	revisions := func() int {
		out := must[*ecs.ListTaskDefinitionsOutput](t, "list task definitions")(e.ecs.ListTaskDefinitions(bg, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("demo-dev-app"), MaxResults: aws.Int32(100)}))
		return len(out.TaskDefinitionArns)
	}
	before := revisions()

	broken := sha("broken")
	_, id := e.push(t, "main", broken, true)
	exec := e.waitExecution(t, "demo-dev", id)
	if exec.Status != cptypes.PipelineExecutionStatusFailed || !strings.Contains(aws.ToString(exec.StatusSummary), "Phase: BUILD") {
		t.Fatalf("broken commit: %s %q", exec.Status, aws.ToString(exec.StatusSummary))
	}
	states := e.stageStates(t, "demo-dev")
	if states["Source"].LatestExecution.Status != cptypes.StageExecutionStatusSucceeded || states["Build"].LatestExecution.Status != cptypes.StageExecutionStatusFailed ||
		aws.ToString(states["Deploy"].LatestExecution.PipelineExecutionId) != creation {
		t.Fatalf("stage states %+v", states)
	}
	action := states["Build"].ActionStates[0].LatestExecution
	if action.Status != cptypes.ActionExecutionStatusFailed || !strings.Contains(aws.ToString(action.ErrorDetails.Message), "COMMAND_EXECUTION_ERROR") {
		t.Fatalf("build action %+v", action)
	}
	builds := must[*codebuild.BatchGetBuildsOutput](t, "builds")(codebuild.NewFromConfig(e.cfg(ecsRegion)).BatchGetBuilds(bg, &codebuild.BatchGetBuildsInput{
		Ids: []string{aws.ToString(action.ExternalExecutionId)}}))
	b := builds.Builds[0]
	buildPhase := slices.IndexFunc(b.Phases, func(p cbtypes.BuildPhase) bool { return p.PhaseType == cbtypes.BuildPhaseTypeBuild })
	if b.BuildStatus != cbtypes.StatusTypeFailed || aws.ToString(b.ResolvedSourceVersion) != broken ||
		buildPhase < 0 || b.Phases[buildPhase].PhaseStatus != cbtypes.StatusTypeFailed {
		t.Fatalf("build %s of %s, phases %+v", b.BuildStatus, aws.ToString(b.ResolvedSourceVersion), b.Phases)
	}
	if td, image := e.serviceImage(t); td != tdBefore || image != imageBefore || revisions() != before || e.imageTagged(t, broken[:7]) {
		t.Fatalf("a failed build deployed: %s %s, %d revisions (was %d)", td, image, revisions(), before)
	}

	// The fix goes through.
	fixed := sha("fixed")
	_, id = e.push(t, "main", fixed, false)
	if exec := e.waitExecution(t, "demo-dev", id); exec.Status != cptypes.PipelineExecutionStatusSucceeded {
		t.Fatalf("fixed commit: %s %q", exec.Status, aws.ToString(exec.StatusSummary))
	}
	if _, image := e.serviceImage(t); image != e.repoURI+":"+fixed[:7] {
		t.Fatalf("service image after the fix %s", image)
	}
}

// githubV1 is the declaration with a GitHub version 1 source action in place of the
// connection action.
func (e *cicdEnv) githubV1(name, token string) *cptypes.PipelineDeclaration {
	d := e.declaration(name)
	d.Stages[0].Actions[0].ActionTypeId = &cptypes.ActionTypeId{Category: cptypes.ActionCategorySource, Owner: cptypes.ActionOwnerThirdParty,
		Provider: aws.String("GitHub"), Version: aws.String("1")}
	d.Stages[0].Actions[0].Configuration = map[string]string{"Owner": "flaskops", "Repo": "sample-app", "Branch": "main", "OAuthToken": token}
	return d
}

func TestGitHubV1SourceNeedsARegisteredToken(t *testing.T) {
	e := newCICDEnv(t, true)
	if err := e.sim.RegisterGitHubToken("flaskops", "sample-app", "ghp_right"); err != nil {
		t.Fatalf("register: %v", err)
	}
	created := must[*codepipeline.CreatePipelineOutput](t, "create")(e.cp.CreatePipeline(bg, &codepipeline.CreatePipelineInput{Pipeline: e.githubV1("legacy", "ghp_wrong")}))
	if tok := created.Pipeline.Stages[0].Actions[0].Configuration["OAuthToken"]; tok != "****" {
		t.Fatalf("CreatePipeline shows the token %q", tok)
	}
	got := must[*codepipeline.GetPipelineOutput](t, "get")(e.cp.GetPipeline(bg, &codepipeline.GetPipelineInput{Name: aws.String("legacy")}))
	if cfg := got.Pipeline.Stages[0].Actions[0].Configuration; cfg["OAuthToken"] != "****" || cfg["Repo"] != "sample-app" {
		t.Fatalf("GetPipeline configuration %v", cfg)
	}

	// A wrong token fails the source action, on a push as on creation.
	_, id := e.push(t, "main", sha("v1"), false)
	exec := e.waitExecution(t, "legacy", id)
	msg := aws.ToString(e.stageStates(t, "legacy")["Source"].ActionStates[0].LatestExecution.ErrorDetails.Message)
	if exec.Status != cptypes.PipelineExecutionStatusFailed || exec.Trigger.TriggerType != cptypes.TriggerTypePollForSourceChanges ||
		!strings.Contains(msg, `Could not access the GitHub repository: "sample-app"`) || e.stageStates(t, "legacy")["Build"].LatestExecution != nil {
		t.Fatalf("wrong token: %s, trigger %+v, source error %q", exec.Status, exec.Trigger, msg)
	}

	// With the right token the pushed commit deploys.
	d := got.Pipeline
	d.Stages[0].Actions[0].Configuration["OAuthToken"] = "ghp_right"
	must[*codepipeline.UpdatePipelineOutput](t, "update")(e.cp.UpdatePipeline(bg, &codepipeline.UpdatePipelineInput{Pipeline: d}))
	commit := sha("v1 fixed token")
	_, id = e.push(t, "main", commit, false)
	exec = e.waitExecution(t, "legacy", id)
	if exec.Status != cptypes.PipelineExecutionStatusSucceeded || aws.ToString(exec.ArtifactRevisions[0].RevisionId) != commit ||
		strings.HasPrefix(aws.ToString(exec.ArtifactRevisions[0].RevisionSummary), "{") {
		t.Fatalf("right token: %s %q, revisions %+v", exec.Status, aws.ToString(exec.StatusSummary), exec.ArtifactRevisions)
	}
	if _, image := e.serviceImage(t); image != e.repoURI+":"+commit[:7] {
		t.Fatalf("service image %s", image)
	}

	// Sending the masked token back stores "****", which GitHub refuses, as on AWS.
	masked := must[*codepipeline.GetPipelineOutput](t, "get")(e.cp.GetPipeline(bg, &codepipeline.GetPipelineInput{Name: aws.String("legacy")})).Pipeline
	masked.Stages[0].Actions[0].Configuration["PollForSourceChanges"] = "true"
	must[*codepipeline.UpdatePipelineOutput](t, "update masked")(e.cp.UpdatePipeline(bg, &codepipeline.UpdatePipelineInput{Pipeline: masked}))
	_, id = e.push(t, "main", sha("after masked update"), false)
	if exec := e.waitExecution(t, "legacy", id); exec.Status != cptypes.PipelineExecutionStatusFailed {
		t.Fatalf("masked token: %s", exec.Status)
	}

	// PollForSourceChanges false: pushes start nothing.
	quiet := e.githubV1("quiet", "ghp_right")
	quiet.Stages[0].Actions[0].Configuration["PollForSourceChanges"] = "false"
	must[*codepipeline.CreatePipelineOutput](t, "create quiet")(e.cp.CreatePipeline(bg, &codepipeline.CreatePipelineInput{Pipeline: quiet}))
	if names, _ := e.push(t, "main", sha("quiet"), false); slices.Contains(names, "quiet") {
		t.Fatalf("push started %v", names)
	}

	for name, edit := range map[string]func(cfg map[string]string){
		"no token":          func(cfg map[string]string) { delete(cfg, "OAuthToken") },
		"not a boolean":     func(cfg map[string]string) { cfg["PollForSourceChanges"] = "sometimes" },
		"connection config": func(cfg map[string]string) { cfg["ConnectionArn"] = e.conn },
	} {
		d := e.githubV1("invalid", "ghp_right")
		edit(d.Stages[0].Actions[0].Configuration)
		_, err := e.cp.CreatePipeline(bg, &codepipeline.CreatePipelineInput{Pipeline: d})
		wantCode(t, name, err, "InvalidActionDeclarationException")
	}
}

func branchTrigger(includes, excludes []string) []cptypes.PipelineTriggerDeclaration {
	return []cptypes.PipelineTriggerDeclaration{{ProviderType: cptypes.PipelineTriggerProviderTypeCodeStarSourceConnection,
		GitConfiguration: &cptypes.GitConfiguration{SourceActionName: aws.String("Source"), Push: []cptypes.GitPushFilter{{
			Branches: &cptypes.GitBranchFilterCriteria{Includes: includes, Excludes: excludes}}}}}}
}

func TestCodePipelineTriggersStartOnMatchingPushes(t *testing.T) {
	e := newCICDEnv(t, true)
	d := e.declaration("triggered")
	d.Triggers = branchTrigger([]string{"main", "release/**"}, []string{"release/old-*"})
	must[*codepipeline.CreatePipelineOutput](t, "create")(e.cp.CreatePipeline(bg, &codepipeline.CreatePipelineInput{Pipeline: d}))
	got := must[*codepipeline.GetPipelineOutput](t, "get")(e.cp.GetPipeline(bg, &codepipeline.GetPipelineInput{Name: aws.String("triggered")})).Pipeline
	if got.PipelineType != cptypes.PipelineTypeV2 || len(got.Triggers) != 1 || got.Triggers[0].ProviderType != cptypes.PipelineTriggerProviderTypeCodeStarSourceConnection {
		t.Fatalf("pipeline type %s, triggers %+v", got.PipelineType, got.Triggers)
	}
	if g := got.Triggers[0].GitConfiguration; aws.ToString(g.SourceActionName) != "Source" || len(g.Push) != 1 ||
		fmt.Sprint(g.Push[0].Branches.Includes, g.Push[0].Branches.Excludes) != "[main release/**] [release/old-*]" {
		t.Fatalf("git configuration %+v", g)
	}
	// No trigger, DetectChanges false: pushes never start this one.
	still := e.declaration("still")
	still.Stages[0].Actions[0].Configuration["DetectChanges"] = "false"
	must[*codepipeline.CreatePipelineOutput](t, "create still")(e.cp.CreatePipeline(bg, &codepipeline.CreatePipelineInput{Pipeline: still}))

	for branch, starts := range map[string]bool{
		"main":            true,
		"release/1.0":     true,
		"release/2.0/rc1": true,  // ** crosses "/"
		"release/old-1":   false, // excludes win
		"feature/x":       false,
	} {
		names, _ := e.push(t, branch, sha(branch), false)
		if started := fmt.Sprint(names) == "[triggered]"; started != starts || (!starts && len(names) != 0) {
			t.Fatalf("push to %s started %v", branch, names)
		}
	}
	// The execution of a release branch builds that branch's commit.
	names, id := e.push(t, "release/3.0", sha("release 3"), false)
	if len(names) != 1 {
		t.Fatalf("push started %v", names)
	}
	exec := e.waitExecution(t, "triggered", id)
	if exec.Status != cptypes.PipelineExecutionStatusSucceeded || exec.Trigger.TriggerType != cptypes.TriggerTypeWebhookV2 ||
		aws.ToString(exec.ArtifactRevisions[0].RevisionId) != sha("release 3") || !strings.Contains(aws.ToString(exec.ArtifactRevisions[0].RevisionSummary), "release/3.0") {
		t.Fatalf("release execution %s, trigger %+v, revisions %+v", exec.Status, exec.Trigger, exec.ArtifactRevisions)
	}

	// A trigger without filters fires on the action's branch only; a tags-only filter never
	// on a branch push.
	got.Triggers = []cptypes.PipelineTriggerDeclaration{{ProviderType: cptypes.PipelineTriggerProviderTypeCodeStarSourceConnection,
		GitConfiguration: &cptypes.GitConfiguration{SourceActionName: aws.String("Source")}}}
	got = must[*codepipeline.UpdatePipelineOutput](t, "update")(e.cp.UpdatePipeline(bg, &codepipeline.UpdatePipelineInput{Pipeline: got})).Pipeline
	if names, _ := e.push(t, "main", sha("main 2"), false); fmt.Sprint(names) != "[triggered]" {
		t.Fatalf("unfiltered trigger, push to main started %v", names)
	}
	if names, _ := e.push(t, "release/4.0", sha("release 4"), false); len(names) != 0 {
		t.Fatalf("unfiltered trigger, push to a release started %v", names)
	}
	got.Triggers[0].GitConfiguration.Push = []cptypes.GitPushFilter{{Tags: &cptypes.GitTagFilterCriteria{Includes: []string{"v*"}}}}
	must[*codepipeline.UpdatePipelineOutput](t, "update tags")(e.cp.UpdatePipeline(bg, &codepipeline.UpdatePipelineInput{Pipeline: got}))
	if names, _ := e.push(t, "main", sha("main 3"), false); len(names) != 0 {
		t.Fatalf("tags-only trigger, branch push started %v", names)
	}
}

func TestCodePipelineTriggerValidation(t *testing.T) {
	e := newCICDEnv(t, true)
	for _, tc := range []struct {
		name string
		edit func(d *cptypes.PipelineDeclaration)
		code string
	}{
		{"V1 pipeline", func(d *cptypes.PipelineDeclaration) { d.PipelineType = cptypes.PipelineTypeV1 }, "InvalidStructureException"},
		{"unknown action", func(d *cptypes.PipelineDeclaration) {
			d.Triggers[0].GitConfiguration.SourceActionName = aws.String("Nope")
		}, "InvalidStructureException"},
		{"two triggers for one action", func(d *cptypes.PipelineDeclaration) { d.Triggers = append(d.Triggers, d.Triggers[0]) }, "InvalidStructureException"},
		{"tags and branches", func(d *cptypes.PipelineDeclaration) {
			d.Triggers[0].GitConfiguration.Push[0].Tags = &cptypes.GitTagFilterCriteria{Includes: []string{"v*"}}
		}, "InvalidStructureException"},
		{"file paths alone", func(d *cptypes.PipelineDeclaration) {
			d.Triggers[0].GitConfiguration.Push[0] = cptypes.GitPushFilter{FilePaths: &cptypes.GitFilePathFilterCriteria{Includes: []string{"app/**"}}}
		}, "InvalidStructureException"},
		{"nine includes", func(d *cptypes.PipelineDeclaration) {
			d.Triggers[0].GitConfiguration.Push[0].Branches.Includes = strings.Split("a b c d e f g h i", " ")
		}, "ValidationException"},
		{"provider", func(d *cptypes.PipelineDeclaration) { d.Triggers[0].ProviderType = "GitHub" }, "ValidationException"},
	} {
		d := e.declaration("invalid")
		d.Triggers = branchTrigger([]string{"main"}, nil)
		tc.edit(d)
		_, err := e.cp.CreatePipeline(bg, &codepipeline.CreatePipelineInput{Pipeline: d})
		wantCode(t, tc.name, err, tc.code)
	}
}

func TestCodePipelineStopAndWait(t *testing.T) {
	e := newCICDEnv(t, true)
	e.createPipeline(t, "demo-dev")
	id := aws.ToString(e.latestExecution(t, "demo-dev").PipelineExecutionId)
	e.clock.Advance(30 * time.Second) // the build is running
	stop := func(id string, abandon bool, reason string) error {
		_, err := e.cp.StopPipelineExecution(bg, &codepipeline.StopPipelineExecutionInput{PipelineName: aws.String("demo-dev"),
			PipelineExecutionId: aws.String(id), Abandon: abandon, Reason: aws.String(reason)})
		return err
	}
	if err := stop(id, false, "hotfix coming"); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if got := e.latestExecution(t, "demo-dev"); got.Status != cptypes.PipelineExecutionStatusStopping {
		t.Fatalf("right after the stop: %s", got.Status)
	}
	build := e.stageStates(t, "demo-dev")["Build"]
	if build.LatestExecution.Status != cptypes.StageExecutionStatusStopping || build.ActionStates[0].LatestExecution.Status != cptypes.ActionExecutionStatusInProgress {
		t.Fatalf("build stage while stopping %+v", build.LatestExecution)
	}
	wantCode(t, "second stop and wait", stop(id, false, ""), "DuplicatedStopRequestException")

	// The running build finishes; nothing after it runs.
	if exec := e.waitExecution(t, "demo-dev", id); exec.Status != cptypes.PipelineExecutionStatusStopped {
		t.Fatalf("stopped execution %s", exec.Status)
	}
	states := e.stageStates(t, "demo-dev")
	if states["Build"].LatestExecution.Status != cptypes.StageExecutionStatusStopped ||
		states["Build"].ActionStates[0].LatestExecution.Status != cptypes.ActionExecutionStatusSucceeded || states["Deploy"].LatestExecution != nil {
		t.Fatalf("stage states after stop and wait %+v", states)
	}
	if td, _ := e.serviceImage(t); td != e.taskDefARN {
		t.Fatalf("a stopped execution deployed %s", td)
	}
	summary := e.latestExecution(t, "demo-dev")
	if summary.Status != cptypes.PipelineExecutionStatusStopped || summary.StopTrigger == nil || aws.ToString(summary.StopTrigger.Reason) != "hotfix coming" {
		t.Fatalf("summary %+v", summary)
	}
	wantCode(t, "stop a stopped execution", stop(id, true, ""), "PipelineExecutionNotStoppableException")
	_, err := e.cp.StopPipelineExecution(bg, &codepipeline.StopPipelineExecutionInput{PipelineName: aws.String("demo-dev"),
		PipelineExecutionId: aws.String(id), Reason: aws.String(strings.Repeat("x", 201))})
	wantCode(t, "long reason", err, "ValidationException")
}

func TestCodePipelineStopAndAbandon(t *testing.T) {
	e := newCICDEnv(t, true)
	e.createPipeline(t, "demo-dev")
	id := aws.ToString(e.latestExecution(t, "demo-dev").PipelineExecutionId)
	e.clock.Advance(30 * time.Second)
	stop := func(abandon bool) error {
		_, err := e.cp.StopPipelineExecution(bg, &codepipeline.StopPipelineExecutionInput{PipelineName: aws.String("demo-dev"),
			PipelineExecutionId: aws.String(id), Abandon: abandon})
		return err
	}
	// A stop and wait can be escalated to a stop and abandon, not the other way round.
	if err := stop(false); err != nil {
		t.Fatalf("stop and wait: %v", err)
	}
	if err := stop(true); err != nil {
		t.Fatalf("abandon a stopping execution: %v", err)
	}
	wantCode(t, "abandon twice", stop(true), "DuplicatedStopRequestException")
	build := e.stageStates(t, "demo-dev")["Build"]
	if e.latestExecution(t, "demo-dev").Status != cptypes.PipelineExecutionStatusStopping ||
		build.ActionStates[0].LatestExecution.Status != cptypes.ActionExecutionStatusAbandoned {
		t.Fatalf("while stopping: build %+v", build.ActionStates[0].LatestExecution)
	}
	e.clock.Advance(awssim.DefaultLatencies[awssim.LatencyPipelineStop])
	if got := e.latestExecution(t, "demo-dev"); got.Status != cptypes.PipelineExecutionStatusStopped {
		t.Fatalf("after the stop latency: %s", got.Status)
	}
	if st := e.stageStates(t, "demo-dev")["Build"].LatestExecution.Status; st != cptypes.StageExecutionStatusStopped {
		t.Fatalf("build stage %s", st)
	}
	if ids := e.live("codepipeline", "pipeline-execution"); len(ids) != 0 {
		t.Fatalf("live executions after the stop %v", ids)
	}
	// The stage is free again: the next run goes all the way.
	next := must[*codepipeline.StartPipelineExecutionOutput](t, "start")(e.cp.StartPipelineExecution(bg, &codepipeline.StartPipelineExecutionInput{Name: aws.String("demo-dev")}))
	if exec := e.waitExecution(t, "demo-dev", aws.ToString(next.PipelineExecutionId)); exec.Status != cptypes.PipelineExecutionStatusSucceeded {
		t.Fatalf("next execution %s: %s", exec.Status, aws.ToString(exec.StatusSummary))
	}
}

func TestCodePipelineUpdateRemovesStage(t *testing.T) {
	e := newCICDEnv(t, true)
	e.createPipeline(t, "demo-dev")
	if exec := e.waitExecution(t, "demo-dev", aws.ToString(e.latestExecution(t, "demo-dev").PipelineExecutionId)); exec.Status != cptypes.PipelineExecutionStatusSucceeded {
		t.Fatalf("creation run %s", exec.Status)
	}
	deployed, _ := e.serviceImage(t)
	d := must[*codepipeline.GetPipelineOutput](t, "get")(e.cp.GetPipeline(bg, &codepipeline.GetPipelineInput{Name: aws.String("demo-dev")})).Pipeline
	d.Stages = d.Stages[:2] // someone removed Deploy in the console
	upd := must[*codepipeline.UpdatePipelineOutput](t, "update")(e.cp.UpdatePipeline(bg, &codepipeline.UpdatePipelineInput{Pipeline: d}))
	if aws.ToInt32(upd.Pipeline.Version) != 2 || len(upd.Pipeline.Stages) != 2 {
		t.Fatalf("updated pipeline version %d with %d stages", aws.ToInt32(upd.Pipeline.Version), len(upd.Pipeline.Stages))
	}
	got := must[*codepipeline.GetPipelineOutput](t, "get")(e.cp.GetPipeline(bg, &codepipeline.GetPipelineInput{Name: aws.String("demo-dev")})).Pipeline
	if len(got.Stages) != 2 || aws.ToString(got.Stages[1].Name) != "Build" {
		t.Fatalf("stages %+v", got.Stages)
	}
	if states := e.stageStates(t, "demo-dev"); len(states) != 2 {
		t.Fatalf("state lists %d stages", len(states))
	}
	start := must[*codepipeline.StartPipelineExecutionOutput](t, "start")(e.cp.StartPipelineExecution(bg, &codepipeline.StartPipelineExecutionInput{Name: aws.String("demo-dev")}))
	exec := e.waitExecution(t, "demo-dev", aws.ToString(start.PipelineExecutionId))
	if exec.Status != cptypes.PipelineExecutionStatusSucceeded || aws.ToInt32(exec.PipelineVersion) != 2 {
		t.Fatalf("execution of version 2: %s, version %d", exec.Status, aws.ToInt32(exec.PipelineVersion))
	}
	if td, _ := e.serviceImage(t); td != deployed {
		t.Fatalf("a pipeline without Deploy deployed %s", td)
	}
	v1 := must[*codepipeline.GetPipelineOutput](t, "get v1")(e.cp.GetPipeline(bg, &codepipeline.GetPipelineInput{Name: aws.String("demo-dev"), Version: aws.Int32(1)}))
	if len(v1.Pipeline.Stages) != 3 {
		t.Fatalf("version 1 has %d stages", len(v1.Pipeline.Stages))
	}
}

func TestGitHubControlEndpoints(t *testing.T) {
	e := newCICDEnv(t, true)
	e.createPipeline(t, "demo-dev")
	post := func(path, body string) int {
		t.Helper()
		resp, err := http.Post(e.url+"/_awssim/github/"+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatalf("post %s: %v", path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("tokens", `{"owner":"flaskops","repo":"sample-app","token":"ghp_x"}`); code != http.StatusNoContent {
		t.Fatalf("register token: HTTP %d", code)
	}
	for body, want := range map[string]int{
		`{"owner":"flaskops","repo":"sample-app"}`: http.StatusBadRequest,
		`not json`: http.StatusBadRequest,
	} {
		if code := post("tokens", body); code != want {
			t.Fatalf("tokens %s: HTTP %d, want %d", body, code, want)
		}
	}
	commit := sha("over http")
	resp, err := http.Post(e.url+"/_awssim/github/push", "application/json",
		strings.NewReader(`{"owner":"flaskops","repo":"sample-app","branch":"main","commit":"`+commit+`","fail":true}`))
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	var out struct {
		Executions []awssim.StartedExecution `json:"executions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("push: HTTP %d, %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if len(out.Executions) != 1 || out.Executions[0].Pipeline != "demo-dev" || out.Executions[0].Region != ecsRegion {
		t.Fatalf("push answered %+v", out.Executions)
	}
	if exec := e.waitExecution(t, "demo-dev", out.Executions[0].ExecutionID); exec.Status != cptypes.PipelineExecutionStatusFailed {
		t.Fatalf("\"fail\": true over HTTP: %s", exec.Status)
	}
	if code := post("push", `{"owner":"flaskops","repo":"sample-app","branch":"main","commit":"abc1234"}`); code != http.StatusBadRequest {
		t.Fatalf("push of a short commit: HTTP %d", code)
	}
}

func TestGitHubStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newCICDEnv(t, true, awssim.WithStateFile(path))
	if err := e.sim.RegisterGitHubToken("flaskops", "sample-app", "ghp_right"); err != nil {
		t.Fatalf("register: %v", err)
	}
	must[*codepipeline.CreatePipelineOutput](t, "create")(e.cp.CreatePipeline(bg, &codepipeline.CreatePipelineInput{Pipeline: e.githubV1("legacy", "ghp_right")}))
	broken := sha("broken before restart")
	_, id := e.push(t, "main", broken, true)

	restarted, err := awssim.New(awssim.WithClock(e.clock), awssim.WithStateFile(path))
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	srv := httptest.NewServer(restarted)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	e.cp = codepipeline.NewFromConfig(e.cfg(ecsRegion))
	// The token still opens the repository and the commit still breaks the build.
	exec := e.waitExecution(t, "legacy", id)
	states := e.stageStates(t, "legacy")
	if exec.Status != cptypes.PipelineExecutionStatusFailed || aws.ToString(exec.ArtifactRevisions[0].RevisionId) != broken ||
		states["Source"].LatestExecution.Status != cptypes.StageExecutionStatusSucceeded || states["Build"].LatestExecution.Status != cptypes.StageExecutionStatusFailed {
		t.Fatalf("after restart: %s, revisions %+v, states %+v", exec.Status, exec.ArtifactRevisions, states)
	}
}
