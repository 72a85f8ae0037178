package awssim

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"
)

func init() {
	register(newCodePipeline)
	DefaultLatencies[LatencyPipelineSource] = 10 * time.Second
	DefaultLatencies[LatencyPipelineStop] = 5 * time.Second
}

// Latency kinds of CodePipeline.
const (
	// LatencyPipelineSource is how long a source action takes to fetch the branch head.
	LatencyPipelineSource = "codepipeline:source"
	// LatencyPipelineStop is how long a stopped execution stays Stopping at least.
	LatencyPipelineStop = "codepipeline:stop"
)

// codepipelineState is CodePipeline state per region. Wire format: awsJson1_1, X-Amz-Target
// CodePipeline_20150709.<Op>, member names as in the SDK's service/codepipeline serializers
// (lowerCamel, tags as {key, value}, timestamps as epoch seconds).
//
// The simulator knows the action types of the CI/CD stack: Source CodeStarSourceConnection
// and GitHub (version 1, OAuth token), Build CodeBuild and Deploy ECS. Executions run on the
// simulator clock and advance lazily whenever pipeline state is read (codepipeline_exec.go);
// pushes to the simulated GitHub start them through triggers (codepipeline_triggers.go).
type codepipelineState struct {
	Regions map[string]*cpRegion `json:"regions"`
	sim     *Sim
}

type cpRegion struct {
	Pipelines map[string]*cpPipeline `json:"pipelines"` // by name
}

type cpPipeline struct {
	Name string `json:"name"`
	ARN  string `json:"arn"`
	// Versions holds every declaration, Versions[i] being version i+1.
	Versions   []*cpDeclaration     `json:"versions"`
	Created    time.Time            `json:"created"`
	Updated    time.Time            `json:"updated"`
	Tags       map[string]string    `json:"tags,omitempty"`
	Executions []*cpExecution       `json:"executions"` // oldest first
	Tokens     map[string]string    `json:"tokens,omitempty"`
	LeftAt     map[string]time.Time `json:"leftAt,omitempty"` // when the last execution left each stage
}

func (p *cpPipeline) current() *cpDeclaration { return p.Versions[len(p.Versions)-1] }

// cpDeclaration is a PipelineDeclaration as the SDK serializes it. Members the simulator
// does not interpret (variables) are kept as given.
type cpDeclaration struct {
	Name           string                     `json:"name"`
	RoleArn        string                     `json:"roleArn"`
	ArtifactStore  *cpArtifactStore           `json:"artifactStore,omitempty"`
	ArtifactStores map[string]cpArtifactStore `json:"artifactStores,omitempty"`
	Stages         []cpStage                  `json:"stages"`
	Version        int                        `json:"version"`
	ExecutionMode  string                     `json:"executionMode,omitempty"`
	PipelineType   string                     `json:"pipelineType,omitempty"`
	Triggers       []cpTrigger                `json:"triggers,omitempty"`
	Variables      []json.RawMessage          `json:"variables,omitempty"`
}

type cpArtifactStore struct {
	Type          string          `json:"type"`
	Location      string          `json:"location"`
	EncryptionKey json.RawMessage `json:"encryptionKey,omitempty"`
}

type cpStage struct {
	Name     string            `json:"name"`
	Actions  []cpAction        `json:"actions"`
	Blockers []json.RawMessage `json:"blockers,omitempty"`
}

type cpAction struct {
	Name            string            `json:"name"`
	ActionTypeID    cpActionTypeID    `json:"actionTypeId"`
	RunOrder        *int              `json:"runOrder,omitempty"`
	Configuration   map[string]string `json:"configuration,omitempty"`
	OutputArtifacts []cpArtifactRef   `json:"outputArtifacts"`
	InputArtifacts  []cpArtifactRef   `json:"inputArtifacts"`
	RoleArn         string            `json:"roleArn,omitempty"`
	Region          string            `json:"region,omitempty"`
	Namespace       string            `json:"namespace,omitempty"`
}

type cpActionTypeID struct {
	Category string `json:"category"`
	Owner    string `json:"owner"`
	Provider string `json:"provider"`
	Version  string `json:"version"`
}

type cpArtifactRef struct {
	Name string `json:"name"`
}

func (a cpAction) runOrder() int {
	if a.RunOrder == nil {
		return 1
	}
	return *a.RunOrder
}

