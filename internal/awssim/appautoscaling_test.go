package awssim_test

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/flaskops/flask-operator/internal/awssim"
)

// aasEnv is an ECS environment (VPC, subnets, one cluster "demo") with an Application
// Auto Scaling client.
type aasEnv struct {
	*ecsEnv
	aas *aas.Client
	td  string
}

func newAASEnv(t *testing.T, opts ...awssim.Option) *aasEnv {
	t.Helper()
	e := &aasEnv{ecsEnv: newECSEnv(t, opts...)}
	e.aas = aas.NewFromConfig(e.cfg(ecsRegion))
	e.cluster(t, "demo")
	e.td = e.taskDef(t, "demo", "nginx:1.27")
	return e
}

// ecsService creates a Fargate service in the demo cluster.
func (e *aasEnv) ecsService(t *testing.T, name string, desired int32) {
	t.Helper()
	must[*ecs.CreateServiceOutput](t, "create service "+name)(e.ecs.CreateService(bg, e.serviceInput("demo", name, e.td, desired)))
}

func (e *aasEnv) desired(t *testing.T, name string) int32 {
	t.Helper()
	svc := e.service(t, "demo", name)
	if svc.Deployments[0].DesiredCount != svc.DesiredCount {
		t.Fatalf("%s: service desired %d, PRIMARY deployment %d", name, svc.DesiredCount, svc.Deployments[0].DesiredCount)
	}
	return svc.DesiredCount
}

func registerInput(resourceID string, lo, hi *int32) *aas.RegisterScalableTargetInput {
	return &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String(resourceID),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: lo, MaxCapacity: hi}
}

func (e *aasEnv) register(t *testing.T, resourceID string, lo, hi int32) string {
	t.Helper()
	out := must[*aas.RegisterScalableTargetOutput](t, "register "+resourceID)(e.aas.RegisterScalableTarget(bg, registerInput(resourceID, aws.Int32(lo), aws.Int32(hi))))
	return aws.ToString(out.ScalableTargetARN)
}

func (e *aasEnv) targets(t *testing.T, in *aas.DescribeScalableTargetsInput) []aastypes.ScalableTarget {
	t.Helper()
	var out []aastypes.ScalableTarget
	pages := aas.NewDescribeScalableTargetsPaginator(e.aas, in)
	for pages.HasMorePages() {
		out = append(out, must[*aas.DescribeScalableTargetsOutput](t, "describe targets")(pages.NextPage(bg)).ScalableTargets...)
	}
	return out
}

func cpuPolicy(resourceID, name string, target float64) *aas.PutScalingPolicyInput {
	return &aas.PutScalingPolicyInput{
		PolicyName: aws.String(name), ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String(resourceID),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
		TargetTrackingScalingPolicyConfiguration: &aastypes.TargetTrackingScalingPolicyConfiguration{
			TargetValue:                   aws.Float64(target),
			PredefinedMetricSpecification: &aastypes.PredefinedMetricSpecification{PredefinedMetricType: aastypes.MetricTypeECSServiceAverageCPUUtilization},
			ScaleInCooldown:               aws.Int32(300), ScaleOutCooldown: aws.Int32(60),
		},
	}
}

func (e *aasEnv) policies(t *testing.T, in *aas.DescribeScalingPoliciesInput) []aastypes.ScalingPolicy {
	t.Helper()
	var out []aastypes.ScalingPolicy
	pages := aas.NewDescribeScalingPoliciesPaginator(e.aas, in)
	for pages.HasMorePages() {
		out = append(out, must[*aas.DescribeScalingPoliciesOutput](t, "describe policies")(pages.NextPage(bg)).ScalingPolicies...)
	}
	return out
}

var targetARNRE = regexp.MustCompile(`^arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/[0-9a-f]{36}$`)

