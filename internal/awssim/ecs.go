package awssim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"
)

func init() {
	register(newECS)
	DefaultLatencies[LatencyECSTaskStart] = 30 * time.Second
	DefaultLatencies[LatencyECSTaskStop] = 30 * time.Second
	DefaultLatencies[LatencyECSRetained] = time.Hour
	unscaled[LatencyECSRetained] = true
}

// ECS latency kinds (LatencyECSSteadyState is in clock.go).
const (
	// LatencyECSTaskStart is how long a task takes from launch to RUNNING (or to failing to
	// pull its image).
	LatencyECSTaskStart = "ecs:task:start"
	// LatencyECSTaskStop is how long a stopping task holds its network interface.
	LatencyECSTaskStop = "ecs:task:stop"
	// LatencyECSRetained is how long INACTIVE clusters and services and STOPPED
	// tasks stay describable (a retention period, not scaled).
	LatencyECSRetained = "ecs:inactive:retained"
)

// ecsState is ECS state per region. Wire format: awsJson1_1, X-Amz-Target
// AmazonEC2ContainerServiceV20141113.<Op>, member names as in the SDK's service/ecs/schemas
// (lowerCamel, tags as {key, value}).
//
// Services run Fargate tasks without goroutines: deployments, tasks and draining are stored
// as timestamps and stepped forward lazily (advance) whenever ECS state is read, at the time
// each transition was due. A task holds an EC2 network interface in one of the service's
// subnets from launch until it has stopped, so the subnet and its security groups cannot be
// deleted meanwhile; RUNNING tasks are the service's targets in its ELBv2 target groups.
type ecsState struct {
	Regions map[string]*ecsRegion `json:"regions"`
	sim     *Sim
}

type ecsRegion struct {
	Clusters  map[string]*ecsCluster `json:"clusters"`  // by name
	TaskDefs  map[string]*ecsTaskDef `json:"taskDefs"`  // by family:revision
	Revisions map[string]int         `json:"revisions"` // last revision per family, never reused
	Tasks     map[string]*ecsTask    `json:"tasks"`     // by task ID
	Tokens    Idempotency            `json:"tokens"`
}

type ecsCluster struct {
	Name      string                 `json:"name"`
	ARN       string                 `json:"arn"`
	Status    string                 `json:"status"` // ACTIVE or INACTIVE
	Settings  []ecsKV                `json:"settings,omitempty"`
	Tags      map[string]string      `json:"tags,omitempty"`
	CreatedAt time.Time              `json:"createdAt"`
	GoneAt    time.Time              `json:"goneAt,omitempty"` // an INACTIVE cluster is forgotten then
	Services  map[string]*ecsService `json:"services"`         // by name, INACTIVE ones until forgotten
}

func newECS(sim *Sim) *Service {
	s := &ecsState{sim: sim}
	s.Reset()
	return &Service{
		Name:         "ecs",
		Protocol:     JSON11,
		TargetPrefix: "AmazonEC2ContainerServiceV20141113",
		State:        s,
		Ops: map[string]Op{
			"CreateCluster":              s.createCluster,
			"DescribeClusters":           s.describeClusters,
			"DeleteCluster":              s.deleteCluster,
			"ListClusters":               s.listClusters,
			"RegisterTaskDefinition":     s.registerTaskDefinition,
			"DescribeTaskDefinition":     s.describeTaskDefinition,
			"DeregisterTaskDefinition":   s.deregisterTaskDefinition,
			"DeleteTaskDefinitions":      s.deleteTaskDefinitions,
			"ListTaskDefinitions":        s.listTaskDefinitions,
			"ListTaskDefinitionFamilies": s.listTaskDefinitionFamilies,
			"CreateService":              s.createService,
			"DescribeServices":           s.describeServices,
			"UpdateService":              s.updateService,
			"DeleteService":              s.deleteService,
			"ListServices":               s.listServices,
			"ListTasks":                  s.listTasks,
			"DescribeTasks":              s.describeTasks,
			"TagResource":                s.tagResource,
			"UntagResource":              s.untagResource,
			"ListTagsForResource":        s.listTagsForResource,
		},
	}
}

func (s *ecsState) Reset() { s.Regions = map[string]*ecsRegion{} }

func (r *ecsRegion) init() {
	if r.Clusters == nil {
		r.Clusters = map[string]*ecsCluster{}
	}
	if r.TaskDefs == nil {
		r.TaskDefs = map[string]*ecsTaskDef{}
	}
	if r.Revisions == nil {
		r.Revisions = map[string]int{}
	}
	if r.Tasks == nil {
		r.Tasks = map[string]*ecsTask{}
	}
	if r.Tokens == nil {
		r.Tokens = Idempotency{}
	}
	for _, cl := range r.Clusters {
		if cl.Services == nil {
			cl.Services = map[string]*ecsService{}
		}
	}
}

