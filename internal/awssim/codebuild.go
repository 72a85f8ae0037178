package awssim

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"
)

func init() {
	register(newCodeBuild)
	DefaultLatencies[LatencyCodeBuildBuild] = 120 * time.Second
}

// LatencyCodeBuildBuild is how long a build takes from SUBMITTED to COMPLETED when every
// phase runs; the phases share it in fixed proportions (see cbPhaseShare).
const LatencyCodeBuildBuild = "codebuild:build"

// codebuildState is CodeBuild state per region. Wire format: awsJson1_1, X-Amz-Target
// CodeBuild_20161006.<Op>, camelCase member names as in the SDK's service/codebuild
// serializers. Builds advance lazily on the simulator clock (codebuild_builds.go).
type codebuildState struct {
	Regions map[string]*cbRegion `json:"regions"`
	sim     *Sim
}

type cbRegion struct {
	Projects map[string]*cbProject `json:"projects"` // by name
	Builds   map[string]*cbBuild   `json:"builds"`   // by ID (project:uuid); kept after DeleteProject, as on AWS
	// Numbers is the last build number per project name; AWS does not reuse numbers when a
	// project is re-created under the same name, nor do we.
	Numbers map[string]int64 `json:"numbers"`
}

type cbProject struct {
	Name         string            `json:"name"`
	ARN          string            `json:"arn"`
	Description  string            `json:"description,omitempty"`
	Source       cbSource          `json:"source"`
	Artifacts    cbArtifacts       `json:"artifacts"`
	Environment  cbEnvironment     `json:"environment"`
	ServiceRole  string            `json:"serviceRole"` // always an ARN
	Logs         cbLogsConfig      `json:"logsConfig"`
	Timeout      int32             `json:"timeoutInMinutes"`
	QueueTimeout int32             `json:"queuedTimeoutInMinutes"`
	Tags         map[string]string `json:"tags,omitempty"`
	Created      time.Time         `json:"created"`
	LastModified time.Time         `json:"lastModified"`
}

// Wire shapes; they double as the stored form.

type cbSource struct {
	Type      string `json:"type"`
	Location  string `json:"location,omitempty"`
	Buildspec string `json:"buildspec,omitempty"`
}

type cbArtifacts struct {
	Type     string `json:"type"`
	Location string `json:"location,omitempty"`
	Name     string `json:"name,omitempty"`
}

type cbEnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

type cbEnvironment struct {
	Type                 string     `json:"type"`
	Image                string     `json:"image"`
	ComputeType          string     `json:"computeType"`
	PrivilegedMode       bool       `json:"privilegedMode"`
	EnvironmentVariables []cbEnvVar `json:"environmentVariables"`
	ImagePullCredentials string     `json:"imagePullCredentialsType,omitempty"`
}

type cbCloudWatchLogs struct {
	Status     string `json:"status"`
	GroupName  string `json:"groupName,omitempty"`
	StreamName string `json:"streamName,omitempty"`
}

type cbS3Logs struct {
	Status   string `json:"status"`
	Location string `json:"location,omitempty"`
}

type cbLogsConfig struct {
	CloudWatchLogs cbCloudWatchLogs `json:"cloudWatchLogs"`
	S3Logs         cbS3Logs         `json:"s3Logs"`
}

type cbTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func newCodeBuild(sim *Sim) *Service {
	s := &codebuildState{sim: sim}
	s.Reset()
	return &Service{
		Name:         "codebuild",
		Protocol:     JSON11,
		TargetPrefix: "CodeBuild_20161006",
		State:        s,
		Ops: map[string]Op{
			"CreateProject":        s.createProject,
			"BatchGetProjects":     s.batchGetProjects,
			"ListProjects":         s.listProjects,
			"UpdateProject":        s.updateProject,
			"DeleteProject":        s.deleteProject,
			"StartBuild":           s.startBuild,
			"StopBuild":            s.stopBuild,
			"BatchGetBuilds":       s.batchGetBuilds,
			"ListBuildsForProject": s.listBuildsForProject,
			"ListBuilds":           s.listBuilds,
		},
	}
}