func TestAppAutoScalingScalableTargets(t *testing.T) {
	e := newAASEnv(t)
	e.ecsService(t, "app", 1)
	e.ecsService(t, "worker", 5)

	in := registerInput("service/demo/app", aws.Int32(2), aws.Int32(4))
	in.Tags = map[string]string{"flaskops.io/owner": "ns/app"}
	arn := aws.ToString(must[*aas.RegisterScalableTargetOutput](t, "register")(e.aas.RegisterScalableTarget(bg, in)).ScalableTargetARN)
	if !targetARNRE.MatchString(arn) {
		t.Fatalf("target ARN %q", arn)
	}
	// Registering moves the desired count into the range, and the scheduler follows.
	if got := e.desired(t, "app"); got != 2 {
		t.Fatalf("app desired %d after min 2, want 2", got)
	}
	if svc := e.waitRollout(t, "demo", "app"); svc.RunningCount != 2 {
		t.Fatalf("app running %d, want 2", svc.RunningCount)
	}
	got := e.targets(t, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	if len(got) != 1 {
		t.Fatalf("%d targets, want 1", len(got))
	}
	tg := got[0]
	if aws.ToString(tg.ResourceId) != "service/demo/app" || tg.ScalableDimension != aastypes.ScalableDimensionECSServiceDesiredCount ||
		tg.ServiceNamespace != aastypes.ServiceNamespaceEcs || aws.ToInt32(tg.MinCapacity) != 2 || aws.ToInt32(tg.MaxCapacity) != 4 ||
		aws.ToString(tg.ScalableTargetARN) != arn || !tg.CreationTime.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		!strings.HasSuffix(aws.ToString(tg.RoleARN), "/AWSServiceRoleForApplicationAutoScaling_ECSService") ||
		tg.SuspendedState == nil || aws.ToBool(tg.SuspendedState.DynamicScalingInSuspended) {
		t.Fatalf("target %+v", tg)
	}

	// Registering again is an update: same ARN; unspecified bounds stay; the count is
	// clamped again, down this time.
	again := must[*aas.RegisterScalableTargetOutput](t, "re-register")(e.aas.RegisterScalableTarget(bg, registerInput("service/demo/app", nil, aws.Int32(3))))
	if aws.ToString(again.ScalableTargetARN) != arn {
		t.Fatalf("update returned ARN %q, want %q", aws.ToString(again.ScalableTargetARN), arn)
	}
	e.register(t, "service/demo/worker", 1, 3)
	if got := e.desired(t, "worker"); got != 3 {
		t.Fatalf("worker desired %d after max 3, want 3", got)
	}
	// Within range: left alone.
	e.register(t, "service/demo/worker", 0, 10)
	if got := e.desired(t, "worker"); got != 3 {
		t.Fatalf("worker desired %d after widening, want 3", got)
	}
	tgs := e.targets(t, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{"service/demo/app"}})
	if len(tgs) != 1 || aws.ToInt32(tgs[0].MinCapacity) != 2 || aws.ToInt32(tgs[0].MaxCapacity) != 3 {
		t.Fatalf("app after update %+v", tgs)
	}

	for _, tc := range []struct {
		name string
		in   *aas.RegisterScalableTargetInput
		code string
	}{
		{"unknown cluster", registerInput("service/nope/app", aws.Int32(1), aws.Int32(2)), "ValidationException"},
		{"unknown service", registerInput("service/demo/nope", aws.Int32(1), aws.Int32(2)), "ValidationException"},
		{"min over max", registerInput("service/demo/app", aws.Int32(4), nil), "ValidationException"},
		{"new target without bounds", registerInput("service/demo/other", nil, nil), "ValidationException"},
		{"negative min", registerInput("service/demo/app", aws.Int32(-1), aws.Int32(2)), "ValidationException"},
		{"not a service resource", registerInput("cluster/demo", aws.Int32(1), aws.Int32(2)), "ValidationException"},
	} {
		_, err := e.aas.RegisterScalableTarget(bg, tc.in)
		wantCode(t, tc.name, err, tc.code)
	}
	bad := registerInput("service/demo/app", aws.Int32(1), aws.Int32(2))
	bad.ScalableDimension = aastypes.ScalableDimensionDynamoDBTableReadCapacityUnits
	_, err := e.aas.RegisterScalableTarget(bg, bad)
	wantCode(t, "wrong dimension", err, "ValidationException")
	// Regions are separate.
	other := aas.NewFromConfig(e.cfg("eu-west-1"))
	if out := must[*aas.DescribeScalableTargetsOutput](t, "describe eu")(other.DescribeScalableTargets(bg, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})); len(out.ScalableTargets) != 0 {
		t.Fatalf("eu-west-1 targets %+v", out.ScalableTargets)
	}
	if ids := e.live("application-autoscaling", "scalable-target"); fmt.Sprint(ids) != "[us-east-1/service/demo/app us-east-1/service/demo/worker]" {
		t.Fatalf("inventory %v", ids)
	}

	// Deregistering leaves the service's count as it is.
	must[*aas.DeregisterScalableTargetOutput](t, "deregister")(e.aas.DeregisterScalableTarget(bg, &aas.DeregisterScalableTargetInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/demo/worker"), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount}))
	_, err = e.aas.DeregisterScalableTarget(bg, &aas.DeregisterScalableTargetInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/demo/worker"), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount})
	wantCode(t, "deregister twice", err, "ObjectNotFoundException")
	if got := e.desired(t, "worker"); got != 3 {
		t.Fatalf("worker desired %d after deregister, want 3", got)
	}
	if ids := e.live("application-autoscaling", "scalable-target"); fmt.Sprint(ids) != "[us-east-1/service/demo/app]" {
		t.Fatalf("inventory after deregister %v", ids)
	}
}

// TestAppAutoScalingOutlivesECSService: deleting the service deregisters nothing; the
// target stays describable and updatable, and deregistering it still works.
func TestAppAutoScalingOutlivesECSService(t *testing.T) {
	e := newAASEnv(t, awssim.WithTimeScale(0))
	e.ecsService(t, "app", 1)
	arn := e.register(t, "service/demo/app", 1, 2)
	must[*aas.PutScalingPolicyOutput](t, "policy")(e.aas.PutScalingPolicy(bg, cpuPolicy("service/demo/app", "cpu", 60)))
	must[*ecs.DeleteServiceOutput](t, "delete service")(e.ecs.DeleteService(bg, &ecs.DeleteServiceInput{Cluster: aws.String("demo"), Service: aws.String("app"), Force: aws.Bool(true)}))
	if st := aws.ToString(e.service(t, "demo", "app").Status); st != "INACTIVE" {
		t.Fatalf("service %s", st)
	}
	tgs := e.targets(t, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	if len(tgs) != 1 || aws.ToString(tgs[0].ScalableTargetARN) != arn {
		t.Fatalf("targets after service delete %+v", tgs)
	}
	if got := e.policies(t, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs}); len(got) != 1 {
		t.Fatalf("%d policies after service delete, want 1", len(got))
	}
	if again := e.register(t, "service/demo/app", 0, 3); again != arn {
		t.Fatalf("update of orphaned target: ARN %q, want %q", again, arn)
	}
	// A service of the same name created afresh is scaled by the old target.
	e.ecsService(t, "app", 5)
	e.register(t, "service/demo/app", 0, 3)
	if got := e.desired(t, "app"); got != 3 {
		t.Fatalf("recreated service desired %d, want 3", got)
	}
	must[*aas.DeregisterScalableTargetOutput](t, "deregister")(e.aas.DeregisterScalableTarget(bg, &aas.DeregisterScalableTargetInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/demo/app"), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount}))
	for _, r := range e.sim.ListLive() {
		if r.Service == "application-autoscaling" {
			t.Fatalf("left after deregister: %+v", r)
		}
	}
}

func TestAppAutoScalingPolicies(t *testing.T) {
	e := newAASEnv(t)
	e.ecsService(t, "app", 1)
	e.ecsService(t, "worker", 1)
	_, err := e.aas.PutScalingPolicy(bg, cpuPolicy("service/demo/app", "cpu", 60))
	wantCode(t, "policy without target", err, "ObjectNotFoundException")
	e.register(t, "service/demo/app", 1, 4)
	e.register(t, "service/demo/worker", 1, 4)

	out := must[*aas.PutScalingPolicyOutput](t, "put")(e.aas.PutScalingPolicy(bg, cpuPolicy("service/demo/app", "cpu", 60)))
	arn := aws.ToString(out.PolicyARN)
	if !regexp.MustCompile(`^arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:[0-9a-f-]{36}:resource/ecs/service/demo/app:policyName/cpu$`).MatchString(arn) {
		t.Fatalf("policy ARN %q", arn)
	}
	if len(out.Alarms) != 2 || !strings.HasPrefix(aws.ToString(out.Alarms[0].AlarmName), "TargetTracking-service/demo/app-AlarmHigh-") ||
		!strings.HasPrefix(aws.ToString(out.Alarms[1].AlarmARN), "arn:aws:cloudwatch:us-east-1:123456789012:alarm:TargetTracking-service/demo/app-AlarmLow-") {
		t.Fatalf("alarms %+v", out.Alarms)
	}
	// Putting again updates in place: same ARN and alarms, new configuration.
	again := must[*aas.PutScalingPolicyOutput](t, "update")(e.aas.PutScalingPolicy(bg, cpuPolicy("service/demo/app", "cpu", 75)))
	if aws.ToString(again.PolicyARN) != arn || aws.ToString(again.Alarms[0].AlarmName) != aws.ToString(out.Alarms[0].AlarmName) {
		t.Fatalf("update changed identity: %q %+v", aws.ToString(again.PolicyARN), again.Alarms)
	}
	mem := cpuPolicy("service/demo/app", "memory", 70)
	mem.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType = aastypes.MetricTypeECSServiceAverageMemoryUtilization
	mem.TargetTrackingScalingPolicyConfiguration.DisableScaleIn = aws.Bool(true)
	must[*aas.PutScalingPolicyOutput](t, "memory")(e.aas.PutScalingPolicy(bg, mem))
	must[*aas.PutScalingPolicyOutput](t, "worker cpu")(e.aas.PutScalingPolicy(bg, cpuPolicy("service/demo/worker", "cpu", 50)))

	all := e.policies(t, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	var names []string
	for _, p := range all {
		names = append(names, aws.ToString(p.ResourceId)+":"+aws.ToString(p.PolicyName))
	}
	if fmt.Sprint(names) != "[service/demo/app:cpu service/demo/app:memory service/demo/worker:cpu]" {
		t.Fatalf("policies %v", names)
	}
	p := all[0]
	cfg := p.TargetTrackingScalingPolicyConfiguration
	if aws.ToString(p.PolicyARN) != arn || p.PolicyType != aastypes.PolicyTypeTargetTrackingScaling || len(p.Alarms) != 2 ||
		p.ServiceNamespace != aastypes.ServiceNamespaceEcs || p.ScalableDimension != aastypes.ScalableDimensionECSServiceDesiredCount ||
		cfg == nil || aws.ToFloat64(cfg.TargetValue) != 75 || aws.ToInt32(cfg.ScaleInCooldown) != 300 || aws.ToInt32(cfg.ScaleOutCooldown) != 60 ||
		cfg.PredefinedMetricSpecification.PredefinedMetricType != aastypes.MetricTypeECSServiceAverageCPUUtilization ||
		!p.CreationTime.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("policy %+v config %+v", p, cfg)
	}
	if !aws.ToBool(all[1].TargetTrackingScalingPolicyConfiguration.DisableScaleIn) {
		t.Fatalf("memory policy lost DisableScaleIn")
	}
	byName := e.policies(t, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, PolicyNames: []string{"cpu"}})
	byResource := e.policies(t, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/demo/app")})
	both := e.policies(t, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/demo/worker"), PolicyNames: []string{"cpu", "memory"}})
	if len(byName) != 2 || len(byResource) != 2 || len(both) != 1 || aws.ToString(both[0].ResourceId) != "service/demo/worker" {
		t.Fatalf("by name %d, by resource %d, both %d", len(byName), len(byResource), len(both))
	}
	if ids := e.live("application-autoscaling", "scaling-policy"); fmt.Sprint(ids) != "[us-east-1/service/demo/app:policyName/cpu us-east-1/service/demo/app:policyName/memory us-east-1/service/demo/worker:policyName/cpu]" {
		t.Fatalf("inventory %v", ids)
	}

	mutate := func(f func(*aas.PutScalingPolicyInput)) *aas.PutScalingPolicyInput {
		in := cpuPolicy("service/demo/app", "bad", 50)
		f(in)
		return in
	}
	for _, tc := range []struct {
		name string
		in   *aas.PutScalingPolicyInput
	}{
		{"step scaling", mutate(func(in *aas.PutScalingPolicyInput) { in.PolicyType = aastypes.PolicyTypeStepScaling })},
		{"no configuration", mutate(func(in *aas.PutScalingPolicyInput) { in.TargetTrackingScalingPolicyConfiguration = nil })},
		{"not an ECS metric", mutate(func(in *aas.PutScalingPolicyInput) {
			in.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType = aastypes.MetricTypeDynamoDBReadCapacityUtilization
		})},
		{"ALB metric without label", mutate(func(in *aas.PutScalingPolicyInput) {
			in.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType = aastypes.MetricTypeALBRequestCountPerTarget
		})},
		{"no metric", mutate(func(in *aas.PutScalingPolicyInput) {
			in.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification = nil
		})},
		{"cooldown over a day", mutate(func(in *aas.PutScalingPolicyInput) {
			in.TargetTrackingScalingPolicyConfiguration.ScaleInCooldown = aws.Int32(86401)
		})},
	} {
		_, err := e.aas.PutScalingPolicy(bg, tc.in)
		wantCode(t, tc.name, err, "ValidationException")
	}

	del := func(resourceID, name string) error {
		_, err := e.aas.DeleteScalingPolicy(bg, &aas.DeleteScalingPolicyInput{PolicyName: aws.String(name), ServiceNamespace: aastypes.ServiceNamespaceEcs,
			ResourceId: aws.String(resourceID), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount})
		return err
	}
	wantCode(t, "delete", del("service/demo/app", "memory"), "")
	wantCode(t, "delete twice", del("service/demo/app", "memory"), "ObjectNotFoundException")
	wantCode(t, "delete on unregistered target", del("service/demo/none", "cpu"), "ObjectNotFoundException")

	// Deregistering a target deletes its policies; registering it again starts empty.
	must[*aas.DeregisterScalableTargetOutput](t, "deregister")(e.aas.DeregisterScalableTarget(bg, &aas.DeregisterScalableTargetInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/demo/app"), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount}))
	e.register(t, "service/demo/app", 1, 4)
	if got := e.policies(t, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/demo/app")}); len(got) != 0 {
		t.Fatalf("policies survived deregistration: %+v", got)
	}
	if ids := e.live("application-autoscaling", "scaling-policy"); fmt.Sprint(ids) != "[us-east-1/service/demo/worker:policyName/cpu]" {
		t.Fatalf("inventory after deregister %v", ids)
	}
}

func TestAppAutoScalingPaginates(t *testing.T) {
	e := newAASEnv(t, awssim.WithPageSize(2), awssim.WithTimeScale(0))
	var want []string
	for i := range 5 {
		name := fmt.Sprintf("svc%d", i)
		e.ecsService(t, name, 0)
		e.register(t, "service/demo/"+name, 0, 2)
		want = append(want, "service/demo/"+name)
	}
	first := must[*aas.DescribeScalableTargetsOutput](t, "first page")(e.aas.DescribeScalableTargets(bg, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs}))
	if len(first.ScalableTargets) != 2 || first.NextToken == nil {
		t.Fatalf("first page: %d targets, next %v", len(first.ScalableTargets), first.NextToken)
	}
	ids := func(tgs []aastypes.ScalableTarget) []string {
		var out []string
		for _, tg := range tgs {
			out = append(out, aws.ToString(tg.ResourceId))
		}
		return out
	}
	if got := ids(e.targets(t, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("all targets %v", got)
	}
	if got := ids(e.targets(t, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, MaxResults: aws.Int32(3),
		ResourceIds: []string{"service/demo/svc4", "service/demo/svc0", "service/demo/absent"}})); fmt.Sprint(got) != "[service/demo/svc0 service/demo/svc4]" {
		t.Fatalf("targets by ID %v", got)
	}
	for _, name := range []string{"a", "b", "c"} {
		must[*aas.PutScalingPolicyOutput](t, "policy")(e.aas.PutScalingPolicy(bg, cpuPolicy("service/demo/svc1", name, 50)))
	}
	must[*aas.PutScalingPolicyOutput](t, "policy")(e.aas.PutScalingPolicy(bg, cpuPolicy("service/demo/svc3", "a", 50)))
	var names []string
	for _, p := range e.policies(t, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, MaxResults: aws.Int32(1)}) {
		names = append(names, aws.ToString(p.ResourceId)+":"+aws.ToString(p.PolicyName))
	}
	if fmt.Sprint(names) != "[service/demo/svc1:a service/demo/svc1:b service/demo/svc1:c service/demo/svc3:a]" {
		t.Fatalf("policies %v", names)
	}

	_, err := e.aas.DescribeScalableTargets(bg, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, MaxResults: aws.Int32(51)})
	wantCode(t, "targets max results 51", err, "ValidationException")
	_, err = e.aas.DescribeScalingPolicies(bg, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, MaxResults: aws.Int32(11)})
	wantCode(t, "policies max results 11", err, "ValidationException")
	_, err = e.aas.DescribeScalableTargets(bg, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, NextToken: aws.String("garbage!")})
	wantCode(t, "bad token", err, "InvalidNextTokenException")
	_, err = e.aas.DescribeScalableTargets(bg, &aas.DescribeScalableTargetsInput{ServiceNamespace: "nope"})
	wantCode(t, "bad namespace", err, "ValidationException")
	// A namespace the simulator does not model simply has no targets.
	if out := must[*aas.DescribeScalableTargetsOutput](t, "dynamodb")(e.aas.DescribeScalableTargets(bg, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceDynamodb})); len(out.ScalableTargets) != 0 {
		t.Fatalf("dynamodb targets %+v", out.ScalableTargets)
	}
}

func TestAppAutoScalingTags(t *testing.T) {
	e := newAASEnv(t, awssim.WithTimeScale(0))
	e.ecsService(t, "app", 1)
	in := registerInput("service/demo/app", aws.Int32(1), aws.Int32(2))
	in.Tags = map[string]string{"a": "1"}
	arn := aws.ToString(must[*aas.RegisterScalableTargetOutput](t, "register")(e.aas.RegisterScalableTarget(bg, in)).ScalableTargetARN)
	must[*aas.TagResourceOutput](t, "tag")(e.aas.TagResource(bg, &aas.TagResourceInput{ResourceARN: aws.String(arn), Tags: map[string]string{"a": "2", "b": "3"}}))
	must[*aas.UntagResourceOutput](t, "untag")(e.aas.UntagResource(bg, &aas.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: []string{"b", "absent"}}))
	tags := must[*aas.ListTagsForResourceOutput](t, "list")(e.aas.ListTagsForResource(bg, &aas.ListTagsForResourceInput{ResourceARN: aws.String(arn)})).Tags
	if fmt.Sprint(tags) != "map[a:2]" {
		t.Fatalf("tags %v", tags)
	}
	for _, r := range e.sim.ListLive() {
		if r.Type == "scalable-target" && fmt.Sprint(r.Tags) != "map[a:2]" {
			t.Fatalf("inventory tags %+v", r)
		}
	}
	policyARN := aws.ToString(must[*aas.PutScalingPolicyOutput](t, "policy")(e.aas.PutScalingPolicy(bg, cpuPolicy("service/demo/app", "cpu", 50))).PolicyARN)
	many := map[string]string{}
	for i := range 50 {
		many[fmt.Sprintf("k%d", i)] = "v"
	}
	for _, tc := range []struct {
		name string
		arn  string
		tags map[string]string
		code string
	}{
		{"unknown target", "arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/000000000000000000000000000000000000", map[string]string{"x": "1"}, "ResourceNotFoundException"},
		{"policy ARN", policyARN, map[string]string{"x": "1"}, "ValidationException"},
		{"reserved key", arn, map[string]string{"aws:x": "1"}, "ValidationException"},
		{"over 50 tags", arn, many, "TooManyTagsException"},
	} {
		_, err := e.aas.TagResource(bg, &aas.TagResourceInput{ResourceARN: aws.String(tc.arn), Tags: tc.tags})
		wantCode(t, tc.name, err, tc.code)
	}
	_, err := aas.NewFromConfig(e.cfg("eu-west-1")).ListTagsForResource(bg, &aas.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	wantCode(t, "list in another region", err, "ResourceNotFoundException")
}

func TestAppAutoScalingStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newAASEnv(t, awssim.WithStateFile(path), awssim.WithTimeScale(0))
	e.ecsService(t, "app", 1)
	in := registerInput("service/demo/app", aws.Int32(2), aws.Int32(4))
	in.Tags = map[string]string{"owner": "ns/app"}
	arn := aws.ToString(must[*aas.RegisterScalableTargetOutput](t, "register")(e.aas.RegisterScalableTarget(bg, in)).ScalableTargetARN)
	policy := must[*aas.PutScalingPolicyOutput](t, "policy")(e.aas.PutScalingPolicy(bg, cpuPolicy("service/demo/app", "cpu", 60)))
	before := e.sim.ListLive()

	sim2, err := awssim.New(awssim.WithClock(e.clock), awssim.WithStateFile(path), awssim.WithTimeScale(0))
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	srv := httptest.NewServer(sim2)
	defer srv.Close()
	after := sim2.ListLive()
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("restart: %v became %v", before, after)
	}
	e2 := &aasEnv{ecsEnv: &ecsEnv{svcEnv: &svcEnv{sim: sim2, clock: e.clock, url: srv.URL}}}
	e2.aas, e2.ecs = aas.NewFromConfig(e2.cfg(ecsRegion)), ecs.NewFromConfig(e2.cfg(ecsRegion))
	tgs := e2.targets(t, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	if len(tgs) != 1 || aws.ToString(tgs[0].ScalableTargetARN) != arn || aws.ToInt32(tgs[0].MinCapacity) != 2 {
		t.Fatalf("targets after restart %+v", tgs)
	}
	ps := e2.policies(t, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	if len(ps) != 1 || aws.ToString(ps[0].PolicyARN) != aws.ToString(policy.PolicyARN) ||
		aws.ToFloat64(ps[0].TargetTrackingScalingPolicyConfiguration.TargetValue) != 60 ||
		aws.ToString(ps[0].Alarms[0].AlarmName) != aws.ToString(policy.Alarms[0].AlarmName) {
		t.Fatalf("policies after restart %+v", ps)
	}
	tags := must[*aas.ListTagsForResourceOutput](t, "tags")(e2.aas.ListTagsForResource(bg, &aas.ListTagsForResourceInput{ResourceARN: aws.String(arn)})).Tags
	if fmt.Sprint(tags) != "map[owner:ns/app]" {
		t.Fatalf("tags after restart %v", tags)
	}
	// The restarted simulator still clamps through ECS.
	e2.register(t, "service/demo/app", 3, 4)
	if got := e2.desired(t, "app"); got != 3 {
		t.Fatalf("desired after restart and re-register %d, want 3", got)
	}
}

// A target tracking policy's alarms are CloudWatch's, made with the caller's permissions:
// putting one needs cloudwatch:PutMetricAlarm and DescribeAlarms on the alarms it will
// have, deleting one cloudwatch:DeleteAlarms on those it has. Each refusal is Application
// Auto Scaling's AccessDeniedException naming the CloudWatch action.
func TestAppAutoScalingTargetTrackingNeedsAlarmPermissions(t *testing.T) {
	e := newAASEnv(t)
	e.ecsService(t, "web", 2)
	const id = "service/demo/web"
	e.register(t, id, 1, 4)
	scaling := `{"Effect":"Allow","Action":["application-autoscaling:PutScalingPolicy","application-autoscaling:DeleteScalingPolicy","application-autoscaling:DescribeScalingPolicies"],"Resource":"*"}`
	alarms := func(actions ...string) string {
		return `{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) + `"],"Resource":"arn:aws:cloudwatch:*:*:alarm:TargetTracking-service/demo/*"}`
	}
	put := func() error { _, err := e.aas.PutScalingPolicy(bg, cpuPolicy(id, "cpu", 60)); return err }
	del := func() error {
		_, err := e.aas.DeleteScalingPolicy(bg, &aas.DeleteScalingPolicyInput{PolicyName: aws.String("cpu"), ServiceNamespace: aastypes.ServiceNamespaceEcs,
			ResourceId: aws.String(id), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount})
		return err
	}
	newAlarm := "arn:aws:cloudwatch:" + ecsRegion + ":123456789012:alarm:TargetTracking-" + id + "-AlarmHigh-*"

	setPolicy(t, e.sim, policy(scaling))
	denied(t, put(), "AccessDeniedException", 400, "cloudwatch:PutMetricAlarm", newAlarm)
	setPolicy(t, e.sim, policy(scaling, alarms("cloudwatch:PutMetricAlarm")))
	denied(t, put(), "AccessDeniedException", 400, "cloudwatch:DescribeAlarms", newAlarm)
	setPolicy(t, e.sim, policy(scaling, alarms("cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms")))
	if err := put(); err != nil {
		t.Fatalf("put with the alarm permissions: %v", err)
	}
	made := e.policies(t, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	if len(made) != 1 || len(made[0].Alarms) != 2 {
		t.Fatalf("policies %+v", made)
	}
	if err := put(); err != nil {
		t.Fatalf("update, checked on the policy's own alarms: %v", err)
	}
	denied(t, del(), "AccessDeniedException", 400, "cloudwatch:DeleteAlarms", aws.ToString(made[0].Alarms[0].AlarmARN))
	setPolicy(t, e.sim, policy(scaling, alarms("cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms")))
	if err := del(); err != nil {
		t.Fatalf("delete with the alarm permissions: %v", err)
	}
	// Another service's alarms are not the granted ones.
	setPolicy(t, e.sim, nil)
	e.ecsService(t, "api", 1)
	e.register(t, "service/demo/api", 1, 2)
	setPolicy(t, e.sim, policy(scaling, `{"Effect":"Allow","Action":["cloudwatch:PutMetricAlarm","cloudwatch:DescribeAlarms"],"Resource":"arn:aws:cloudwatch:*:*:alarm:TargetTracking-service/demo/web-*"}`))
	_, err := e.aas.PutScalingPolicy(bg, cpuPolicy("service/demo/api", "cpu", 60))
	denied(t, err, "AccessDeniedException", 400, "cloudwatch:PutMetricAlarm",
		"arn:aws:cloudwatch:"+ecsRegion+":123456789012:alarm:TargetTracking-service/demo/api-AlarmHigh-*")
}
