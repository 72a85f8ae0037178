package awssim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"
)

func init() { register(newAppAutoScaling) }

// aasState is Application Auto Scaling state per region. Wire format: awsJson1_1,
// X-Amz-Target AnyScaleFrontendService.<Op>, member names as in the SDK's
// service/applicationautoscaling/schemas (PascalCase, tags as a map).
//
// Only ECS services are simulated (namespace ecs, dimension ecs:service:DesiredCount,
// resource ID service/<cluster>/<service>), with target tracking policies. A target is
// checked against ECS state when it is registered, and registering or changing it moves
// the service's desired count into [MinCapacity, MaxCapacity] (ecs_scaling.go). Deleting
// the ECS service leaves the target and its policies in place, as on AWS. No metrics are
// evaluated: policies and their alarms are stored, never fired.
type aasState struct {
	Regions map[string]*aasRegion `json:"regions"`
	sim     *Sim
}

type aasRegion struct {
	Targets map[string]*aasTarget `json:"targets"` // by aasKey
}

type aasTarget struct {
	Namespace  string                `json:"namespace"`
	ResourceID string                `json:"resourceId"`
	Dimension  string                `json:"dimension"`
	ARN        string                `json:"arn"`
	Min        int32                 `json:"min"`
	Max        int32                 `json:"max"`
	RoleARN    string                `json:"roleArn"`
	Suspended  aasSuspendedState     `json:"suspended"`
	CreatedAt  time.Time             `json:"createdAt"`
	Tags       map[string]string     `json:"tags,omitempty"`
	Policies   map[string]*aasPolicy `json:"policies,omitempty"` // by name
}

type aasPolicy struct {
	Name           string             `json:"name"`
	ARN            string             `json:"arn"`
	Type           string             `json:"type"`
	TargetTracking *aasTargetTracking `json:"targetTracking,omitempty"`
	Alarms         []aasAlarm         `json:"alarms"`
	CreatedAt      time.Time          `json:"createdAt"`
}

// Wire shapes, also used as stored state.

type aasSuspendedState struct {
	DynamicScalingInSuspended  bool `json:"DynamicScalingInSuspended"`
	DynamicScalingOutSuspended bool `json:"DynamicScalingOutSuspended"`
	ScheduledScalingSuspended  bool `json:"ScheduledScalingSuspended"`
}

type aasTargetTracking struct {
	TargetValue                   *float64             `json:"TargetValue,omitempty"`
	PredefinedMetricSpecification *aasPredefinedMetric `json:"PredefinedMetricSpecification,omitempty"`
	CustomizedMetricSpecification json.RawMessage      `json:"CustomizedMetricSpecification,omitempty"`
	ScaleOutCooldown              *int32               `json:"ScaleOutCooldown,omitempty"`
	ScaleInCooldown               *int32               `json:"ScaleInCooldown,omitempty"`
	DisableScaleIn                *bool                `json:"DisableScaleIn,omitempty"`
}

type aasPredefinedMetric struct {
	PredefinedMetricType string `json:"PredefinedMetricType"`
	ResourceLabel        string `json:"ResourceLabel,omitempty"`
}

type aasAlarm struct {
	AlarmName string `json:"AlarmName"`
	AlarmARN  string `json:"AlarmARN"`
}

func newAppAutoScaling(sim *Sim) *Service {
	s := &aasState{sim: sim}
	s.Reset()
	return &Service{
		Name:         "application-autoscaling",
		Protocol:     JSON11,
		TargetPrefix: "AnyScaleFrontendService",
		State:        s,
		Ops: map[string]Op{
			"RegisterScalableTarget":   s.registerScalableTarget,
			"DescribeScalableTargets":  s.describeScalableTargets,
			"DeregisterScalableTarget": s.deregisterScalableTarget,
			"PutScalingPolicy":         s.putScalingPolicy,
			"DescribeScalingPolicies":  s.describeScalingPolicies,
			"DeleteScalingPolicy":      s.deleteScalingPolicy,
			"TagResource":              s.tagResource,
			"UntagResource":            s.untagResource,
			"ListTagsForResource":      s.listTagsForResource,
		},
	}
}

func (s *aasState) Reset() { s.Regions = map[string]*aasRegion{} }