// region returns the call's regional state with every transition due by now applied.
func (s *ecsState) region(c *Call) *ecsRegion {
	return s.regionAt(c.Region, c.Now)
}

func (s *ecsState) regionAt(name string, now time.Time) *ecsRegion {
	r, ok := s.Regions[name]
	if !ok {
		r = &ecsRegion{}
		s.Regions[name] = r
	}
	r.init()
	s.advance(name, r, now)
	return r
}

// Live lists ACTIVE clusters, ACTIVE and DRAINING services, tasks that have not stopped
// and ACTIVE task definitions (INACTIVE ones are no longer live, like deleted NAT gateways).
func (s *ecsState) Live(now time.Time) []Resource {
	var out []Resource
	for _, name := range slices.Sorted(maps.Keys(s.Regions)) {
		r := s.regionAt(name, now)
		for _, cl := range r.Clusters {
			if cl.Status == "ACTIVE" {
				out = append(out, Resource{Service: "ecs", Type: "cluster", ID: cl.Name, Region: name, Tags: maps.Clone(cl.Tags)})
			}
			for _, svc := range cl.Services {
				if svc.Status != "INACTIVE" {
					out = append(out, Resource{Service: "ecs", Type: "service", ID: cl.Name + "/" + svc.Name, Region: name, Tags: maps.Clone(svc.Tags)})
				}
			}
		}
		for _, t := range r.Tasks {
			if t.State != "STOPPED" {
				out = append(out, Resource{Service: "ecs", Type: "task", ID: t.ClusterName + "/" + t.ID, Region: name})
			}
		}
		for key, td := range r.TaskDefs {
			if td.Status == "ACTIVE" {
				out = append(out, Resource{Service: "ecs", Type: "task-definition", ID: key, Region: name, Tags: maps.Clone(td.Tags)})
			}
		}
	}
	return out
}

// Wire shapes shared by the ECS operations.

