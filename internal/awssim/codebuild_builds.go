package awssim

import (
	"cmp"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// A build runs through the phases in cbPhaseOrder on the simulator clock. Each phase lasts
// its share of the build latency (LatencyCodeBuildBuild); its effect runs when it ends,
// evaluated lazily whenever CodeBuild state is read. What a build does is modelled on the
// project's buildspec in sample-app/buildspec.yml (the buildspec text itself is not parsed):
//
//	PROVISIONING     resolve environment variables (PARAMETER_STORE from the simulator's SSM)
//	DOWNLOAD_SOURCE  resolve the source version to a commit
//	PRE_BUILD        docker login (client side: no daemon needed); IMAGE_TAG = commit[:7]
//	BUILD            docker build: needs privilegedMode (a Docker daemon) and a valid reference;
//	                 fails for a commit pushed as broken (Sim.PushGitHub with fail)
//	POST_BUILD       docker push $REPOSITORY_URI:$IMAGE_TAG and :latest into the simulator's
//	                 ECR, then write imagedefinitions.json
//	UPLOAD_ARTIFACTS hand imagedefinitions.json over (CODEPIPELINE artifacts)
//
// As on AWS, a failure before BUILD skips to FINALIZING; a BUILD failure still runs
// POST_BUILD; buildStatus stays IN_PROGRESS until the build reaches COMPLETED.

var cbPhaseOrder = []string{"SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL",
	"PRE_BUILD", "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED"}

// cbPhaseShare is each phase's share of the build latency, per mille.
var cbPhaseShare = map[string]int64{"SUBMITTED": 10, "QUEUED": 10, "PROVISIONING": 150, "DOWNLOAD_SOURCE": 30,
	"INSTALL": 20, "PRE_BUILD": 50, "BUILD": 500, "POST_BUILD": 200, "UPLOAD_ARTIFACTS": 10, "FINALIZING": 20}

// The buildspec commands as CodeBuild quotes them in a failed phase's context.
const (
	cbCmdBuild = `docker build --build-arg IMAGE_TAG="$IMAGE_TAG" -t "$REPOSITORY_URI:$IMAGE_TAG" -t "$REPOSITORY_URI:latest" .`
	cbCmdPush  = `docker push "$REPOSITORY_URI:$IMAGE_TAG"`
	cbNoDaemon = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"
)

type cbBuild struct {
	ID            string            `json:"id"`
	ARN           string            `json:"arn"`
	Project       string            `json:"project"`
	Number        int64             `json:"number"`
	Initiator     string            `json:"initiator"`
	SourceVersion string            `json:"sourceVersion,omitempty"`
	Resolved      string            `json:"resolvedSourceVersion,omitempty"`
	Source        cbSource          `json:"source"`
	Artifacts     cbArtifacts       `json:"artifacts"`
	Environment   cbEnvironment     `json:"environment"` // the project's, with the StartBuild overrides
	ServiceRole   string            `json:"serviceRole"`
	Logs          cbLogsConfig      `json:"logsConfig"`
	Timeout       int32             `json:"timeoutInMinutes"`
	QueueTimeout  int32             `json:"queuedTimeoutInMinutes"`
	Start         time.Time         `json:"start"`
	Total         time.Duration     `json:"total"`  // the scaled build latency, fixed at start
	Phases        []cbPhase         `json:"phases"` // finished phases
	Current       string            `json:"current"`
	CurrentStart  time.Time         `json:"currentStart"`
	Status        string            `json:"status"`
	Complete      bool              `json:"complete"`
	End           time.Time         `json:"end,omitzero"`
	Stopped       bool              `json:"stopped,omitempty"`
	Env           map[string]string `json:"env,omitempty"` // resolved in PROVISIONING
	ImageDefs     string            `json:"imageDefinitions,omitempty"`
	ImageURI      string            `json:"imageUri,omitempty"`
	Log           []string          `json:"log,omitempty"` // modelled output lines (not served: no Logs API here)
}

type cbPhase struct {
	Type    string          `json:"type"`
	Status  string          `json:"status"`
	Start   time.Time       `json:"start"`
	End     time.Time       `json:"end"`
	Context *cbPhaseContext `json:"context,omitempty"`
}

type cbPhaseContext struct {
	StatusCode string `json:"statusCode"`
	Message    string `json:"message"`
}

func (b *cbBuild) duration(phase string) time.Duration {
	return time.Duration(int64(b.Total) * cbPhaseShare[phase] / 1000)
}

func (b *cbBuild) failed() *cbPhase {
	for i := range b.Phases {
		if b.Phases[i].Status == "FAILED" {
			return &b.Phases[i]
		}
	}
	return nil
}

// advanceRegion advances every unfinished build of a region to now.
func (s *codebuildState) advanceRegion(region string, r *cbRegion, now time.Time) {
	for _, id := range slices.Sorted(maps.Keys(r.Builds)) {
		s.advance(region, r.Builds[id], now)
	}
}

// advance runs the phases of b that have ended by now, each at its end time.
func (s *codebuildState) advance(region string, b *cbBuild, now time.Time) {
	for !b.Complete {
		end := b.CurrentStart.Add(b.duration(b.Current))
		if end.After(now) {
			return
		}
		status, ctx := s.runPhase(region, b, end)
		b.Phases = append(b.Phases, cbPhase{Type: b.Current, Status: status, Start: b.CurrentStart, End: end, Context: ctx})
		next := cbPhaseOrder[slices.Index(cbPhaseOrder, b.Current)+1]
		if status == "FAILED" && slices.Index(cbPhaseOrder, b.Current) < slices.Index(cbPhaseOrder, "BUILD") {
			next = "FINALIZING"
		}
		b.Current, b.CurrentStart = next, end
		if next == "COMPLETED" {
			b.Complete, b.End = true, end
			switch {
			case b.Stopped:
				b.Status = "STOPPED"
			case b.failed() != nil:
				b.Status = "FAILED"
			default:
				b.Status = "SUCCEEDED"
			}
		}
	}
}

func cbCommandFailed(cmd string) *cbPhaseContext {
	return &cbPhaseContext{StatusCode: "COMMAND_EXECUTION_ERROR", Message: "Error while executing command: " + cmd + ". Reason: exit status 1"}
}

var cbCommitRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// runPhase applies the effect of b's current phase at time at.
func (s *codebuildState) runPhase(region string, b *cbBuild, at time.Time) (string, *cbPhaseContext) {
	ok := &cbPhaseContext{}
	switch b.Current {
	case "PROVISIONING":
		env := map[string]string{"AWS_REGION": region, "AWS_DEFAULT_REGION": region, "CODEBUILD_BUILD_ID": b.ID,
			"CODEBUILD_BUILD_ARN": b.ARN, "CODEBUILD_BUILD_NUMBER": fmt.Sprint(b.Number), "CODEBUILD_INITIATOR": b.Initiator}
		for _, v := range b.Environment.EnvironmentVariables {
			switch v.Type {
			case "PARAMETER_STORE":
				val, found := s.ssmValue(region, v.Value)
				if !found {
					return "FAILED", &cbPhaseContext{StatusCode: "Decrypted Variables Error", Message: "parameter does not exist: " + v.Value}
				}
				env[v.Name] = val
			case "SECRETS_MANAGER": // the simulator has no Secrets Manager: every secret is missing
				return "FAILED", &cbPhaseContext{StatusCode: "Secrets Manager Error", Message: "ResourceNotFoundException: Secrets Manager can't find the specified secret."}
			default:
				env[v.Name] = v.Value
			}
		}
		b.Env = env
	case "DOWNLOAD_SOURCE":
		switch {
		case b.Source.Type == "NO_SOURCE":
		case cbCommitRE.MatchString(b.SourceVersion):
			b.Resolved = b.SourceVersion
		default: // a branch, tag or nothing: the head commit of that ref, stable per ref
			sum := sha1.Sum([]byte(b.Source.Location + "#" + cmp.Or(b.SourceVersion, "HEAD")))
			b.Resolved = hex.EncodeToString(sum[:])
		}
		if b.Env == nil {
			b.Env = map[string]string{}
		}
		b.Env["CODEBUILD_RESOLVED_SOURCE_VERSION"] = b.Resolved
	case "BUILD":
		uri, tag := b.Env["REPOSITORY_URI"], b.imageTag()
		switch {
		case uri == "" || tag == "":
			b.Log = append(b.Log, fmt.Sprintf("invalid argument %q for \"-t, --tag\" flag: invalid reference format", uri+":"+tag))
			return "FAILED", cbCommandFailed(cbCmdBuild)
		case !b.Environment.PrivilegedMode:
			b.Log = append(b.Log, cbNoDaemon)
			return "FAILED", cbCommandFailed(cbCmdBuild)
		case s.commitFails(b.Resolved):
			b.Log = append(b.Log, "The command '/bin/sh -c pip install --no-cache-dir -r requirements.txt' returned a non-zero code: 1")
			return "FAILED", cbCommandFailed(cbCmdBuild)
		}
		b.Log = append(b.Log, "Successfully tagged "+uri+":"+tag, "Successfully tagged "+uri+":latest")
	case "POST_BUILD":
		if b.failed() != nil { // nothing was built, or no daemon to push with
			if !b.Environment.PrivilegedMode {
				b.Log = append(b.Log, cbNoDaemon)
			} else {
				b.Log = append(b.Log, "An image does not exist locally with the tag: "+b.Env["REPOSITORY_URI"])
			}
			return "FAILED", cbCommandFailed(cbCmdPush)
		}
		uri, tag := b.Env["REPOSITORY_URI"], b.imageTag()
		if err := s.pushImage(uri, b.manifest(), []string{tag, "latest"}, at); err != nil {
			b.Log = append(b.Log, err.Error())
			return "FAILED", cbCommandFailed(cbCmdPush)
		}
		b.ImageURI = uri + ":" + tag
		b.ImageDefs = fmt.Sprintf(`[{"name":"%s","imageUri":"%s"}]`, b.Env["CONTAINER_NAME"], b.ImageURI)
	case "UPLOAD_ARTIFACTS":
		if b.Artifacts.Type != "NO_ARTIFACTS" && b.ImageDefs == "" {
			return "FAILED", &cbPhaseContext{StatusCode: "CLIENT_ERROR", Message: "no matching artifact paths found"}
		}
	}
	return "SUCCEEDED", ok
}

// imageTag is $(echo "$CODEBUILD_RESOLVED_SOURCE_VERSION" | cut -c 1-7).
func (b *cbBuild) imageTag() string {
	return b.Resolved[:min(7, len(b.Resolved))]
}

// manifest is the image manifest the build pushes: unique per build, as a rebuild of the
// same commit yields a new image.
func (b *cbBuild) manifest() string {
	config := sha256.Sum256([]byte("config:" + b.ARN))
	layer := sha256.Sum256([]byte("layer:" + b.ARN))
	return fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":7023,"digest":"sha256:%s"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":32654,"digest":"sha256:%s"}]}`,
		hex.EncodeToString(config[:]), hex.EncodeToString(layer[:]))
}

// cbBuildOverrides are the StartBuild overrides the simulator honours.
type cbBuildOverrides struct {
	EnvironmentVariablesOverride []cbEnvVar `json:"environmentVariablesOverride"`
	PrivilegedModeOverride       *bool      `json:"privilegedModeOverride"`
	ImageOverride                string     `json:"imageOverride"`
	ComputeTypeOverride          string     `json:"computeTypeOverride"`
}

// newBuild starts a build of p in region r at now.
func (s *codebuildState) newBuild(region string, r *cbRegion, p *cbProject, sourceVersion, initiator string, o cbBuildOverrides, now time.Time) (*cbBuild, error) {
	env := p.Environment
	env.EnvironmentVariables = slices.Clone(p.Environment.EnvironmentVariables)
	for _, v := range o.EnvironmentVariablesOverride {
		if v.Type == "" {
			v.Type = "PLAINTEXT"
		}
		if err := cbEnum("environmentVariablesOverride.member.type", v.Type, cbEnvVarTypes); err != nil {
			return nil, err
		}
		if i := slices.IndexFunc(env.EnvironmentVariables, func(e cbEnvVar) bool { return e.Name == v.Name }); i >= 0 {
			env.EnvironmentVariables[i] = v
		} else {
			env.EnvironmentVariables = append(env.EnvironmentVariables, v)
		}
	}
	if o.PrivilegedModeOverride != nil {
		env.PrivilegedMode = *o.PrivilegedModeOverride
	}
	if o.ImageOverride != "" {
		env.Image = o.ImageOverride
	}
	if o.ComputeTypeOverride != "" {
		if err := cbEnum("computeTypeOverride", o.ComputeTypeOverride, cbComputeTypes); err != nil {
			return nil, err
		}
		env.ComputeType = o.ComputeTypeOverride
	}
	r.Numbers[p.Name]++
	id := p.Name + ":" + newUUID()
	b := &cbBuild{
		ID: id, ARN: ARN("codebuild", region, "build/"+id), Project: p.Name, Number: r.Numbers[p.Name],
		Initiator: initiator, SourceVersion: sourceVersion, Source: p.Source, Artifacts: p.Artifacts,
		Environment: env, ServiceRole: p.ServiceRole, Logs: p.Logs, Timeout: p.Timeout, QueueTimeout: p.QueueTimeout,
		Start: now, Total: s.sim.Delay(LatencyCodeBuildBuild), Current: "SUBMITTED", CurrentStart: now,
		Status: "IN_PROGRESS", Env: map[string]string{},
	}
	r.Builds[id] = b
	s.advance(region, b, now)
	return b, nil
}

// newUUID is a random version 4 UUID.
func newUUID() string {
	h := strings.TrimPrefix(NewID("x"), "x-") + strings.TrimPrefix(NewID("x"), "x-") // 34 hex digits
	return fmt.Sprintf("%s-%s-4%s-a%s-%s", h[:8], h[8:12], h[13:16], h[17:20], h[20:32])
}

type cbPhaseOut struct {
	PhaseType         string           `json:"phaseType"`
	PhaseStatus       string           `json:"phaseStatus,omitempty"`
	StartTime         EpochSeconds     `json:"startTime"`
	EndTime           *EpochSeconds    `json:"endTime,omitempty"`
	DurationInSeconds *int64           `json:"durationInSeconds,omitempty"`
	Contexts          []cbPhaseContext `json:"contexts,omitempty"`
}

type cbBuildOut struct {
	ID                    string        `json:"id"`
	Arn                   string        `json:"arn"`
	BuildNumber           int64         `json:"buildNumber"`
	StartTime             EpochSeconds  `json:"startTime"`
	EndTime               *EpochSeconds `json:"endTime,omitempty"`
	CurrentPhase          string        `json:"currentPhase"`
	BuildStatus           string        `json:"buildStatus"`
	SourceVersion         string        `json:"sourceVersion,omitempty"`
	ResolvedSourceVersion string        `json:"resolvedSourceVersion,omitempty"`
	ProjectName           string        `json:"projectName"`
	Phases                []cbPhaseOut  `json:"phases"`
	Source                cbSource      `json:"source"`
	Artifacts             struct {
		Location string `json:"location,omitempty"`
	} `json:"artifacts"`
	Environment            cbEnvironment `json:"environment"`
	ServiceRole            string        `json:"serviceRole"`
	Logs                   *cbLogsOut    `json:"logs,omitempty"`
	TimeoutInMinutes       int32         `json:"timeoutInMinutes"`
	QueuedTimeoutInMinutes int32         `json:"queuedTimeoutInMinutes"`
	BuildComplete          bool          `json:"buildComplete"`
	Initiator              string        `json:"initiator"`
	EncryptionKey          string        `json:"encryptionKey"`
}

type cbLogsOut struct {
	GroupName         string           `json:"groupName"`
	StreamName        string           `json:"streamName"`
	DeepLink          string           `json:"deepLink"`
	CloudWatchLogsArn string           `json:"cloudWatchLogsArn"`
	CloudWatchLogs    cbCloudWatchLogs `json:"cloudWatchLogs"`
}

func (b *cbBuild) out(region string) cbBuildOut {
	o := cbBuildOut{
		ID: b.ID, Arn: b.ARN, BuildNumber: b.Number, StartTime: EpochSeconds(b.Start), CurrentPhase: b.Current,
		BuildStatus: b.Status, SourceVersion: b.SourceVersion, ResolvedSourceVersion: b.Resolved,
		ProjectName: b.Project, Phases: []cbPhaseOut{}, Source: b.Source, Environment: b.Environment,
		ServiceRole: b.ServiceRole, TimeoutInMinutes: b.Timeout, QueuedTimeoutInMinutes: b.QueueTimeout,
		BuildComplete: b.Complete, Initiator: b.Initiator, EncryptionKey: cbDefaultKey(region),
	}
	if o.Environment.EnvironmentVariables == nil {
		o.Environment.EnvironmentVariables = []cbEnvVar{}
	}
	if b.Complete {
		end := EpochSeconds(b.End)
		o.EndTime = &end
	}
	for _, ph := range b.Phases {
		end, secs := EpochSeconds(ph.End), int64(ph.End.Sub(ph.Start)/time.Second)
		po := cbPhaseOut{PhaseType: ph.Type, PhaseStatus: ph.Status, StartTime: EpochSeconds(ph.Start), EndTime: &end, DurationInSeconds: &secs}
		if ph.Context != nil && ph.Type != "SUBMITTED" {
			po.Contexts = []cbPhaseContext{*ph.Context}
		}
		o.Phases = append(o.Phases, po)
	}
	o.Phases = append(o.Phases, cbPhaseOut{PhaseType: b.Current, StartTime: EpochSeconds(b.CurrentStart)})
	if cw := b.Logs.CloudWatchLogs; cw.Status == "ENABLED" {
		group := cmp.Or(cw.GroupName, "/aws/codebuild/"+b.Project)
		_, uuid, _ := strings.Cut(b.ID, ":")
		stream := uuid
		if cw.StreamName != "" {
			stream = cw.StreamName + "/" + uuid
		}
		o.Logs = &cbLogsOut{
			GroupName: group, StreamName: stream, CloudWatchLogs: cw,
			DeepLink:          fmt.Sprintf("https://console.aws.amazon.com/cloudwatch/home?region=%s#logEvent:group=%s;stream=%s", region, group, stream),
			CloudWatchLogsArn: ARN("logs", region, "log-group:"+group+":log-stream:"+stream),
		}
	}
	return o
}

func (s *codebuildState) startBuild(c *Call) (any, error) {
	var in struct {
		ProjectName   string `json:"projectName"`
		SourceVersion string `json:"sourceVersion"`
		cbBuildOverrides
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if in.ProjectName == "" {
		return nil, cbValidation("Value '' at 'projectName' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	r := s.region(c)
	p, ok := r.Projects[in.ProjectName]
	if !ok {
		return nil, cbProjectNotFound(c.Region, in.ProjectName)
	}
	b, err := s.newBuild(c.Region, r, p, in.SourceVersion, "awssim", in.cbBuildOverrides, c.Now)
	if err != nil {
		return nil, err
	}
	return map[string]any{"build": b.out(c.Region)}, nil
}

// stopBuild stops a build in progress: the current phase ends STOPPED and the build
// finalizes. Stopping a finished build returns it unchanged.
func (s *codebuildState) stopBuild(c *Call) (any, error) {
	var in struct {
		ID string `json:"id"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if !strings.Contains(in.ID, ":") {
		return nil, cbInvalid("Invalid build ID provided")
	}
	b, ok := s.region(c).Builds[in.ID]
	if !ok {
		return nil, Errorf("ResourceNotFoundException", "Build cannot be found: %s", in.ID)
	}
	if !b.Complete && !b.Stopped {
		b.Stopped = true
		if b.Current != "FINALIZING" {
			b.Phases = append(b.Phases, cbPhase{Type: b.Current, Status: "STOPPED", Start: b.CurrentStart, End: c.Now, Context: &cbPhaseContext{}})
			b.Current, b.CurrentStart = "FINALIZING", c.Now
		}
		s.advance(c.Region, b, c.Now)
	}
	return map[string]any{"build": b.out(c.Region)}, nil
}