func (s *aasState) region(c *Call) *aasRegion {
	r, ok := s.Regions[c.Region]
	if !ok {
		r = &aasRegion{}
		s.Regions[c.Region] = r
	}
	if r.Targets == nil {
		r.Targets = map[string]*aasTarget{}
	}
	return r
}

// Live lists scalable targets (by resource ID) and scaling policies (resource ID and
// ":policyName/<name>", the tail of the policy ARN).
func (s *aasState) Live(time.Time) []Resource {
	var out []Resource
	for _, region := range slices.Sorted(maps.Keys(s.Regions)) {
		targets := s.Regions[region].Targets
		for _, key := range slices.Sorted(maps.Keys(targets)) {
			t := targets[key]
			out = append(out, Resource{Service: "application-autoscaling", Type: "scalable-target", ID: t.ResourceID, Region: region, Tags: maps.Clone(t.Tags)})
			for _, name := range slices.Sorted(maps.Keys(t.Policies)) {
				out = append(out, Resource{Service: "application-autoscaling", Type: "scaling-policy", ID: t.ResourceID + ":policyName/" + name, Region: region})
			}
		}
	}
	return out
}

func aasKey(namespace, resourceID, dimension string) string {
	return namespace + "|" + resourceID + "|" + dimension
}

func aasInvalid(format string, args ...any) *APIError {
	return Errorf("ValidationException", format, args...)
}

const (
	aasECS          = "ecs"
	aasECSDimension = "ecs:service:DesiredCount"
	aasMaxTags      = 50
	// aasECSRole is the service-linked role Application Auto Scaling uses for ECS.
	aasECSRole = "arn:aws:iam::" + Account + ":role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService"
)

// aasNamespaces is the ServiceNamespace enum of the SDK model.
var aasNamespaces = []string{"ecs", "elasticmapreduce", "ec2", "appstream", "dynamodb", "rds", "sagemaker",
	"custom-resource", "comprehend", "lambda", "cassandra", "kafka", "elasticache", "neptune", "workspaces"}

// aasECSMetrics are the predefined metrics a target tracking policy on an ECS service takes.
var aasECSMetrics = []string{"ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", "ALBRequestCountPerTarget"}

func validateAASNamespace(ns string) error {
	if !slices.Contains(aasNamespaces, ns) {
		return aasInvalid("1 validation error detected: Value '%s' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
			ns, strings.Join(aasNamespaces, ", "))
	}
	return nil
}

// aasTargetRef is the (namespace, resource ID, dimension) triple that names a target.
type aasTargetRef struct {
	ServiceNamespace  string `json:"ServiceNamespace"`
	ResourceID        string `json:"ResourceId"`
	ScalableDimension string `json:"ScalableDimension"`
}

// validate checks the triple names an ECS service target and returns its cluster and
// service names. Other namespaces are valid on AWS but not simulated.
func (ref aasTargetRef) validate() (cluster, service string, err error) {
	if err := validateAASNamespace(ref.ServiceNamespace); err != nil {
		return "", "", err
	}
	if ref.ServiceNamespace != aasECS {
		return "", "", aasInvalid("awssim: service namespace %s is not simulated; only ecs is", ref.ServiceNamespace)
	}
	if ref.ScalableDimension != aasECSDimension {
		return "", "", aasInvalid("Unsupported scalable dimension %s for service namespace ecs", ref.ScalableDimension)
	}
	parts := strings.Split(ref.ResourceID, "/")
	if len(parts) != 3 || parts[0] != "service" || parts[1] == "" || parts[2] == "" {
		return "", "", aasInvalid("Unsupported resource ID %s for service namespace ecs: expected service/<cluster>/<service>", ref.ResourceID)
	}
	return parts[1], parts[2], nil
}

func (ref aasTargetRef) notRegistered() *APIError {
	return Errorf("ObjectNotFoundException", "No scalable target registered for service namespace: %s, resource ID: %s, scalable dimension: %s",
		ref.ServiceNamespace, ref.ResourceID, ref.ScalableDimension)
}

func (ref aasTargetRef) key() string {
	return aasKey(ref.ServiceNamespace, ref.ResourceID, ref.ScalableDimension)
}

func (s *aasState) ecs() *ecsState { return s.sim.Service("ecs").State.(*ecsState) }

// aasTargetARN is a scalable target ARN: "scalable-target/" and 36 hex digits.
func aasTargetARN(region string) string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return ARN("application-autoscaling", region, "scalable-target/"+hex.EncodeToString(b))
}