func (s *codebuildState) Reset() { s.Regions = map[string]*cbRegion{} }

func (s *codebuildState) regionNamed(name string) *cbRegion {
	r, ok := s.Regions[name]
	if !ok {
		r = &cbRegion{}
		s.Regions[name] = r
	}
	if r.Projects == nil {
		r.Projects = map[string]*cbProject{}
	}
	if r.Builds == nil {
		r.Builds = map[string]*cbBuild{}
	}
	if r.Numbers == nil {
		r.Numbers = map[string]int64{}
	}
	return r
}

// region returns the call's region with every build advanced to the call's time.
func (s *codebuildState) region(c *Call) *cbRegion {
	r := s.regionNamed(c.Region)
	s.advanceRegion(c.Region, r, c.Now)
	return r
}

// Live lists projects and builds still in progress. It advances builds first, so a build
// that finished (and pushed its image to ECR) by now is not listed; "codebuild" sorts
// before "ecr", so the inventory shows the pushed image in the same listing.
func (s *codebuildState) Live(now time.Time) []Resource {
	var out []Resource
	for _, region := range slices.Sorted(maps.Keys(s.Regions)) {
		r := s.regionNamed(region)
		s.advanceRegion(region, r, now)
		for _, name := range slices.Sorted(maps.Keys(r.Projects)) {
			out = append(out, Resource{Service: "codebuild", Type: "project", ID: name, Region: region, Tags: maps.Clone(r.Projects[name].Tags)})
		}
		for _, id := range slices.Sorted(maps.Keys(r.Builds)) {
			if !r.Builds[id].Complete {
				out = append(out, Resource{Service: "codebuild", Type: "build", ID: id, Region: region})
			}
		}
	}
	return out
}

func cbInvalid(format string, args ...any) *APIError {
	return Errorf("InvalidInputException", format, args...)
}

func cbValidation(format string, args ...any) *APIError {
	return Errorf("ValidationException", "1 validation error detected: "+format, args...)
}

func cbProjectARN(region, name string) string { return ARN("codebuild", region, "project/"+name) }

func cbProjectNotFound(region, name string) *APIError {
	return Errorf("ResourceNotFoundException", "Project cannot be found: %s", cbProjectARN(region, name))
}

var (
	cbSourceTypes    = []string{"CODECOMMIT", "CODEPIPELINE", "GITHUB", "GITLAB", "GITLAB_SELF_MANAGED", "S3", "BITBUCKET", "GITHUB_ENTERPRISE", "NO_SOURCE"}
	cbArtifactsTypes = []string{"CODEPIPELINE", "S3", "NO_ARTIFACTS"}
	cbEnvTypes       = []string{"WINDOWS_CONTAINER", "LINUX_CONTAINER", "LINUX_GPU_CONTAINER", "ARM_CONTAINER", "WINDOWS_SERVER_2019_CONTAINER", "WINDOWS_SERVER_2022_CONTAINER", "LINUX_LAMBDA_CONTAINER", "ARM_LAMBDA_CONTAINER", "LINUX_EC2", "ARM_EC2", "WINDOWS_EC2", "MAC_ARM"}
	cbComputeTypes   = []string{"BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE", "BUILD_GENERAL1_XLARGE", "BUILD_GENERAL1_2XLARGE", "BUILD_LAMBDA_1GB", "BUILD_LAMBDA_2GB", "BUILD_LAMBDA_4GB", "BUILD_LAMBDA_8GB", "BUILD_LAMBDA_10GB", "ATTRIBUTE_BASED_COMPUTE", "CUSTOM_INSTANCE_TYPE"}
	cbEnvVarTypes    = []string{"PLAINTEXT", "PARAMETER_STORE", "SECRETS_MANAGER"}
)

func cbEnum(field, v string, allowed []string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return cbValidation("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", v, field, strings.Join(allowed, ", "))
}