type ecsKV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type ecsTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type ecsFailure struct {
	Arn    string `json:"arn,omitempty"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

func ecsInvalid(format string, args ...any) *APIError {
	return Errorf("InvalidParameterException", format, args...)
}

func ecsClientErr(format string, args ...any) *APIError {
	return Errorf("ClientException", format, args...)
}

func ecsClusterNotFound() *APIError { return Errorf("ClusterNotFoundException", "Cluster not found.") }

func ecsTagMap(tags []ecsTag) (map[string]string, error) {
	out := map[string]string{}
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	return out, checkTags("ecs", out)
}

func ecsTagList(tags map[string]string) []ecsTag {
	out := []ecsTag{}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, ecsTag{Key: k, Value: tags[k]})
	}
	return out
}

func ecsPage[T any](key string, items []T, next string) map[string]any {
	if items == nil {
		items = []T{}
	}
	out := map[string]any{key: items}
	if next != "" {
		out["nextToken"] = next
	}
	return out
}

// ecsPaginate pages with the limits of the ECS List operations (maxResults 1-100).
func (s *ecsState) ecsPaginate(items []string, token string, maxResults *int) ([]string, string, error) {
	n := 0
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > 100 {
			return nil, "", ecsInvalid("maxResults must be between 1 and 100.")
		}
		n = *maxResults
	}
	page, next, err := Paginate(items, token, n, s.sim.PageSize())
	if err != nil {
		return nil, "", ecsInvalid("Invalid token %s", token)
	}
	return page, next, nil
}

// ecsUUID is a random UUID (event, attachment and container IDs).
func ecsUUID() string { return newRequestID() }

func ecsTaskID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ecsDeploymentID is "ecs-svc/" and 19 digits, as AWS writes deployment IDs.
func ecsDeploymentID() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(9e18))
	return "ecs-svc/" + strings.Repeat("0", 19-len(n.String())) + n.String()
}

// ecsFingerprint hashes a JSON request body without the members listed in skip.
func ecsFingerprint(body []byte, skip ...string) string {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	for _, k := range skip {
		delete(m, k)
	}
	b, _ := json.Marshal(m)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// lastPart is what follows the last "/" of an ARN (or the whole string for a name).
func lastPart(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// Clusters.

// cluster resolves a cluster name or ARN ("" is the default cluster) to an ACTIVE cluster.
func (r *ecsRegion) cluster(c *Call, ref string) (*ecsCluster, error) {
	name, err := clusterName(c, ref)
	if err != nil {
		return nil, err
	}
	cl, ok := r.Clusters[name]
	if !ok {
		return nil, ecsClusterNotFound()
	}
	if cl.Status != "ACTIVE" {
		return nil, Errorf("ClusterNotFoundException", "The referenced cluster was inactive.")
	}
	return cl, nil
}

func clusterName(c *Call, ref string) (string, error) {
	switch {
	case ref == "":
		return "default", nil
	case strings.HasPrefix(ref, "arn:"):
		prefix := "arn:aws:ecs:" + c.Region + ":" + Account + ":cluster/"
		if !strings.HasPrefix(ref, prefix) {
			return "", ecsClusterNotFound()
		}
		return strings.TrimPrefix(ref, prefix), nil
	}
	return ref, nil
}

type ecsClusterOut struct {
	ClusterArn                        string   `json:"clusterArn"`
	ClusterName                       string   `json:"clusterName"`
	Status                            string   `json:"status"`
	RegisteredContainerInstancesCount int      `json:"registeredContainerInstancesCount"`
	RunningTasksCount                 int      `json:"runningTasksCount"`
	PendingTasksCount                 int      `json:"pendingTasksCount"`
	ActiveServicesCount               int      `json:"activeServicesCount"`
	Statistics                        []ecsKV  `json:"statistics"`
	Tags                              []ecsTag `json:"tags,omitempty"`
	Settings                          []ecsKV  `json:"settings,omitempty"`
	CapacityProviders                 []string `json:"capacityProviders"`
	DefaultCapacityProviderStrategy   []any    `json:"defaultCapacityProviderStrategy"`
}

func (r *ecsRegion) clusterOut(cl *ecsCluster, tags, settings bool) ecsClusterOut {
	out := ecsClusterOut{ClusterArn: cl.ARN, ClusterName: cl.Name, Status: cl.Status, Statistics: []ecsKV{},
		CapacityProviders: []string{}, DefaultCapacityProviderStrategy: []any{}}
	for _, svc := range cl.Services {
		if svc.Status == "ACTIVE" {
			out.ActiveServicesCount++
		}
	}
	for _, t := range r.Tasks {
		if t.ClusterName == cl.Name {
			switch t.State {
			case "PENDING":
				out.PendingTasksCount++
			case "RUNNING":
				out.RunningTasksCount++
			}
		}
	}
	if tags {
		out.Tags = ecsTagList(cl.Tags)
	}
	if settings {
		out.Settings = slices.Clone(cl.Settings)
		if out.Settings == nil {
			out.Settings = []ecsKV{}
		}
	}
	return out
}

func (s *ecsState) createCluster(c *Call) (any, error) {
	var in struct {
		ClusterName string   `json:"clusterName"`
		Tags        []ecsTag `json:"tags"`
		Settings    []ecsKV  `json:"settings"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	name := in.ClusterName
	if name == "" {
		name = "default"
	}
	if err := checkECSName("Cluster", name); err != nil {
		return nil, err
	}
	for _, st := range in.Settings {
		if st.Name != "containerInsights" {
			return nil, ecsInvalid("Invalid cluster setting name %s.", st.Name)
		}
		if st.Value != "enabled" && st.Value != "disabled" && st.Value != "enhanced" {
			return nil, ecsInvalid("Invalid value for containerInsights: %s. Valid values are enabled, disabled and enhanced.", st.Value)
		}
	}
	tags, err := ecsTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	r := s.region(c)
	if cl, ok := r.Clusters[name]; ok && cl.Status == "ACTIVE" {
		// CreateCluster is idempotent: an ACTIVE cluster of that name is returned as it is.
		return map[string]any{"cluster": r.clusterOut(cl, true, true)}, nil
	}
	cl := &ecsCluster{Name: name, ARN: ARN("ecs", c.Region, "cluster/"+name), Status: "ACTIVE",
		Settings: in.Settings, CreatedAt: c.Now, Services: map[string]*ecsService{}}
	if len(in.Settings) == 0 {
		cl.Settings = []ecsKV{{Name: "containerInsights", Value: "disabled"}}
	}
	if len(tags) > 0 {
		cl.Tags = tags
	}
	r.Clusters[name] = cl
	return map[string]any{"cluster": r.clusterOut(cl, true, true)}, nil
}