func (s *codebuildState) batchGetBuilds(c *Call) (any, error) {
	var in struct {
		IDs []string `json:"ids"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if len(in.IDs) < 1 || len(in.IDs) > 100 {
		return nil, cbValidation("Value at 'ids' failed to satisfy constraint: Member must have length less than or equal to 100, Member must have length greater than or equal to 1")
	}
	r := s.region(c)
	found, missing := []cbBuildOut{}, []string{}
	for _, id := range in.IDs {
		if b, ok := r.Builds[id]; ok {
			found = append(found, b.out(c.Region))
		} else {
			missing = append(missing, id)
		}
	}
	return map[string]any{"builds": found, "buildsNotFound": missing}, nil
}

// listBuildsForProject lists build IDs by build number, newest first unless ASCENDING.
func (s *codebuildState) listBuildsForProject(c *Call) (any, error) {
	var in struct {
		ProjectName string `json:"projectName"`
		SortOrder   string `json:"sortOrder"`
		NextToken   string `json:"nextToken"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	order := cmp.Or(in.SortOrder, "DESCENDING")
	if err := cbEnum("sortOrder", order, []string{"ASCENDING", "DESCENDING"}); err != nil {
		return nil, err
	}
	r := s.region(c)
	if _, ok := r.Projects[in.ProjectName]; !ok {
		return nil, cbProjectNotFound(c.Region, in.ProjectName)
	}
	var builds []*cbBuild
	for _, b := range r.Builds {
		if b.Project == in.ProjectName {
			builds = append(builds, b)
		}
	}
	slices.SortFunc(builds, func(a, b *cbBuild) int { return cmp.Compare(a.Number, b.Number) })
	if order == "DESCENDING" {
		slices.Reverse(builds)
	}
	ids := make([]string, len(builds))
	for i, b := range builds {
		ids[i] = b.ID
	}
	page, next, err := Paginate(ids, in.NextToken, 0, s.sim.PageSize())
	if err != nil {
		return nil, cbInvalid("Invalid pagination token")
	}
	out := map[string]any{"ids": append([]string{}, page...)}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

// listBuilds lists every build of the region, newest first unless ASCENDING; builds of
// deleted projects stay listed, as on AWS.
func (s *codebuildState) listBuilds(c *Call) (any, error) {
	var in struct {
		SortOrder string `json:"sortOrder"`
		NextToken string `json:"nextToken"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	order := cmp.Or(in.SortOrder, "DESCENDING")
	if err := cbEnum("sortOrder", order, []string{"ASCENDING", "DESCENDING"}); err != nil {
		return nil, err
	}
	builds := slices.Collect(maps.Values(s.region(c).Builds))
	slices.SortFunc(builds, func(a, b *cbBuild) int { return cmp.Or(a.Start.Compare(b.Start), strings.Compare(a.ID, b.ID)) })
	if order == "DESCENDING" {
		slices.Reverse(builds)
	}
	ids := make([]string, len(builds))
	for i, b := range builds {
		ids[i] = b.ID
	}
	page, next, err := Paginate(ids, in.NextToken, 0, s.sim.PageSize())
	if err != nil {
		return nil, cbInvalid("Invalid pagination token")
	}
	out := map[string]any{"ids": append([]string{}, page...)}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

// StartPipelineBuild starts a build of project for CodePipeline's CodeBuild action (called
// with the simulator lock held). The error is an *APIError (ResourceNotFoundException for a
// missing project), as StartBuild would answer.
func (s *codebuildState) StartPipelineBuild(region, project, sourceVersion string, now time.Time) (buildID string, err error) {
	r := s.regionNamed(region)
	s.advanceRegion(region, r, now)
	p, ok := r.Projects[project]
	if !ok {
		return "", cbProjectNotFound(region, project)
	}
	b, err := s.newBuild(region, r, p, sourceVersion, "codepipeline", cbBuildOverrides{}, now)
	if err != nil {
		return "", err
	}
	return b.ID, nil
}

// PipelineBuild reports a build for CodePipeline (called with the simulator lock held):
// status IN_PROGRESS, SUCCEEDED, FAILED or STOPPED; imageDefinitions, the build's
// imagedefinitions.json artifact, once SUCCEEDED; failure, the message CodePipeline shows for
// a build that did not succeed. ok is false for an unknown build.
func (s *codebuildState) PipelineBuild(region, id string, now time.Time) (status string, imageDefinitions []byte, failure string, ok bool) {
	r := s.regionNamed(region)
	s.advanceRegion(region, r, now)
	b, ok := r.Builds[id]
	if !ok {
		return "", nil, "", false
	}
	switch b.Status {
	case "SUCCEEDED":
		if b.ImageDefs != "" {
			imageDefinitions = []byte(b.ImageDefs)
		}
	case "FAILED":
		failure = "Build terminated with state: FAILED"
		if ph := b.failed(); ph != nil && ph.Context != nil {
			failure = fmt.Sprintf("Build terminated with state: FAILED. Phase: %s, Code: %s, Message: %s", ph.Type, ph.Context.StatusCode, ph.Context.Message)
		}
	case "STOPPED":
		failure = "Build terminated with state: STOPPED"
	}
	return b.Status, imageDefinitions, failure, true
}