// cbProjectInput is the body of CreateProject and UpdateProject; pointers tell an
// UpdateProject field that was left out from one that was cleared.
type cbProjectInput struct {
	Name             string         `json:"name"`
	Description      *string        `json:"description"`
	Source           *cbSource      `json:"source"`
	Artifacts        *cbArtifacts   `json:"artifacts"`
	Environment      *cbEnvironment `json:"environment"`
	ServiceRole      *string        `json:"serviceRole"`
	LogsConfig       *cbLogsConfig  `json:"logsConfig"`
	TimeoutInMinutes *int32         `json:"timeoutInMinutes"`
	QueuedTimeout    *int32         `json:"queuedTimeoutInMinutes"`
	Tags             *[]cbTag       `json:"tags"`
}

// apply copies the given fields of in onto p and validates the result.
func (s *codebuildState) apply(c *Call, p *cbProject, in cbProjectInput) error {
	if in.Description != nil {
		p.Description = *in.Description
	}
	if in.Source != nil {
		p.Source = *in.Source
	}
	if in.Artifacts != nil {
		p.Artifacts = *in.Artifacts
	}
	if in.Environment != nil {
		env := *in.Environment
		env.EnvironmentVariables = slices.Clone(env.EnvironmentVariables)
		for i := range env.EnvironmentVariables {
			if env.EnvironmentVariables[i].Type == "" {
				env.EnvironmentVariables[i].Type = "PLAINTEXT"
			}
		}
		if env.ImagePullCredentials == "" {
			env.ImagePullCredentials = "CODEBUILD"
		}
		p.Environment = env
	}
	if in.LogsConfig != nil {
		p.Logs = *in.LogsConfig
		if p.Logs.CloudWatchLogs.Status == "" {
			p.Logs.CloudWatchLogs.Status = "ENABLED"
		}
		if p.Logs.S3Logs.Status == "" {
			p.Logs.S3Logs.Status = "DISABLED"
		}
	}
	if in.TimeoutInMinutes != nil {
		if *in.TimeoutInMinutes < 5 || *in.TimeoutInMinutes > 2160 {
			return cbValidation("Value '%d' at 'timeoutInMinutes' failed to satisfy constraint: Member must have value between 5 and 2160", *in.TimeoutInMinutes)
		}
		p.Timeout = *in.TimeoutInMinutes
	}
	if in.QueuedTimeout != nil {
		if *in.QueuedTimeout < 5 || *in.QueuedTimeout > 480 {
			return cbValidation("Value '%d' at 'queuedTimeoutInMinutes' failed to satisfy constraint: Member must have value between 5 and 480", *in.QueuedTimeout)
		}
		p.QueueTimeout = *in.QueuedTimeout
	}
	if in.Tags != nil {
		tags, err := cbTagMap(*in.Tags)
		if err != nil {
			return err
		}
		p.Tags = tags
	}
	if err := cbEnum("source.type", p.Source.Type, cbSourceTypes); err != nil {
		return err
	}
	if err := cbEnum("artifacts.type", p.Artifacts.Type, cbArtifactsTypes); err != nil {
		return err
	}
	if err := cbEnum("environment.type", p.Environment.Type, cbEnvTypes); err != nil {
		return err
	}
	if err := cbEnum("environment.computeType", p.Environment.ComputeType, cbComputeTypes); err != nil {
		return err
	}
	if p.Environment.Image == "" {
		return cbValidation("Value null at 'environment.image' failed to satisfy constraint: Member must not be null")
	}
	for _, v := range p.Environment.EnvironmentVariables {
		if v.Name == "" {
			return cbValidation("Value '' at 'environment.environmentVariables.member.name' failed to satisfy constraint: Member must have length greater than or equal to 1")
		}
		if err := cbEnum("environment.environmentVariables.member.type", v.Type, cbEnvVarTypes); err != nil {
			return err
		}
		if strings.HasPrefix(v.Name, "CODEBUILD_") {
			return cbInvalid("Invalid input: environment variable names prefixed with 'CODEBUILD_' are reserved")
		}
	}
	if (p.Source.Type == "CODEPIPELINE") != (p.Artifacts.Type == "CODEPIPELINE") {
		return cbInvalid("Invalid input: when using CodePipeline both sourceType, and artifactType must be set to: CODEPIPELINE")
	}
	switch p.Source.Type {
	case "NO_SOURCE":
		if p.Source.Buildspec == "" {
			return cbInvalid("Invalid input: buildspec cannot be empty for NO_SOURCE source type")
		}
	case "CODEPIPELINE":
	default:
		if p.Source.Location == "" {
			return cbInvalid("Invalid input: source location cannot be empty for source type %s", p.Source.Type)
		}
	}
	if in.ServiceRole != nil {
		arn, err := s.serviceRole(c, *in.ServiceRole)
		if err != nil {
			return err
		}
		p.ServiceRole = arn
	}
	return nil
}