func (s *ecsState) describeClusters(c *Call) (any, error) {
	var in struct {
		Clusters []string `json:"clusters"`
		Include  []string `json:"include"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if len(in.Clusters) > 100 {
		return nil, ecsInvalid("clusters can have at most 100 items.")
	}
	refs := in.Clusters
	if len(refs) == 0 {
		refs = []string{"default"}
	}
	r := s.region(c)
	clusters, failures := []ecsClusterOut{}, []ecsFailure{}
	for _, ref := range refs {
		name, err := clusterName(c, ref)
		cl, ok := r.Clusters[name]
		if err != nil || !ok {
			arn := ref
			if !strings.HasPrefix(ref, "arn:") {
				arn = ARN("ecs", c.Region, "cluster/"+ref)
			}
			failures = append(failures, ecsFailure{Arn: arn, Reason: "MISSING"})
			continue
		}
		clusters = append(clusters, r.clusterOut(cl, slices.Contains(in.Include, "TAGS"), slices.Contains(in.Include, "SETTINGS")))
	}
	return map[string]any{"clusters": clusters, "failures": failures}, nil
}

// deleteCluster refuses a cluster with ACTIVE or DRAINING services; a deleted cluster is
// INACTIVE and stays describable for the retention period.
func (s *ecsState) deleteCluster(c *Call) (any, error) {
	var in struct {
		Cluster string `json:"cluster"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	r := s.region(c)
	cl, err := r.cluster(c, in.Cluster)
	if err != nil {
		return nil, err
	}
	for _, svc := range cl.Services {
		if svc.Status != "INACTIVE" {
			return nil, Errorf("ClusterContainsServicesException",
				"The Cluster cannot be deleted while Services are active.")
		}
	}
	for _, t := range r.Tasks {
		if t.ClusterName == cl.Name && t.State != "STOPPED" {
			return nil, Errorf("ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.")
		}
	}
	cl.Status = "INACTIVE"
	cl.GoneAt = c.Now.Add(c.Delay(LatencyECSRetained))
	return map[string]any{"cluster": r.clusterOut(cl, false, true)}, nil
}

func (s *ecsState) listClusters(c *Call) (any, error) {
	var in struct {
		NextToken  string `json:"nextToken"`
		MaxResults *int   `json:"maxResults"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	r := s.region(c)
	var arns []string
	for _, name := range slices.Sorted(maps.Keys(r.Clusters)) {
		if cl := r.Clusters[name]; cl.Status == "ACTIVE" {
			arns = append(arns, cl.ARN)
		}
	}
	page, next, err := s.ecsPaginate(arns, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return ecsPage("clusterArns", page, next), nil
}

// Tags on clusters, services and task definitions.

// tagsOf finds the tag map of a resource ARN.
func (s *ecsState) tagsOf(c *Call, arn string) (*map[string]string, error) {
	r := s.region(c)
	prefix := "arn:aws:ecs:" + c.Region + ":" + Account + ":"
	if !strings.HasPrefix(arn, prefix) {
		return nil, ecsInvalid("Invalid identifier: the ARN %s is not an ECS resource ARN of this account and region.", arn)
	}
	res := strings.TrimPrefix(arn, prefix)
	kind, rest, _ := strings.Cut(res, "/")
	switch kind {
	case "cluster":
		cl, ok := r.Clusters[rest]
		if !ok || cl.Status != "ACTIVE" {
			return nil, ecsClusterNotFound()
		}
		return &cl.Tags, nil
	case "service":
		clName, svcName, ok := strings.Cut(rest, "/")
		cl := r.Clusters[clName]
		if !ok || cl == nil || cl.Status != "ACTIVE" {
			return nil, ecsClusterNotFound()
		}
		svc, ok := cl.Services[svcName]
		if !ok || svc.Status == "INACTIVE" {
			return nil, Errorf("ServiceNotFoundException", "Service not found.")
		}
		return &svc.Tags, nil
	case "task-definition":
		td, ok := r.TaskDefs[rest]
		if !ok {
			return nil, ecsClientErr("Unable to describe task definition.")
		}
		return &td.Tags, nil
	case "task":
		clName, id, _ := strings.Cut(rest, "/")
		t, ok := r.Tasks[id]
		if !ok || t.ClusterName != clName {
			return nil, ecsInvalid("The specified task is stopped or does not exist.")
		}
		return &t.Tags, nil
	}
	return nil, ecsInvalid("Invalid identifier: unsupported resource type in %s.", arn)
}

func (s *ecsState) tagResource(c *Call) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		Tags        []ecsTag `json:"tags"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	tags, err := ecsTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	cur, err := s.tagsOf(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	merged := maps.Clone(*cur)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, tags)
	if len(merged) > 50 {
		return nil, ecsInvalid("Too many tags have been specified. A resource can have at most 50 tags.")
	}
	*cur = merged
	return struct{}{}, nil
}

func (s *ecsState) untagResource(c *Call) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	cur, err := s.tagsOf(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(*cur, k)
	}
	if len(*cur) == 0 {
		*cur = nil
	}
	return struct{}{}, nil
}

func (s *ecsState) listTagsForResource(c *Call) (any, error) {
	var in struct {
		ResourceArn string `json:"resourceArn"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	cur, err := s.tagsOf(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"tags": ecsTagList(*cur)}, nil
}