func newCodePipeline(sim *Sim) *Service {
	s := &codepipelineState{sim: sim}
	s.Reset()
	return &Service{
		Name:         "codepipeline",
		Protocol:     JSON11,
		TargetPrefix: "CodePipeline_20150709",
		State:        s,
		Ops: map[string]Op{
			"CreatePipeline":         s.createPipeline,
			"GetPipeline":            s.getPipeline,
			"UpdatePipeline":         s.updatePipeline,
			"DeletePipeline":         s.deletePipeline,
			"ListPipelines":          s.listPipelines,
			"GetPipelineState":       s.getPipelineState,
			"StartPipelineExecution": s.startPipelineExecution,
			"StopPipelineExecution":  s.stopPipelineExecution,
			"GetPipelineExecution":   s.getPipelineExecution,
			"ListPipelineExecutions": s.listPipelineExecutions,
			"TagResource":            s.tagResource,
			"UntagResource":          s.untagResource,
			"ListTagsForResource":    s.listTagsForResource,
		},
	}
}

func (s *codepipelineState) Reset() { s.Regions = map[string]*cpRegion{} }

func (s *codepipelineState) regionNamed(name string) *cpRegion {
	r, ok := s.Regions[name]
	if !ok {
		r = &cpRegion{}
		s.Regions[name] = r
	}
	if r.Pipelines == nil {
		r.Pipelines = map[string]*cpPipeline{}
	}
	return r
}

// Live lists pipelines and their executions in progress or stopping (after advancing them to
// now).
func (s *codepipelineState) Live(now time.Time) []Resource {
	var out []Resource
	for _, region := range slices.Sorted(maps.Keys(s.Regions)) {
		pipelines := s.Regions[region].Pipelines
		for _, name := range slices.Sorted(maps.Keys(pipelines)) {
			p := pipelines[name]
			s.advance(region, p, now)
			out = append(out, Resource{Service: "codepipeline", Type: "pipeline", ID: name, Region: region, Tags: maps.Clone(p.Tags)})
			for _, e := range p.Executions {
				if e.live() {
					out = append(out, Resource{Service: "codepipeline", Type: "pipeline-execution", ID: name + "/" + e.ID, Region: region})
				}
			}
		}
	}
	return out
}

func cpValidation(format string, args ...any) *APIError {
	return Errorf("ValidationException", format, args...)
}

func cpStructure(format string, args ...any) *APIError {
	return Errorf("InvalidStructureException", format, args...)
}

func cpActionDecl(format string, args ...any) *APIError {
	return Errorf("InvalidActionDeclarationException", format, args...)
}

func cpPipelineNotFound(name string) *APIError {
	return Errorf("PipelineNotFoundException", "Account '%s' does not have a pipeline with name '%s'", Account, name)
}

// cpActionType describes an action type the simulator runs: its required and optional
// configuration and how many input and output artifacts it takes.
type cpActionType struct {
	required, optional []string
	// secret configuration is stored but shown as "****", as AWS shows it. An update that
	// sends "****" back stores it, as AWS does, and the action then fails.
	secret         []string
	minIn, maxIn   int
	minOut, maxOut int
}

var cpActionTypes = map[cpActionTypeID]cpActionType{
	{Category: "Source", Owner: "AWS", Provider: "CodeStarSourceConnection", Version: "1"}: {
		required: []string{"ConnectionArn", "FullRepositoryId", "BranchName"},
		optional: []string{"OutputArtifactFormat", "DetectChanges"},
		minOut:   1, maxOut: 1,
	},
	{Category: "Source", Owner: "ThirdParty", Provider: "GitHub", Version: "1"}: {
		required: []string{"Owner", "Repo", "Branch", "OAuthToken"},
		optional: []string{"PollForSourceChanges"},
		secret:   []string{"OAuthToken"},
		minOut:   1, maxOut: 1,
	},
	{Category: "Build", Owner: "AWS", Provider: "CodeBuild", Version: "1"}: {
		required: []string{"ProjectName"},
		optional: []string{"PrimarySource", "BatchEnabled", "CombineArtifacts", "EnvironmentVariables"},
		minIn:    1, maxIn: 5, maxOut: 5,
	},
	{Category: "Deploy", Owner: "AWS", Provider: "ECS", Version: "1"}: {
		required: []string{"ClusterName", "ServiceName"},
		optional: []string{"FileName", "DeploymentTimeout"},
		minIn:    1, maxIn: 1,
	},
}

