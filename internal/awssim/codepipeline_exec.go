package awssim

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// Pipeline executions. An execution walks the stages of the pipeline version it started
// with. A stage holds one execution at a time; an execution that finished a stage waits at
// the next stage's entrance while another is inside, and in SUPERSEDED mode a newer
// execution arriving at the same entrance supersedes the waiting one.
//
// Actions of a stage run in runOrder groups. A source action takes LatencyPipelineSource;
// CodeStarSourceConnection succeeds only with an AVAILABLE connection, GitHub version 1 only
// with an OAuthToken registered for the repository (Sim.RegisterGitHubToken). It fetches the
// commit a push handed to the execution, else the branch head last pushed to the simulated
// GitHub, else a commit ID derived from the execution. Build (CodeBuild) runs a build in the
// CodeBuild state and completes when that build does; Deploy (ECS) registers a task
// definition revision with the images of imagedefinitions.json, updates the service and
// completes with the rollout.
//
// StopPipelineExecution makes an execution Stopping: stop and wait lets the running action
// group finish, stop and abandon abandons it at once; either way the execution is Stopped
// no sooner than LatencyPipelineStop later, and no further action or stage runs.
//
// Everything is evaluated lazily on reads: a transition that depends only on time happens
// when it was due, one that depends on another service's state when it is observed.

type cpExecution struct {
	ID            string            `json:"id"`
	Version       int               `json:"version"`
	Status        string            `json:"status"` // InProgress, Stopping, Stopped, Succeeded, Failed, Superseded
	Summary       string            `json:"summary,omitempty"`
	TriggerType   string            `json:"triggerType"`
	TriggerDetail string            `json:"triggerDetail"`
	Mode          string            `json:"mode"`
	Started       time.Time         `json:"started"`
	Updated       time.Time         `json:"updated"`
	Stage         int               `json:"stage"`   // index of the current (or next) stage
	Entered       bool              `json:"entered"` // false: waiting at the stage's entrance
	ReadyAt       time.Time         `json:"readyAt"` // when it arrived at the entrance
	Group         int               `json:"group"`   // runOrder of the running action group
	Runs          []*cpStageRun     `json:"runs"`
	Commit        string            `json:"commit,omitempty"`
	Branch        string            `json:"branch,omitempty"`
	SourceAction  string            `json:"sourceAction,omitempty"`
	Repository    string            `json:"repository,omitempty"`
	SourceAt      time.Time         `json:"sourceAt,omitempty"`
	Artifacts     map[string]string `json:"artifacts,omitempty"` // artifact → imagedefinitions.json ("" for source)
	Push          *cpPush           `json:"push,omitempty"`      // the commit the push that started it carried
	Provider      string            `json:"provider,omitempty"`  // provider of the source action that fetched Commit
	StopAbandon   bool              `json:"stopAbandon,omitempty"`
	StopReason    string            `json:"stopReason,omitempty"`
	StopAt        time.Time         `json:"stopAt,omitzero"` // earliest time a Stopping execution is Stopped
}

// live reports whether the execution still runs or holds a stage: InProgress or Stopping.
func (e *cpExecution) live() bool { return e.Status == "InProgress" || e.Status == "Stopping" }

type cpStageRun struct {
	Name    string         `json:"name"`
	Status  string         `json:"status"` // InProgress, Stopping, Stopped, Succeeded, Failed, Cancelled
	Actions []*cpActionRun `json:"actions"`
}

type cpActionRun struct {
	Name     string    `json:"name"`
	ID       string    `json:"id"`
	RunOrder int       `json:"runOrder"`
	Status   string    `json:"status"` // InProgress, Succeeded, Failed, Abandoned
	Started  time.Time `json:"started"`
	Changed  time.Time `json:"changed"`
	DueAt    time.Time `json:"dueAt,omitempty"`
	External string    `json:"external,omitempty"` // build ID, task definition ARN, commit
	Summary  string    `json:"summary,omitempty"`
	ErrCode  string    `json:"errCode,omitempty"`
	ErrMsg   string    `json:"errMsg,omitempty"`
}