// serviceRole resolves a role name or ARN to the ARN of a role in the simulator's IAM that
// trusts codebuild.amazonaws.com; anything else is the error AWS gives when CodeBuild cannot
// assume the role.
func (s *codebuildState) serviceRole(c *Call, ref string) (string, error) {
	if ref == "" {
		return "", cbValidation("Value '' at 'serviceRole' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	arn := ref
	if !strings.HasPrefix(ref, "arn:") {
		arn = "arn:aws:iam::" + Account + ":role/" + ref
	}
	if !s.assumableByCodeBuild(c, arn) {
		return "", cbInvalid("CodeBuild is not authorized to perform: sts:AssumeRole on %s", arn)
	}
	return arn, nil
}

func cbTagMap(tags []cbTag) (map[string]string, error) {
	out := map[string]string{}
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	if err := checkTags("codebuild", out); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

type cbProjectOut struct {
	Name                   string        `json:"name"`
	Arn                    string        `json:"arn"`
	Description            string        `json:"description,omitempty"`
	Source                 cbSource      `json:"source"`
	Artifacts              cbArtifacts   `json:"artifacts"`
	Environment            cbEnvironment `json:"environment"`
	ServiceRole            string        `json:"serviceRole"`
	TimeoutInMinutes       int32         `json:"timeoutInMinutes"`
	QueuedTimeoutInMinutes int32         `json:"queuedTimeoutInMinutes"`
	EncryptionKey          string        `json:"encryptionKey"`
	Tags                   []cbTag       `json:"tags"`
	Created                EpochSeconds  `json:"created"`
	LastModified           EpochSeconds  `json:"lastModified"`
	Badge                  struct {
		BadgeEnabled bool `json:"badgeEnabled"`
	} `json:"badge"`
	LogsConfig        cbLogsConfig `json:"logsConfig"`
	ProjectVisibility string       `json:"projectVisibility"`
}

func cbTagList(tags map[string]string) []cbTag {
	out := []cbTag{}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, cbTag{Key: k, Value: tags[k]})
	}
	return out
}

// cbDefaultKey is the AWS managed S3 key CodeBuild encrypts artifacts with by default.
func cbDefaultKey(region string) string { return ARN("kms", region, "alias/aws/s3") }

func (p *cbProject) out(region string) cbProjectOut {
	env := p.Environment
	if env.EnvironmentVariables == nil {
		env.EnvironmentVariables = []cbEnvVar{}
	}
	return cbProjectOut{
		Name: p.Name, Arn: p.ARN, Description: p.Description, Source: p.Source, Artifacts: p.Artifacts,
		Environment: env, ServiceRole: p.ServiceRole, TimeoutInMinutes: p.Timeout,
		QueuedTimeoutInMinutes: p.QueueTimeout, EncryptionKey: cbDefaultKey(region), Tags: cbTagList(p.Tags),
		Created: EpochSeconds(p.Created), LastModified: EpochSeconds(p.LastModified),
		LogsConfig: p.Logs, ProjectVisibility: "PRIVATE",
	}
}

func (s *codebuildState) createProject(c *Call) (any, error) {
	var in cbProjectInput
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := checkProjectName(in.Name); err != nil {
		return nil, err
	}
	for _, req := range []struct {
		field   string
		missing bool
	}{{"source", in.Source == nil}, {"artifacts", in.Artifacts == nil}, {"environment", in.Environment == nil}, {"serviceRole", in.ServiceRole == nil}} {
		if req.missing {
			return nil, cbValidation("Value null at '%s' failed to satisfy constraint: Member must not be null", req.field)
		}
	}
	r := s.region(c)
	if _, ok := r.Projects[in.Name]; ok {
		return nil, Errorf("ResourceAlreadyExistsException", "Project already exists: %s", cbProjectARN(c.Region, in.Name))
	}
	p := &cbProject{
		Name: in.Name, ARN: cbProjectARN(c.Region, in.Name), Timeout: 60, QueueTimeout: 480,
		Logs:    cbLogsConfig{CloudWatchLogs: cbCloudWatchLogs{Status: "ENABLED"}, S3Logs: cbS3Logs{Status: "DISABLED"}},
		Created: c.Now, LastModified: c.Now,
	}
	if err := s.apply(c, p, in); err != nil {
		return nil, err
	}
	r.Projects[p.Name] = p
	return map[string]any{"project": p.out(c.Region)}, nil
}

func (s *codebuildState) updateProject(c *Call) (any, error) {
	var in cbProjectInput
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	r := s.region(c)
	p, ok := r.Projects[in.Name]
	if !ok {
		return nil, cbProjectNotFound(c.Region, in.Name)
	}
	next := *p // validate on a copy: a rejected update changes nothing
	next.Environment.EnvironmentVariables = slices.Clone(p.Environment.EnvironmentVariables)
	next.Tags = maps.Clone(p.Tags)
	if err := s.apply(c, &next, in); err != nil {
		return nil, err
	}
	next.LastModified = c.Now
	*p = next
	return map[string]any{"project": p.out(c.Region)}, nil
}

// DeleteProject succeeds for a project that does not exist, as on AWS. Builds are kept.
func (s *codebuildState) deleteProject(c *Call) (any, error) {
	var in struct {
		Name string `json:"name"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, cbValidation("Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	name := strings.TrimPrefix(in.Name, cbProjectARN(c.Region, ""))
	delete(s.region(c).Projects, name)
	return struct{}{}, nil
}

func (s *codebuildState) batchGetProjects(c *Call) (any, error) {
	var in struct {
		Names []string `json:"names"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if len(in.Names) < 1 || len(in.Names) > 100 {
		return nil, cbValidation("Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 100, Member must have length greater than or equal to 1")
	}
	r := s.region(c)
	found, missing := []cbProjectOut{}, []string{}
	for _, ref := range in.Names {
		if p, ok := r.Projects[strings.TrimPrefix(ref, cbProjectARN(c.Region, ""))]; ok {
			found = append(found, p.out(c.Region))
		} else {
			missing = append(missing, ref)
		}
	}
	return map[string]any{"projects": found, "projectsNotFound": missing}, nil
}

// ListProjects sorts by name, ascending, unless told otherwise (AWS documents no default).
func (s *codebuildState) listProjects(c *Call) (any, error) {
	var in struct {
		SortBy    string `json:"sortBy"`
		SortOrder string `json:"sortOrder"`
		NextToken string `json:"nextToken"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	sortBy, order := cmp.Or(in.SortBy, "NAME"), cmp.Or(in.SortOrder, "ASCENDING")
	if err := cbEnum("sortBy", sortBy, []string{"NAME", "CREATED_TIME", "LAST_MODIFIED_TIME"}); err != nil {
		return nil, err
	}
	if err := cbEnum("sortOrder", order, []string{"ASCENDING", "DESCENDING"}); err != nil {
		return nil, err
	}
	projects := slices.Collect(maps.Values(s.region(c).Projects))
	slices.SortFunc(projects, func(a, b *cbProject) int {
		var d int
		switch sortBy {
		case "CREATED_TIME":
			d = a.Created.Compare(b.Created)
		case "LAST_MODIFIED_TIME":
			d = a.LastModified.Compare(b.LastModified)
		}
		return cmp.Or(d, strings.Compare(a.Name, b.Name))
	})
	if order == "DESCENDING" {
		slices.Reverse(projects)
	}
	names := make([]string, len(projects))
	for i, p := range projects {
		names[i] = p.Name
	}
	page, next, err := Paginate(names, in.NextToken, 0, s.sim.PageSize())
	if err != nil {
		return nil, cbInvalid("Invalid pagination token")
	}
	out := map[string]any{"projects": append([]string{}, page...)}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}