// validate checks a declaration as CreatePipeline and UpdatePipeline do, filling in the
// defaults AWS adds (runOrder 1, empty artifact lists, pipeline type and execution mode).
func (s *codepipelineState) validate(region string, d *cpDeclaration) error {
	if !cpNameRE.MatchString(d.Name) {
		return cpValidation("1 validation error detected: Value '%s' at 'pipeline.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9.@\\-_]+", d.Name)
	}
	switch d.PipelineType {
	case "":
		d.PipelineType = "V1"
	case "V1", "V2":
	default:
		return cpValidation("1 validation error detected: Value '%s' at 'pipeline.pipelineType' failed to satisfy constraint: Member must satisfy enum value set: [V1, V2]", d.PipelineType)
	}
	switch d.ExecutionMode {
	case "":
		d.ExecutionMode = "SUPERSEDED"
	case "SUPERSEDED":
	case "QUEUED", "PARALLEL":
		if d.PipelineType != "V2" {
			return cpValidation("Execution mode %s is only supported for pipelines of type V2", d.ExecutionMode)
		}
		return cpValidation("Execution mode %s is not simulated; use SUPERSEDED", d.ExecutionMode)
	default:
		return cpValidation("1 validation error detected: Value '%s' at 'pipeline.executionMode' failed to satisfy constraint: Member must satisfy enum value set: [QUEUED, SUPERSEDED, PARALLEL]", d.ExecutionMode)
	}
	if err := s.validateRole(d.RoleArn); err != nil {
		return err
	}
	if (d.ArtifactStore == nil) == (len(d.ArtifactStores) == 0) {
		return cpStructure("Pipeline must have exactly one of artifactStore or artifactStores")
	}
	if len(d.ArtifactStores) > 0 {
		st, ok := d.ArtifactStores[region]
		if !ok {
			return cpStructure("artifactStores must contain an artifact store in the pipeline's region %s", region)
		}
		if err := s.validateStore(region, st); err != nil {
			return err
		}
	} else if err := s.validateStore(region, *d.ArtifactStore); err != nil {
		return err
	}
	if len(d.Stages) < 2 {
		return cpStructure("Pipeline has only %d stage(s). There should be a minimum of 2 stages in a pipeline", len(d.Stages))
	}
	stageNames := map[string]bool{}
	actionNames := map[string]bool{}
	produced := map[string]bool{}
	for i := range d.Stages {
		st := &d.Stages[i]
		if !cpNameRE.MatchString(st.Name) {
			return cpValidation("1 validation error detected: Value '%s' at 'pipeline.stages.%d.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9.@\\-_]+", st.Name, i+1)
		}
		if stageNames[st.Name] {
			return cpStructure("Stage name '%s' is used more than once in the pipeline", st.Name)
		}
		stageNames[st.Name] = true
		if len(st.Actions) == 0 {
			return Errorf("InvalidStageDeclarationException", "Stage '%s' must contain at least one action", st.Name)
		}
		if len(st.Actions) > 50 {
			return Errorf("InvalidStageDeclarationException", "Stage '%s' has more than 50 actions", st.Name)
		}
		// Actions of one stage see the outputs of earlier stages and of actions with a
		// lower runOrder, not of their own run order group.
		order := slices.Clone(st.Actions)
		slices.SortStableFunc(order, func(a, b cpAction) int { return a.runOrder() - b.runOrder() })
		stageOut := map[string]bool{}
		group := 0
		for j := range st.Actions {
			a := &st.Actions[j]
			if a.RunOrder == nil {
				a.RunOrder = ptr(1)
			}
			if *a.RunOrder < 1 || *a.RunOrder > 999 {
				return cpValidation("1 validation error detected: Value '%d' at 'runOrder' failed to satisfy constraint: Member must have value between 1 and 999", *a.RunOrder)
			}
			if a.InputArtifacts == nil {
				a.InputArtifacts = []cpArtifactRef{}
			}
			if a.OutputArtifacts == nil {
				a.OutputArtifacts = []cpArtifactRef{}
			}
		}
		for _, a := range order {
			if a.runOrder() != group {
				maps.Copy(produced, stageOut)
				group = a.runOrder()
			}
			if err := s.validateAction(region, i, st.Name, a, actionNames, produced); err != nil {
				return err
			}
			for _, o := range a.OutputArtifacts {
				if produced[o.Name] || stageOut[o.Name] {
					return cpStructure("Output artifact name '%s' is used more than once in the pipeline", o.Name)
				}
				stageOut[o.Name] = true
			}
		}
		maps.Copy(produced, stageOut)
	}
	return validateTriggers(d)
}