func (s *aasState) registerScalableTarget(c *Call) (any, error) {
	var in struct {
		aasTargetRef
		MinCapacity    *int32             `json:"MinCapacity"`
		MaxCapacity    *int32             `json:"MaxCapacity"`
		RoleARN        string             `json:"RoleARN"`
		SuspendedState *aasSuspendedState `json:"SuspendedState"`
		Tags           map[string]string  `json:"Tags"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	cluster, service, err := in.validate()
	if err != nil {
		return nil, err
	}
	for name, v := range map[string]*int32{"minCapacity": in.MinCapacity, "maxCapacity": in.MaxCapacity} {
		if v != nil && *v < 0 {
			return nil, aasInvalid("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to 0", *v, name)
		}
	}
	if err := checkTags("application-autoscaling", in.Tags); err != nil {
		return nil, err
	}
	r := s.region(c)
	t, exists := r.Targets[in.key()]
	if !exists {
		if in.MinCapacity == nil || in.MaxCapacity == nil {
			return nil, aasInvalid("MinCapacity and MaxCapacity are required for registering a new scalable target")
		}
		if _, _, ok := s.ecs().scalableService(c.Region, cluster, service, c.Now); !ok {
			return nil, aasInvalid("ECS service doesn't exist: %s", in.ResourceID)
		}
		t = &aasTarget{Namespace: in.ServiceNamespace, ResourceID: in.ResourceID, Dimension: in.ScalableDimension,
			ARN: aasTargetARN(c.Region), RoleARN: aasECSRole, CreatedAt: c.Now}
	}
	lo, hi := t.Min, t.Max
	if in.MinCapacity != nil {
		lo = *in.MinCapacity
	}
	if in.MaxCapacity != nil {
		hi = *in.MaxCapacity
	}
	if lo > hi {
		return nil, aasInvalid("Minimum capacity cannot be greater than maximum capacity")
	}
	merged, ok := mergeTags(t.Tags, in.Tags, aasMaxTags)
	if !ok {
		return nil, Errorf("TooManyTagsException", "A scalable target can have no more than %d tags.", aasMaxTags)
	}
	t.Min, t.Max = lo, hi
	if in.RoleARN != "" {
		t.RoleARN = in.RoleARN
	}
	if in.SuspendedState != nil {
		t.Suspended = *in.SuspendedState
	}
	if len(merged) > 0 {
		t.Tags = merged
	}
	r.Targets[in.key()] = t
	// A service that is gone (the target outlived it) keeps the target; its capacity is
	// left alone, as AWS does for a resource that is not active.
	s.ecs().clampDesiredCount(c.Region, cluster, service, lo, hi, c.Now)
	return map[string]any{"ScalableTargetARN": t.ARN}, nil
}

type aasTargetOut struct {
	ServiceNamespace  string            `json:"ServiceNamespace"`
	ResourceID        string            `json:"ResourceId"`
	ScalableDimension string            `json:"ScalableDimension"`
	MinCapacity       int32             `json:"MinCapacity"`
	MaxCapacity       int32             `json:"MaxCapacity"`
	RoleARN           string            `json:"RoleARN"`
	CreationTime      EpochSeconds      `json:"CreationTime"`
	SuspendedState    aasSuspendedState `json:"SuspendedState"`
	ScalableTargetARN string            `json:"ScalableTargetARN"`
}

// aasPage checks MaxResults (1 to limit) and pages items; no MaxResults is the
// simulator's page size.
func aasPage[T any](s *aasState, items []T, token string, maxResults *int, limit int) ([]T, string, error) {
	n := 0
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > limit {
			return nil, "", aasInvalid("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and %d", *maxResults, limit)
		}
		n = *maxResults
	}
	page, next, err := Paginate(items, token, n, s.sim.PageSize())
	if err != nil {
		return nil, "", Errorf("InvalidNextTokenException", "Invalid token: %s", token)
	}
	return page, next, nil
}

func (s *aasState) describeScalableTargets(c *Call) (any, error) {
	var in struct {
		ServiceNamespace  string   `json:"ServiceNamespace"`
		ResourceIds       []string `json:"ResourceIds"`
		ScalableDimension string   `json:"ScalableDimension"`
		MaxResults        *int     `json:"MaxResults"`
		NextToken         string   `json:"NextToken"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := validateAASNamespace(in.ServiceNamespace); err != nil {
		return nil, err
	}
	if len(in.ResourceIds) > 50 {
		return nil, aasInvalid("1 validation error detected: Value at 'resourceIds' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	r := s.region(c)
	var keys []string
	for _, key := range slices.Sorted(maps.Keys(r.Targets)) {
		t := r.Targets[key]
		if t.Namespace != in.ServiceNamespace ||
			(len(in.ResourceIds) > 0 && !slices.Contains(in.ResourceIds, t.ResourceID)) ||
			(in.ScalableDimension != "" && t.Dimension != in.ScalableDimension) {
			continue
		}
		keys = append(keys, key)
	}
	page, next, err := aasPage(s, keys, in.NextToken, in.MaxResults, 50)
	if err != nil {
		return nil, err
	}
	out := []aasTargetOut{}
	for _, key := range page {
		t := r.Targets[key]
		out = append(out, aasTargetOut{ServiceNamespace: t.Namespace, ResourceID: t.ResourceID, ScalableDimension: t.Dimension,
			MinCapacity: t.Min, MaxCapacity: t.Max, RoleARN: t.RoleARN, CreationTime: EpochSeconds(t.CreatedAt),
			SuspendedState: t.Suspended, ScalableTargetARN: t.ARN})
	}
	res := map[string]any{"ScalableTargets": out}
	if next != "" {
		res["NextToken"] = next
	}
	return res, nil
}

// target finds a registered target; the triple must be valid.
func (s *aasState) target(c *Call, ref aasTargetRef) (*aasTarget, error) {
	if _, _, err := ref.validate(); err != nil {
		return nil, err
	}
	t, ok := s.region(c).Targets[ref.key()]
	if !ok {
		return nil, ref.notRegistered()
	}
	return t, nil
}

// deregisterScalableTarget removes a target and its scaling policies; the service keeps
// its desired count.
func (s *aasState) deregisterScalableTarget(c *Call) (any, error) {
	var in aasTargetRef
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if _, err := s.target(c, in); err != nil {
		return nil, err
	}
	delete(s.region(c).Targets, in.key())
	return struct{}{}, nil
}

func validateAASTargetTracking(tt *aasTargetTracking) error {
	if tt == nil {
		return aasInvalid("TargetTrackingScalingPolicyConfiguration is required for a policy of type TargetTrackingScaling")
	}
	if tt.TargetValue == nil {
		return aasInvalid("TargetValue is required in TargetTrackingScalingPolicyConfiguration")
	}
	if *tt.TargetValue < 8.515920e-109 || *tt.TargetValue > 1.174271e+108 {
		return aasInvalid("The target value must be between 8.515920e-109 and 1.174271e+108")
	}
	hasPredefined, hasCustom := tt.PredefinedMetricSpecification != nil, len(tt.CustomizedMetricSpecification) > 0
	if hasPredefined == hasCustom {
		return aasInvalid("Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification must be specified")
	}
	if pm := tt.PredefinedMetricSpecification; pm != nil {
		if !slices.Contains(aasECSMetrics, pm.PredefinedMetricType) {
			return aasInvalid("Unsupported predefined metric type %s for scalable dimension %s", pm.PredefinedMetricType, aasECSDimension)
		}
		if pm.PredefinedMetricType == "ALBRequestCountPerTarget" && pm.ResourceLabel == "" {
			return aasInvalid("ResourceLabel is required for predefined metric type ALBRequestCountPerTarget")
		}
		if pm.PredefinedMetricType != "ALBRequestCountPerTarget" && pm.ResourceLabel != "" {
			return aasInvalid("ResourceLabel is only valid for predefined metric type ALBRequestCountPerTarget")
		}
	}
	for _, cd := range []*int32{tt.ScaleInCooldown, tt.ScaleOutCooldown} {
		if cd != nil && (*cd < 0 || *cd > 86400) {
			return aasInvalid("1 validation error detected: Value '%d' at 'cooldown' failed to satisfy constraint: Member must have value between 0 and 86400", *cd)
		}
	}
	return nil
}

func aasUUID() string { return newRequestID() }

// aasTargetTrackingAlarms are the CloudWatch alarms AWS creates for a target tracking policy.
func aasTargetTrackingAlarms(region, resourceID string) []aasAlarm {
	var out []aasAlarm
	for _, kind := range []string{"AlarmHigh", "AlarmLow"} {
		name := "TargetTracking-" + resourceID + "-" + kind + "-" + aasUUID()
		out = append(out, aasAlarm{AlarmName: name, AlarmARN: ARN("cloudwatch", region, "alarm:"+name)})
	}
	return out
}

// putScalingPolicy creates or updates a target tracking policy; an update keeps the
// policy's ARN and alarms.
func (s *aasState) putScalingPolicy(c *Call) (any, error) {
	var in struct {
		aasTargetRef
		PolicyName                               string             `json:"PolicyName"`
		PolicyType                               string             `json:"PolicyType"`
		TargetTrackingScalingPolicyConfiguration *aasTargetTracking `json:"TargetTrackingScalingPolicyConfiguration"`
		StepScalingPolicyConfiguration           json.RawMessage    `json:"StepScalingPolicyConfiguration"`
		PredictiveScalingPolicyConfiguration     json.RawMessage    `json:"PredictiveScalingPolicyConfiguration"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if in.PolicyName == "" || len(in.PolicyName) > 256 {
		return nil, aasInvalid("1 validation error detected: Value '%s' at 'policyName' failed to satisfy constraint: Member must have length between 1 and 256", in.PolicyName)
	}
	switch in.PolicyType {
	case "TargetTrackingScaling":
	case "", "StepScaling", "PredictiveScaling":
		return nil, aasInvalid("awssim: only TargetTrackingScaling policies are simulated (PolicyType %q)", in.PolicyType)
	default:
		return nil, aasInvalid("1 validation error detected: Value '%s' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [StepScaling, TargetTrackingScaling, PredictiveScaling]", in.PolicyType)
	}
	if len(in.StepScalingPolicyConfiguration) > 0 || len(in.PredictiveScalingPolicyConfiguration) > 0 {
		return nil, aasInvalid("Only TargetTrackingScalingPolicyConfiguration may be specified for a policy of type TargetTrackingScaling")
	}
	if _, _, err := in.validate(); err != nil {
		return nil, err
	}
	if err := validateAASTargetTracking(in.TargetTrackingScalingPolicyConfiguration); err != nil {
		return nil, err
	}
	t, err := s.target(c, in.aasTargetRef)
	if err != nil {
		return nil, err
	}
	p, ok := t.Policies[in.PolicyName]
	if !ok {
		p = &aasPolicy{Name: in.PolicyName, CreatedAt: c.Now,
			ARN:    ARN("autoscaling", c.Region, "scalingPolicy:"+aasUUID()+":resource/"+t.Namespace+"/"+t.ResourceID+":policyName/"+in.PolicyName),
			Alarms: aasTargetTrackingAlarms(c.Region, t.ResourceID)}
		if t.Policies == nil {
			t.Policies = map[string]*aasPolicy{}
		}
		t.Policies[p.Name] = p
	}
	p.Type, p.TargetTracking = in.PolicyType, in.TargetTrackingScalingPolicyConfiguration
	return map[string]any{"PolicyARN": p.ARN, "Alarms": slices.Clone(p.Alarms)}, nil
}

type aasPolicyOut struct {
	PolicyARN                                string             `json:"PolicyARN"`
	PolicyName                               string             `json:"PolicyName"`
	ServiceNamespace                         string             `json:"ServiceNamespace"`
	ResourceID                               string             `json:"ResourceId"`
	ScalableDimension                        string             `json:"ScalableDimension"`
	PolicyType                               string             `json:"PolicyType"`
	TargetTrackingScalingPolicyConfiguration *aasTargetTracking `json:"TargetTrackingScalingPolicyConfiguration,omitempty"`
	Alarms                                   []aasAlarm         `json:"Alarms"`
	CreationTime                             EpochSeconds       `json:"CreationTime"`
}

func (s *aasState) describeScalingPolicies(c *Call) (any, error) {
	var in struct {
		PolicyNames       []string `json:"PolicyNames"`
		ServiceNamespace  string   `json:"ServiceNamespace"`
		ResourceID        string   `json:"ResourceId"`
		ScalableDimension string   `json:"ScalableDimension"`
		MaxResults        *int     `json:"MaxResults"`
		NextToken         string   `json:"NextToken"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := validateAASNamespace(in.ServiceNamespace); err != nil {
		return nil, err
	}
	if len(in.PolicyNames) > 50 {
		return nil, aasInvalid("1 validation error detected: Value at 'policyNames' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	r := s.region(c)
	type ref struct{ key, name string }
	var refs []ref
	for _, key := range slices.Sorted(maps.Keys(r.Targets)) {
		t := r.Targets[key]
		if t.Namespace != in.ServiceNamespace || (in.ResourceID != "" && t.ResourceID != in.ResourceID) ||
			(in.ScalableDimension != "" && t.Dimension != in.ScalableDimension) {
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(t.Policies)) {
			if len(in.PolicyNames) == 0 || slices.Contains(in.PolicyNames, name) {
				refs = append(refs, ref{key, name})
			}
		}
	}
	page, next, err := aasPage(s, refs, in.NextToken, in.MaxResults, 10)
	if err != nil {
		return nil, err
	}
	out := []aasPolicyOut{}
	for _, pr := range page {
		t := r.Targets[pr.key]
		p := t.Policies[pr.name]
		out = append(out, aasPolicyOut{PolicyARN: p.ARN, PolicyName: p.Name, ServiceNamespace: t.Namespace,
			ResourceID: t.ResourceID, ScalableDimension: t.Dimension, PolicyType: p.Type,
			TargetTrackingScalingPolicyConfiguration: p.TargetTracking, Alarms: slices.Clone(p.Alarms),
			CreationTime: EpochSeconds(p.CreatedAt)})
	}
	res := map[string]any{"ScalingPolicies": out}
	if next != "" {
		res["NextToken"] = next
	}
	return res, nil
}

func (s *aasState) deleteScalingPolicy(c *Call) (any, error) {
	var in struct {
		aasTargetRef
		PolicyName string `json:"PolicyName"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if _, _, err := in.validate(); err != nil {
		return nil, err
	}
	t, ok := s.region(c).Targets[in.key()]
	if !ok || t.Policies[in.PolicyName] == nil {
		return nil, Errorf("ObjectNotFoundException", "No scaling policy found for service namespace: %s, resource ID: %s, scalable dimension: %s, policy name: %s",
			in.ServiceNamespace, in.ResourceID, in.ScalableDimension, in.PolicyName)
	}
	delete(t.Policies, in.PolicyName)
	if len(t.Policies) == 0 {
		t.Policies = nil
	}
	return struct{}{}, nil
}

// byARN finds the scalable target of a ResourceARN (scaling policies cannot be tagged).
func (s *aasState) byARN(c *Call, arn string) (*aasTarget, error) {
	if !strings.HasPrefix(arn, "arn:aws:application-autoscaling:") || !strings.Contains(arn, ":scalable-target/") {
		return nil, aasInvalid("Invalid ARN: %s. Only scalable targets can be tagged.", arn)
	}
	for _, t := range s.region(c).Targets {
		if t.ARN == arn {
			return t, nil
		}
	}
	return nil, Errorf("ResourceNotFoundException", "No scalable target found for ARN: %s", arn)
}

func (s *aasState) tagResource(c *Call) (any, error) {
	var in struct {
		ResourceARN string            `json:"ResourceARN"`
		Tags        map[string]string `json:"Tags"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	t, err := s.byARN(c, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, aasInvalid("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if err := checkTags("application-autoscaling", in.Tags); err != nil {
		return nil, err
	}
	merged, ok := mergeTags(t.Tags, in.Tags, aasMaxTags)
	if !ok {
		return nil, Errorf("TooManyTagsException", "A scalable target can have no more than %d tags.", aasMaxTags)
	}
	t.Tags = merged
	return struct{}{}, nil
}

func (s *aasState) untagResource(c *Call) (any, error) {
	var in struct {
		ResourceARN string   `json:"ResourceARN"`
		TagKeys     []string `json:"TagKeys"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	t, err := s.byARN(c, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(t.Tags, k)
	}
	if len(t.Tags) == 0 {
		t.Tags = nil
	}
	return struct{}{}, nil
}

func (s *aasState) listTagsForResource(c *Call) (any, error) {
	var in struct {
		ResourceARN string `json:"ResourceARN"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	t, err := s.byARN(c, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	tags := t.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return map[string]any{"Tags": tags}, nil
}