func (e *cpExecution) run(stage string) *cpStageRun {
	for _, r := range e.Runs {
		if r.Name == stage {
			return r
		}
	}
	return nil
}

// pipelineBuilder is what the pipeline needs from the CodeBuild state (codebuild.go).
type pipelineBuilder interface {
	StartPipelineBuild(region, project, sourceVersion string, now time.Time) (buildID string, err error)
	PipelineBuild(region, id string, now time.Time) (status string, imageDefinitions []byte, failure string, ok bool)
}

func (s *codepipelineState) builder() pipelineBuilder {
	svc := s.sim.Service("codebuild")
	if svc == nil {
		return nil
	}
	b, _ := svc.State.(pipelineBuilder)
	return b
}

// start queues a new execution at the entrance of the first stage.
func (s *codepipelineState) start(p *cpPipeline, now time.Time, triggerType, detail string) *cpExecution {
	d := p.current()
	e := &cpExecution{ID: newRequestID(), Version: d.Version, Status: "InProgress", TriggerType: triggerType,
		TriggerDetail: detail, Mode: d.ExecutionMode, Started: now, Updated: now, ReadyAt: now, Artifacts: map[string]string{}}
	p.Executions = append(p.Executions, e)
	return e
}

// advance steps every in-progress execution of a pipeline until nothing more is due by now.
func (s *codepipelineState) advance(region string, p *cpPipeline, now time.Time) {
	if p.LeftAt == nil {
		p.LeftAt = map[string]time.Time{}
	}
	for range 1000 {
		changed := false
		for _, e := range p.Executions {
			if e.live() && s.step(region, p, e, now) {
				changed = true
			}
		}
		if !changed {
			return
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// step makes one transition of an execution, reporting whether anything changed.
func (s *codepipelineState) step(region string, p *cpPipeline, e *cpExecution, now time.Time) bool {
	if e.Artifacts == nil { // an empty map does not survive a restart (omitempty)
		e.Artifacts = map[string]string{}
	}
	d := p.Versions[e.Version-1]
	st := d.Stages[e.Stage]
	if e.Status == "Stopping" {
		return s.stepStopping(region, p, e, st, now)
	}
	if !e.Entered {
		enterAt := later(e.ReadyAt, p.LeftAt[st.Name])
		occupied := false
		var newer *cpExecution
		for i, o := range p.Executions {
			if o == e || !o.live() {
				continue
			}
			cur := p.Versions[o.Version-1].Stages[o.Stage].Name
			if cur != st.Name {
				continue
			}
			if o.Entered {
				occupied = true
			} else if o.Status == "InProgress" && i > slices.Index(p.Executions, e) && newer == nil {
				newer = o
			}
		}
		if newer != nil && e.Mode == "SUPERSEDED" && (occupied || !newer.ReadyAt.After(enterAt)) {
			e.Status, e.Updated = "Superseded", later(e.ReadyAt, newer.ReadyAt)
			e.Summary = "Superseded by execution " + newer.ID
			return true
		}
		if occupied || enterAt.After(now) {
			return false
		}
		e.Entered = true
		e.Runs = append(e.Runs, &cpStageRun{Name: st.Name, Status: "InProgress"})
		e.Group = 0
		s.startGroup(region, p, e, st, enterAt, now)
		return true
	}
	run := e.run(st.Name)
	changed := false
	done, failed := true, false
	var doneAt time.Time
	for _, ar := range run.Actions {
		if ar.RunOrder != e.Group {
			continue
		}
		if ar.Status == "InProgress" {
			i := slices.IndexFunc(st.Actions, func(a cpAction) bool { return a.Name == ar.Name })
			if s.poll(region, p, e, ar, st.Actions[i], now) {
				changed = true
			}
		}
		switch ar.Status {
		case "InProgress":
			done = false
		case "Failed":
			failed = true
		}
		doneAt = later(doneAt, ar.Changed)
	}
	if !done {
		return changed
	}
	if failed {
		run.Status = "Failed"
		p.LeftAt[st.Name] = doneAt
		e.Status, e.Updated = "Failed", doneAt
		for _, ar := range run.Actions {
			if ar.Status == "Failed" {
				e.Summary = ar.ErrMsg
				break
			}
		}
		return true
	}
	if s.startGroup(region, p, e, st, doneAt, now) {
		return true
	}
	run.Status = "Succeeded"
	p.LeftAt[st.Name] = doneAt
	e.Updated = doneAt
	if e.Stage == len(d.Stages)-1 {
		e.Status = "Succeeded"
		return true
	}
	e.Stage++
	e.Entered, e.ReadyAt = false, doneAt
	return true
}

// stepStopping ends a Stopping execution once its running actions have finished (stop and
// wait) or been abandoned, and StopAt has come.
func (s *codepipelineState) stepStopping(region string, p *cpPipeline, e *cpExecution, st cpStage, now time.Time) bool {
	changed := false
	doneAt := e.StopAt
	failed := false
	run := e.run(st.Name)
	if !e.Entered {
		run = nil
	}
	if run != nil {
		for _, ar := range run.Actions {
			if ar.RunOrder != e.Group {
				continue
			}
			if ar.Status == "InProgress" {
				i := slices.IndexFunc(st.Actions, func(a cpAction) bool { return a.Name == ar.Name })
				if s.poll(region, p, e, ar, st.Actions[i], now) {
					changed = true
				}
			}
			if ar.Status == "InProgress" {
				return changed
			}
			failed = failed || ar.Status == "Failed"
			doneAt = later(doneAt, ar.Changed)
		}
	}
	if doneAt.After(now) {
		return changed
	}
	e.Status, e.Updated = "Stopped", doneAt
	if run != nil {
		run.Status = "Stopped"
		if failed {
			run.Status = "Failed"
		}
		p.LeftAt[st.Name] = doneAt
	}
	return true
}

// startGroup starts the actions of the next runOrder group of the current stage at t,
// reporting false when the stage has no further group.
func (s *codepipelineState) startGroup(region string, p *cpPipeline, e *cpExecution, st cpStage, t, now time.Time) bool {
	next := 0
	for _, a := range st.Actions {
		if o := a.runOrder(); o > e.Group && (next == 0 || o < next) {
			next = o
		}
	}
	if next == 0 {
		return false
	}
	e.Group = next
	run := e.run(st.Name)
	for _, a := range st.Actions {
		if a.runOrder() != next {
			continue
		}
		ar := &cpActionRun{Name: a.Name, ID: newRequestID(), RunOrder: next, Status: "InProgress", Started: t, Changed: t}
		run.Actions = append(run.Actions, ar)
		s.begin(region, p, e, ar, a, t, now)
	}
	e.Updated = later(e.Updated, t)
	return true
}

func (ar *cpActionRun) fail(t time.Time, code, format string, args ...any) {
	ar.Status, ar.Changed, ar.ErrCode, ar.ErrMsg = "Failed", t, code, fmt.Sprintf(format, args...)
}

func (ar *cpActionRun) succeed(t time.Time, summary string) {
	ar.Status, ar.Changed, ar.Summary = "Succeeded", t, summary
}

// begin starts one action at t.
func (s *codepipelineState) begin(region string, p *cpPipeline, e *cpExecution, ar *cpActionRun, a cpAction, t, now time.Time) {
	switch a.ActionTypeID.Provider {
	case "CodeStarSourceConnection", "GitHub":
		ar.DueAt = t.Add(s.sim.Delay(LatencyPipelineSource))
	case "CodeBuild":
		b := s.builder()
		if b == nil {
			ar.fail(t, "JobFailed", "CodeBuild not simulated")
			return
		}
		id, err := b.StartPipelineBuild(region, a.Configuration["ProjectName"], e.Commit, t)
		if err != nil {
			ar.fail(t, "JobFailed", "Error calling startBuild: %v", err)
			return
		}
		ar.External = id
	case "ECS":
		images, err := imageDefinitions(e, a)
		if err != nil {
			ar.fail(t, "JobFailed", "%v", err)
			return
		}
		ecsSvc := s.sim.Service("ecs")
		if ecsSvc == nil {
			ar.fail(t, "JobFailed", "ECS not simulated")
			return
		}
		// ECS is told the time it is now: its services may have been stepped past t already.
		td, err := ecsSvc.State.(*ecsState).DeployImages(region, a.Configuration["ClusterName"], a.Configuration["ServiceName"], images, later(t, now))
		if err != nil {
			ar.fail(t, "JobFailed", "Exception while trying to deploy: %v", err)
			return
		}
		ar.External = td
	default:
		ar.fail(t, "JobFailed", "Action type %s/%s is not simulated", a.ActionTypeID.Category, a.ActionTypeID.Provider)
	}
}

// imageDefinitions reads imagedefinitions.json ([{"name":..., "imageUri":...}]) from the
// deploy action's input artifact.
func imageDefinitions(e *cpExecution, a cpAction) (map[string]string, error) {
	file := a.Configuration["FileName"]
	if file == "" {
		file = "imagedefinitions.json"
	}
	artifact := a.InputArtifacts[0].Name
	content, ok := e.Artifacts[artifact]
	if !ok || content == "" {
		return nil, fmt.Errorf("Exception while trying to read the task definition artifact file from: %s. The file %s was not found in the artifact", artifact, file)
	}
	var defs []struct {
		Name     string `json:"name"`
		ImageURI string `json:"imageUri"`
	}
	if err := json.Unmarshal([]byte(content), &defs); err != nil {
		return nil, fmt.Errorf("Exception while trying to parse the image URI file from the artifact: %s", artifact)
	}
	images := map[string]string{}
	for _, d := range defs {
		if d.Name == "" || d.ImageURI == "" {
			return nil, fmt.Errorf("Exception while trying to parse the image URI file from the artifact: %s. Each entry needs a name and an imageUri", artifact)
		}
		images[d.Name] = d.ImageURI
	}
	return images, nil
}

// commitID is the fake head commit a source action fetches from a branch nobody pushed
// to: 40 hex digits, deterministic per execution.
func commitID(pipeline, execution, repo, branch string) string {
	sum := sha1.Sum([]byte(pipeline + "\x00" + execution + "\x00" + repo + "\x00" + branch))
	return hex.EncodeToString(sum[:])
}

// connectionStatus is the status of a CodeStar connection ("" when there is none).
func (s *codepipelineState) connectionStatus(region, arn string) string {
	if svc := s.sim.Service("codestar-connections"); svc != nil {
		return svc.State.(*codestarState).connectionStatus(region, arn)
	}
	return ""
}

// fetch completes a source action at its due time: the commit the push handed to the
// execution, else the branch head in the simulated GitHub, else a derived commit ID.
func (s *codepipelineState) fetch(p *cpPipeline, e *cpExecution, ar *cpActionRun, a cpAction, repo, branch string) {
	var commit string
	switch {
	case e.Push != nil && e.Push.Action == a.Name:
		commit, branch = e.Push.Commit, e.Push.Branch
	case s.sim.github().head(repo, branch) != "":
		commit = s.sim.github().head(repo, branch)
	default:
		commit = commitID(p.Name, e.ID, repo, branch)
	}
	e.Commit, e.Branch, e.Repository, e.SourceAction, e.SourceAt = commit, branch, repo, a.Name, ar.DueAt
	e.Provider = a.ActionTypeID.Provider
	for _, o := range a.OutputArtifacts {
		e.Artifacts[o.Name] = ""
	}
	ar.External = commit
	ar.succeed(ar.DueAt, "Simulated head of "+repo+"@"+branch)
}

// poll checks a running action against time and the other services at now.
func (s *codepipelineState) poll(region string, p *cpPipeline, e *cpExecution, ar *cpActionRun, a cpAction, now time.Time) bool {
	switch a.ActionTypeID.Provider {
	case "CodeStarSourceConnection":
		if now.Before(ar.DueAt) {
			return false
		}
		arn := a.Configuration["ConnectionArn"]
		switch status := s.connectionStatus(region, arn); status {
		case "AVAILABLE":
			s.fetch(p, e, ar, a, a.Configuration["FullRepositoryId"], a.Configuration["BranchName"])
		case "":
			ar.fail(ar.DueAt, "JobFailed", "The connection %s does not exist.", arn)
		default:
			ar.fail(ar.DueAt, "JobFailed", "Unable to use Connection: %s. The provided connection is not in the AVAILABLE state (status %s): complete the connection's handshake in the console, then retry.", arn, status)
		}
		return true
	case "GitHub":
		if now.Before(ar.DueAt) {
			return false
		}
		repo := a.Configuration["Owner"] + "/" + a.Configuration["Repo"]
		if !s.sim.github().tokenValid(repo, a.Configuration["OAuthToken"]) {
			ar.fail(ar.DueAt, "JobFailed", "Could not access the GitHub repository: %q. The access token might be invalid or has been revoked. Edit the pipeline to reconnect with GitHub.", a.Configuration["Repo"])
			return true
		}
		s.fetch(p, e, ar, a, repo, a.Configuration["Branch"])
		return true
	case "CodeBuild":
		b := s.builder()
		if b == nil {
			ar.fail(now, "JobFailed", "CodeBuild not simulated")
			return true
		}
		status, defs, failure, ok := b.PipelineBuild(region, ar.External, now)
		switch {
		case !ok:
			ar.fail(now, "JobFailed", "Build %s not found", ar.External)
		case status == "SUCCEEDED":
			for _, o := range a.OutputArtifacts {
				e.Artifacts[o.Name] = string(defs)
			}
			ar.succeed(now, "Build "+ar.External+" succeeded")
		case status == "FAILED" || status == "STOPPED":
			if failure == "" {
				failure = "Build " + ar.External + " " + status
			}
			ar.fail(now, "JobFailed", "%s", failure)
		default:
			return false
		}
		return true
	case "ECS":
		state, reason := s.sim.Service("ecs").State.(*ecsState).DeploymentRollout(region,
			a.Configuration["ClusterName"], a.Configuration["ServiceName"], ar.External, now)
		switch state {
		case "COMPLETED":
			ar.succeed(now, "Deployed "+ar.External)
		case "FAILED":
			ar.fail(now, "JobFailed", "Deployment failed: %s", reason)
		default:
			return false
		}
		return true
	}
	return false
}

// Wire shapes and operations.

type cpErrorDetails struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type cpActionExecutionOut struct {
	ActionExecutionID   string          `json:"actionExecutionId"`
	Status              string          `json:"status"`
	Summary             string          `json:"summary,omitempty"`
	LastStatusChange    EpochSeconds    `json:"lastStatusChange"`
	ExternalExecutionID string          `json:"externalExecutionId,omitempty"`
	ErrorDetails        *cpErrorDetails `json:"errorDetails,omitempty"`
}

func (ar *cpActionRun) out() cpActionExecutionOut {
	o := cpActionExecutionOut{ActionExecutionID: ar.ID, Status: ar.Status, Summary: ar.Summary,
		LastStatusChange: EpochSeconds(ar.Changed), ExternalExecutionID: ar.External}
	if ar.Status == "Failed" {
		o.ErrorDetails = &cpErrorDetails{Code: ar.ErrCode, Message: ar.ErrMsg}
	}
	return o
}

func (s *codepipelineState) getPipelineState(c *Call) (any, error) {
	var in struct {
		Name string `json:"name"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	p, err := s.pipeline(c, in.Name)
	if err != nil {
		return nil, err
	}
	d := p.current()
	stages := []map[string]any{}
	for _, st := range d.Stages {
		so := map[string]any{"stageName": st.Name, "inboundTransitionState": map[string]any{"enabled": true}}
		actions := []map[string]any{}
		for _, a := range st.Actions {
			ao := map[string]any{"actionName": a.Name}
			for i := len(p.Executions) - 1; i >= 0; i-- {
				e := p.Executions[i]
				run := e.run(st.Name)
				if run == nil {
					continue
				}
				if j := slices.IndexFunc(run.Actions, func(ar *cpActionRun) bool { return ar.Name == a.Name }); j >= 0 {
					ar := run.Actions[j]
					ao["latestExecution"] = ar.out()
					if a.ActionTypeID.Category == "Source" && ar.Status == "Succeeded" {
						ao["currentRevision"] = map[string]any{"revisionId": ar.External}
					}
					break
				}
			}
			actions = append(actions, ao)
		}
		so["actionStates"] = actions
		for i := len(p.Executions) - 1; i >= 0; i-- {
			e := p.Executions[i]
			if run := e.run(st.Name); run != nil {
				so["latestExecution"] = map[string]any{"pipelineExecutionId": e.ID, "status": run.Status}
				break
			}
		}
		for _, e := range p.Executions {
			if e.Status == "InProgress" && !e.Entered && p.Versions[e.Version-1].Stages[e.Stage].Name == st.Name {
				so["inboundExecution"] = map[string]any{"pipelineExecutionId": e.ID, "status": "InProgress"}
			}
		}
		stages = append(stages, so)
	}
	return map[string]any{"pipelineName": p.Name, "pipelineVersion": d.Version, "stageStates": stages,
		"created": EpochSeconds(p.Created), "updated": EpochSeconds(p.Updated)}, nil
}

var cpTokenRE = regexp.MustCompile(`^[a-zA-Z0-9-]{1,128}$`)

func (s *codepipelineState) startPipelineExecution(c *Call) (any, error) {
	var in struct {
		Name               string `json:"name"`
		ClientRequestToken string `json:"clientRequestToken"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if in.ClientRequestToken != "" && !cpTokenRE.MatchString(in.ClientRequestToken) {
		return nil, cpValidation("1 validation error detected: Value '%s' at 'clientRequestToken' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9-]+$", in.ClientRequestToken)
	}
	p, err := s.pipeline(c, in.Name)
	if err != nil {
		return nil, err
	}
	if id, ok := p.Tokens[in.ClientRequestToken]; ok && in.ClientRequestToken != "" {
		return map[string]any{"pipelineExecutionId": id}, nil
	}
	e := s.start(p, c.Now, "StartPipelineExecution", "arn:aws:iam::"+Account+":root")
	if in.ClientRequestToken != "" {
		if p.Tokens == nil {
			p.Tokens = map[string]string{}
		}
		p.Tokens[in.ClientRequestToken] = e.ID
	}
	s.advance(c.Region, p, c.Now)
	return map[string]any{"pipelineExecutionId": e.ID}, nil
}

func (s *codepipelineState) stopPipelineExecution(c *Call) (any, error) {
	var in struct {
		PipelineName        string `json:"pipelineName"`
		PipelineExecutionID string `json:"pipelineExecutionId"`
		Abandon             bool   `json:"abandon"`
		Reason              string `json:"reason"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if len(in.Reason) > 200 {
		return nil, cpValidation("1 validation error detected: Value at 'reason' failed to satisfy constraint: Member must have length less than or equal to 200")
	}
	p, e, err := s.execution(c, in.PipelineName, in.PipelineExecutionID)
	if err != nil {
		return nil, err
	}
	switch {
	case e.Status == "Stopping" && (e.StopAbandon || !in.Abandon):
		// Only a stop and wait can still be turned into a stop and abandon.
		return nil, Errorf("DuplicatedStopRequestException", "Execution %s is already being stopped", e.ID)
	case e.Status == "InProgress":
		e.StopAt = c.Now.Add(c.Delay(LatencyPipelineStop))
	case e.Status != "Stopping":
		return nil, Errorf("PipelineExecutionNotStoppableException", "Unable to stop pipeline execution %s. Only executions that are in progress can be stopped; this one is %s", e.ID, e.Status)
	}
	e.Status, e.StopAbandon, e.Updated = "Stopping", in.Abandon, c.Now
	if in.Reason != "" {
		e.StopReason = in.Reason
	}
	if run := e.run(p.Versions[e.Version-1].Stages[e.Stage].Name); run != nil && e.Entered {
		run.Status = "Stopping"
		for _, ar := range run.Actions {
			if in.Abandon && ar.Status == "InProgress" {
				ar.Status, ar.Changed = "Abandoned", c.Now
			}
		}
	}
	s.advance(c.Region, p, c.Now)
	return map[string]any{"pipelineExecutionId": e.ID}, nil
}

func (s *codepipelineState) execution(c *Call, pipeline, id string) (*cpPipeline, *cpExecution, error) {
	p, err := s.pipeline(c, pipeline)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range p.Executions {
		if e.ID == id {
			return p, e, nil
		}
	}
	return nil, nil, Errorf("PipelineExecutionNotFoundException", "Pipeline execution ID %s does not exist for pipeline %s", id, pipeline)
}

// sourceRevision describes the fetched commit. A connection action's summary is JSON with
// the provider and commit message; a GitHub version 1 action's is the message alone.
func (e *cpExecution) sourceRevision() map[string]any {
	message := fmt.Sprintf("Simulated commit %s on %s", e.Commit[:7], e.Branch)
	summary := message
	if e.Provider != "GitHub" {
		b, _ := json.Marshal(map[string]string{"ProviderType": "GitHub", "CommitMessage": message}) // cannot fail
		summary = string(b)
	}
	return map[string]any{"actionName": e.SourceAction, "revisionId": e.Commit, "revisionSummary": summary,
		"revisionUrl": "https://github.com/" + e.Repository + "/commit/" + e.Commit}
}

func (e *cpExecution) trigger() map[string]any {
	return map[string]any{"triggerType": e.TriggerType, "triggerDetail": e.TriggerDetail}
}

func (s *codepipelineState) getPipelineExecution(c *Call) (any, error) {
	var in struct {
		PipelineName        string `json:"pipelineName"`
		PipelineExecutionID string `json:"pipelineExecutionId"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	p, e, err := s.execution(c, in.PipelineName, in.PipelineExecutionID)
	if err != nil {
		return nil, err
	}
	revisions := []map[string]any{}
	if e.Commit != "" {
		rev := e.sourceRevision()
		delete(rev, "actionName")
		d := p.Versions[e.Version-1]
		for _, a := range d.Stages[0].Actions {
			if a.Name == e.SourceAction && len(a.OutputArtifacts) > 0 {
				rev["name"] = a.OutputArtifacts[0].Name
			}
		}
		rev["created"] = EpochSeconds(e.SourceAt)
		revisions = append(revisions, rev)
	}
	out := map[string]any{"pipelineName": p.Name, "pipelineVersion": e.Version, "pipelineExecutionId": e.ID,
		"status": e.Status, "artifactRevisions": revisions, "trigger": e.trigger(), "executionMode": e.Mode,
		"executionType": "STANDARD", "variables": []any{}}
	if e.Summary != "" {
		out["statusSummary"] = e.Summary
	}
	return map[string]any{"pipelineExecution": out}, nil
}

func (s *codepipelineState) listPipelineExecutions(c *Call) (any, error) {
	var in struct {
		PipelineName string `json:"pipelineName"`
		NextToken    string `json:"nextToken"`
		MaxResults   *int   `json:"maxResults"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	p, err := s.pipeline(c, in.PipelineName)
	if err != nil {
		return nil, err
	}
	var all []map[string]any
	for i := len(p.Executions) - 1; i >= 0; i-- { // newest first
		e := p.Executions[i]
		sum := map[string]any{"pipelineExecutionId": e.ID, "status": e.Status, "startTime": EpochSeconds(e.Started),
			"lastUpdateTime": EpochSeconds(e.Updated), "sourceRevisions": []any{}, "trigger": e.trigger(),
			"executionMode": e.Mode, "executionType": "STANDARD"}
		if e.Commit != "" {
			sum["sourceRevisions"] = []any{e.sourceRevision()}
		}
		if e.Summary != "" {
			sum["statusSummary"] = e.Summary
		}
		if e.StopReason != "" {
			sum["stopTrigger"] = map[string]any{"reason": e.StopReason}
		}
		all = append(all, sum)
	}
	page, next, err := cpPaginate(s, all, in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	return withNext(map[string]any{"pipelineExecutionSummaries": page}, next), nil
}