// masked is d as CodePipeline shows it, secret configuration replaced by "****".
func (d *cpDeclaration) masked() *cpDeclaration {
	out := *d
	out.Stages = slices.Clone(d.Stages)
	for i := range out.Stages {
		out.Stages[i].Actions = slices.Clone(out.Stages[i].Actions)
		for j := range out.Stages[i].Actions {
			a := &out.Stages[i].Actions[j]
			for _, k := range cpActionTypes[a.ActionTypeID].secret {
				if _, ok := a.Configuration[k]; ok {
					a.Configuration = maps.Clone(a.Configuration)
					a.Configuration[k] = "****"
				}
			}
		}
	}
	return &out
}

// validateRole requires an existing IAM role that CodePipeline may assume.
func (s *codepipelineState) validateRole(arn string) error {
	notAuthorized := cpStructure("CodePipeline is not authorized to perform AssumeRole on role %s", arn)
	prefix := "arn:aws:iam::" + Account + ":role/"
	if !strings.HasPrefix(arn, prefix) {
		return notAuthorized
	}
	svc := s.sim.Service("iam")
	if svc == nil {
		return nil
	}
	role, ok := svc.State.(*iamState).Roles[strings.ToLower(lastPart(arn))]
	if !ok || role.ARN != arn || !strings.Contains(role.AssumeRolePolicy, "codepipeline.amazonaws.com") {
		return notAuthorized
	}
	return nil
}

// validateStore requires an S3 artifact store in a bucket of the pipeline's region.
func (s *codepipelineState) validateStore(region string, st cpArtifactStore) error {
	if st.Type != "S3" {
		return cpValidation("1 validation error detected: Value '%s' at 'pipeline.artifactStore.type' failed to satisfy constraint: Member must satisfy enum value set: [S3]", st.Type)
	}
	if len(st.Location) < 3 || len(st.Location) > 63 {
		return cpValidation("1 validation error detected: Value '%s' at 'pipeline.artifactStore.location' failed to satisfy constraint: Member must have length between 3 and 63", st.Location)
	}
	svc := s.sim.Service("s3")
	if svc == nil {
		return nil
	}
	b, ok := svc.State.(*s3State).Buckets[st.Location]
	if !ok {
		return cpStructure("The artifact store location '%s' does not exist: the S3 bucket must exist before the pipeline is created", st.Location)
	}
	if b.Region != region {
		return cpStructure("The artifact store bucket '%s' is in region %s; the pipeline's artifact store must be in its region %s", st.Location, b.Region, region)
	}
	return nil
}

func (s *codepipelineState) validateAction(region string, stage int, stageName string, a cpAction, names, produced map[string]bool) error {
	if !cpNameRE.MatchString(a.Name) {
		return cpValidation("1 validation error detected: Value '%s' at 'actions.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9.@\\-_]+", a.Name)
	}
	if names[a.Name] {
		return cpStructure("Action name '%s' is used more than once in the pipeline", a.Name)
	}
	names[a.Name] = true
	id := a.ActionTypeID
	source := id.Category == "Source"
	if stage == 0 && !source {
		return cpStructure("Stage '%s' contains an action of category %s: the first stage of a pipeline must contain only source actions", stageName, id.Category)
	}
	if stage > 0 && source {
		return cpStructure("Stage '%s' contains source action '%s': source actions can only be in the first stage of a pipeline", stageName, a.Name)
	}
	typ, ok := cpActionTypes[id]
	if !ok {
		return cpActionDecl("ActionType (Category: '%s', Provider: '%s', Owner: '%s', Version: '%s') in action '%s' is not available in region '%s'",
			id.Category, id.Provider, id.Owner, id.Version, a.Name, strings.ToUpper(strings.ReplaceAll(region, "-", "_")))
	}
	for _, k := range typ.required {
		if a.Configuration[k] == "" {
			return cpActionDecl("Action configuration for action '%s' is missing required configuration '%s'", a.Name, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a.Configuration)) {
		if !slices.Contains(typ.required, k) && !slices.Contains(typ.optional, k) {
			return cpActionDecl("Action configuration for action '%s' contains unknown configuration '%s'", a.Name, k)
		}
	}
	if f := a.Configuration["OutputArtifactFormat"]; f != "" && f != "CODE_ZIP" && f != "CODEBUILD_CLONE_REF" {
		return cpActionDecl("Action configuration for action '%s' has an invalid value for OutputArtifactFormat: %s", a.Name, f)
	}
	for _, k := range []string{"DetectChanges", "PollForSourceChanges"} {
		if v, ok := a.Configuration[k]; ok && !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			return cpActionDecl("Action configuration for action '%s' has an invalid value for %s: %s; it must be true or false", a.Name, k, v)
		}
	}
	if n := len(a.InputArtifacts); n < typ.minIn || n > typ.maxIn {
		return cpActionDecl("Action '%s' of category %s and provider %s has %d input artifacts; it requires between %d and %d",
			a.Name, id.Category, id.Provider, n, typ.minIn, typ.maxIn)
	}
	if n := len(a.OutputArtifacts); n < typ.minOut || n > typ.maxOut {
		return cpActionDecl("Action '%s' of category %s and provider %s has %d output artifacts; it requires between %d and %d",
			a.Name, id.Category, id.Provider, n, typ.minOut, typ.maxOut)
	}
	for _, in := range a.InputArtifacts {
		if !produced[in.Name] {
			return cpStructure("Input Artifact Bundle %s in action '%s' is not declared as output of a preceding action", in.Name, a.Name)
		}
	}
	return nil
}

type cpTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func cpTagMap(tags []cpTag) (map[string]string, error) {
	out := map[string]string{}
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	return out, checkTags("codepipeline", out)
}

func cpTagList(tags map[string]string) []cpTag {
	out := []cpTag{}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, cpTag{Key: k, Value: tags[k]})
	}
	return out
}

func (s *codepipelineState) createPipeline(c *Call) (any, error) {
	var in struct {
		Pipeline *cpDeclaration `json:"pipeline"`
		Tags     []cpTag        `json:"tags"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if in.Pipeline == nil {
		return nil, cpValidation("1 validation error detected: Value null at 'pipeline' failed to satisfy constraint: Member must not be null")
	}
	d := in.Pipeline
	if err := s.validate(c.Region, d); err != nil {
		return nil, err
	}
	tags, err := cpTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	r := s.regionNamed(c.Region)
	if _, ok := r.Pipelines[d.Name]; ok {
		return nil, Errorf("PipelineNameInUseException", "A pipeline with the name '%s' already exists in account '%s'", d.Name, Account)
	}
	d.Version = 1
	p := &cpPipeline{Name: d.Name, ARN: ARN("codepipeline", c.Region, d.Name), Versions: []*cpDeclaration{d},
		Created: c.Now, Updated: c.Now}
	if len(tags) > 0 {
		p.Tags = tags
	}
	r.Pipelines[p.Name] = p
	// A new pipeline runs once, as on AWS.
	s.start(p, c.Now, "CreatePipeline", "arn:aws:iam::"+Account+":root")
	out := map[string]any{"pipeline": d.masked()}
	if len(tags) > 0 {
		out["tags"] = cpTagList(tags)
	}
	return out, nil
}

func (s *codepipelineState) pipeline(c *Call, name string) (*cpPipeline, error) {
	if !cpNameRE.MatchString(name) {
		return nil, cpValidation("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9.@\\-_]+", name)
	}
	p, ok := s.regionNamed(c.Region).Pipelines[name]
	if !ok {
		return nil, cpPipelineNotFound(name)
	}
	s.advance(c.Region, p, c.Now)
	return p, nil
}

func (s *codepipelineState) getPipeline(c *Call) (any, error) {
	var in struct {
		Name    string `json:"name"`
		Version *int   `json:"version"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	p, err := s.pipeline(c, in.Name)
	if err != nil {
		return nil, err
	}
	d := p.current()
	if in.Version != nil {
		if *in.Version < 1 || *in.Version > len(p.Versions) {
			return nil, Errorf("PipelineVersionNotFoundException", "Pipeline '%s' does not have version %d", p.Name, *in.Version)
		}
		d = p.Versions[*in.Version-1]
	}
	return map[string]any{"pipeline": d.masked(), "metadata": map[string]any{
		"pipelineArn": p.ARN, "created": EpochSeconds(p.Created), "updated": EpochSeconds(p.Updated),
	}}, nil
}

func (s *codepipelineState) updatePipeline(c *Call) (any, error) {
	var in struct {
		Pipeline *cpDeclaration `json:"pipeline"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if in.Pipeline == nil {
		return nil, cpValidation("1 validation error detected: Value null at 'pipeline' failed to satisfy constraint: Member must not be null")
	}
	d := in.Pipeline
	p, err := s.pipeline(c, d.Name)
	if err != nil {
		return nil, err
	}
	if err := s.validate(c.Region, d); err != nil {
		return nil, err
	}
	d.Version = len(p.Versions) + 1
	p.Versions = append(p.Versions, d)
	p.Updated = c.Now
	return map[string]any{"pipeline": d.masked()}, nil
}

// deletePipeline succeeds for a pipeline that does not exist, as on AWS.
func (s *codepipelineState) deletePipeline(c *Call) (any, error) {
	var in struct {
		Name string `json:"name"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if !cpNameRE.MatchString(in.Name) {
		return nil, cpValidation("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9.@\\-_]+", in.Name)
	}
	delete(s.regionNamed(c.Region).Pipelines, in.Name)
	return struct{}{}, nil
}

func cpPaginate[T any](s *codepipelineState, items []T, token string, maxResults *int, limit int) ([]T, string, error) {
	n := 0
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > limit {
			return nil, "", cpValidation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and %d", *maxResults, limit)
		}
		n = *maxResults
	}
	page, next, err := Paginate(items, token, n, s.sim.PageSize())
	if err != nil {
		return nil, "", Errorf("InvalidNextTokenException", "The next token was specified in an invalid format. Make sure that the next token you provide is the token returned by a previous call.")
	}
	if page == nil {
		page = []T{}
	}
	return page, next, nil
}

func withNext(out map[string]any, next string) map[string]any {
	if next != "" {
		out["nextToken"] = next
	}
	return out
}

func (s *codepipelineState) listPipelines(c *Call) (any, error) {
	var in struct {
		NextToken  string `json:"nextToken"`
		MaxResults *int   `json:"maxResults"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	pipelines := s.regionNamed(c.Region).Pipelines
	var all []map[string]any
	for _, name := range slices.Sorted(maps.Keys(pipelines)) {
		p := pipelines[name]
		d := p.current()
		all = append(all, map[string]any{"name": p.Name, "version": d.Version, "pipelineType": d.PipelineType,
			"executionMode": d.ExecutionMode, "created": EpochSeconds(p.Created), "updated": EpochSeconds(p.Updated)})
	}
	page, next, err := cpPaginate(s, all, in.NextToken, in.MaxResults, 1000)
	if err != nil {
		return nil, err
	}
	return withNext(map[string]any{"pipelines": page}, next), nil
}

// byARN finds the pipeline of a resource ARN.
func (s *codepipelineState) byARN(c *Call, arn string) (*cpPipeline, error) {
	prefix := "arn:aws:codepipeline:"
	parts := strings.SplitN(arn, ":", 6)
	if !strings.HasPrefix(arn, prefix) || len(parts) != 6 || parts[5] == "" {
		return nil, Errorf("InvalidArnException", "The ARN %s is not valid", arn)
	}
	if parts[3] != c.Region || parts[4] != Account {
		return nil, Errorf("ResourceNotFoundException", "The resource with the ARN %s was not found", arn)
	}
	p, ok := s.regionNamed(c.Region).Pipelines[parts[5]]
	if !ok {
		return nil, Errorf("ResourceNotFoundException", "The resource with the ARN %s was not found", arn)
	}
	return p, nil
}

func (s *codepipelineState) tagResource(c *Call) (any, error) {
	var in struct {
		ResourceArn string  `json:"resourceArn"`
		Tags        []cpTag `json:"tags"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	p, err := s.byARN(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags, err := cpTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	merged, ok := mergeTags(p.Tags, tags, 50)
	if !ok {
		return nil, Errorf("TooManyTagsException", "Tag limit exceeded: a resource can have at most 50 tags")
	}
	if len(merged) > 0 {
		p.Tags = merged
	}
	return struct{}{}, nil
}

func (s *codepipelineState) untagResource(c *Call) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	p, err := s.byARN(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(p.Tags, k)
	}
	if len(p.Tags) == 0 {
		p.Tags = nil
	}
	return struct{}{}, nil
}

func (s *codepipelineState) listTagsForResource(c *Call) (any, error) {
	var in struct {
		ResourceArn string `json:"resourceArn"`
		NextToken   string `json:"nextToken"`
		MaxResults  *int   `json:"maxResults"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	p, err := s.byARN(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	page, next, err := cpPaginate(s, cpTagList(p.Tags), in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	return withNext(map[string]any{"tags": page}, next), nil
}
