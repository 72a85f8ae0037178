package awssim_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/flaskops/flask-operator/internal/awssim"
)

const ecsRegion = "us-east-1"

// ecsEnv is a simulator with a VPC, two private subnets and an app security group, and
// ECS, EC2, ECR and ELBv2 clients pointed at it.
type ecsEnv struct {
	*svcEnv
	ecs     *ecs.Client
	ec2     *ec2.Client
	ecr     *ecr.Client
	elb     *elbv2.Client
	vpc     string
	subnets []string
	sg      string
}

func newECSEnv(t *testing.T, opts ...awssim.Option) *ecsEnv {
	t.Helper()
	e := &ecsEnv{svcEnv: newSvcEnv(t, opts...)}
	cfg := e.cfg(ecsRegion)
	e.ecs, e.ec2, e.ecr, e.elb = ecs.NewFromConfig(cfg), ec2.NewFromConfig(cfg), ecr.NewFromConfig(cfg), elbv2.NewFromConfig(cfg)
	vpc := must[*ec2.CreateVpcOutput](t, "vpc")(e.ec2.CreateVpc(bg, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}))
	e.vpc = aws.ToString(vpc.Vpc.VpcId)
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sn := must[*ec2.CreateSubnetOutput](t, "subnet")(e.ec2.CreateSubnet(bg, &ec2.CreateSubnetInput{
			VpcId: aws.String(e.vpc), CidrBlock: aws.String([]string{"10.0.10.0/24", "10.0.11.0/24"}[i]), AvailabilityZone: aws.String(az)}))
		e.subnets = append(e.subnets, aws.ToString(sn.Subnet.SubnetId))
	}
	sg := must[*ec2.CreateSecurityGroupOutput](t, "sg")(e.ec2.CreateSecurityGroup(bg, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("app"), Description: aws.String("app"), VpcId: aws.String(e.vpc)}))
	e.sg = aws.ToString(sg.GroupId)
	return e
}

// alb puts an internal load balancer in two subnets of its own with a listener forwarding
// to the target group (ECS accepts only target groups behind a load balancer). It returns
// the load balancer ARN and the subnets.
func (e *ecsEnv) alb(t *testing.T, tg string) (string, []string) {
	t.Helper()
	var subnets []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sn := must[*ec2.CreateSubnetOutput](t, "alb subnet")(e.ec2.CreateSubnet(bg, &ec2.CreateSubnetInput{
			VpcId: aws.String(e.vpc), CidrBlock: aws.String([]string{"10.0.0.0/24", "10.0.1.0/24"}[i]), AvailabilityZone: aws.String(az)}))
		subnets = append(subnets, aws.ToString(sn.Subnet.SubnetId))
	}
	lb := must[*elbv2.CreateLoadBalancerOutput](t, "alb")(e.elb.CreateLoadBalancer(bg, &elbv2.CreateLoadBalancerInput{
		Name: aws.String("alb-" + lastPathPart(tg)[:8]), Subnets: subnets, Scheme: elbtypes.LoadBalancerSchemeEnumInternal}))
	arn := aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	must[*elbv2.CreateListenerOutput](t, "listener")(e.elb.CreateListener(bg, &elbv2.CreateListenerInput{LoadBalancerArn: aws.String(arn),
		Port: aws.Int32(80), Protocol: elbtypes.ProtocolEnumHttp,
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(tg)}}}))
	return arn, subnets
}

func lastPathPart(s string) string { return s[strings.LastIndex(s, "/")+1:] }

func (e *ecsEnv) cluster(t *testing.T, name string) string {
	t.Helper()
	out := must[*ecs.CreateClusterOutput](t, "create cluster")(e.ecs.CreateCluster(bg, &ecs.CreateClusterInput{ClusterName: aws.String(name)}))
	return aws.ToString(out.Cluster.ClusterArn)
}

func fargateTaskDef(family, image string) *ecs.RegisterTaskDefinitionInput {
	return &ecs.RegisterTaskDefinitionInput{
		Family:                  aws.String(family),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		NetworkMode:             ecstypes.NetworkModeAwsvpc,
		Cpu:                     aws.String("256"),
		Memory:                  aws.String("512"),
		ExecutionRoleArn:        aws.String("arn:aws:iam::123456789012:role/exec"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name:         aws.String("app"),
			Image:        aws.String(image),
			Essential:    aws.Bool(true),
			PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(5000), Protocol: ecstypes.TransportProtocolTcp}},
			LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
				"awslogs-group": "/ecs/demo-dev-app", "awslogs-region": ecsRegion, "awslogs-stream-prefix": "ecs"}},
			Environment: []ecstypes.KeyValuePair{{Name: aws.String("MODE"), Value: aws.String("prod")}},
			Secrets:     []ecstypes.Secret{{Name: aws.String("DB"), ValueFrom: aws.String("arn:aws:ssm:us-east-1:123456789012:parameter/db")}},
		}},
	}
}

func (e *ecsEnv) taskDef(t *testing.T, family, image string) string {
	t.Helper()
	out := must[*ecs.RegisterTaskDefinitionOutput](t, "register")(e.ecs.RegisterTaskDefinition(bg, fargateTaskDef(family, image)))
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
}

func (e *ecsEnv) serviceInput(cluster, name, td string, desired int32) *ecs.CreateServiceInput {
	return &ecs.CreateServiceInput{
		Cluster: aws.String(cluster), ServiceName: aws.String(name), TaskDefinition: aws.String(td),
		DesiredCount: aws.Int32(desired), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: e.subnets, SecurityGroups: []string{e.sg}, AssignPublicIp: ecstypes.AssignPublicIpDisabled}},
		DeploymentConfiguration: &ecstypes.DeploymentConfiguration{MaximumPercent: aws.Int32(200), MinimumHealthyPercent: aws.Int32(50),
			DeploymentCircuitBreaker: &ecstypes.DeploymentCircuitBreaker{Enable: true, Rollback: true}},
	}
}

func (e *ecsEnv) service(t *testing.T, cluster, name string) ecstypes.Service {
	t.Helper()
	out := must[*ecs.DescribeServicesOutput](t, "describe services")(e.ecs.DescribeServices(bg, &ecs.DescribeServicesInput{
		Cluster: aws.String(cluster), Services: []string{name}}))
	if len(out.Services) != 1 {
		t.Fatalf("describe %s: %d services, failures %+v", name, len(out.Services), out.Failures)
	}
	return out.Services[0]
}

// pollEvery makes an SDK waiter poll without real sleeps while the simulated clock moves
// step per poll, as if the waiter slept that long.
func pollEvery[O any](clock *awssim.ManualClock, step time.Duration, retryable func(context.Context, *ecs.DescribeServicesInput, O, error) (bool, error)) func(context.Context, *ecs.DescribeServicesInput, O, error) (bool, error) {
	return func(ctx context.Context, in *ecs.DescribeServicesInput, out O, err error) (bool, error) {
		retry, err := retryable(ctx, in, out, err)
		if retry {
			clock.Advance(step)
		}
		return retry, err
	}
}

func (e *ecsEnv) waitStable(t *testing.T, cluster, name string) {
	t.Helper()
	w := ecs.NewServicesStableWaiter(e.ecs, func(o *ecs.ServicesStableWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 2*time.Millisecond
		o.Retryable = pollEvery(e.clock, 15*time.Second, o.Retryable)
	})
	if err := w.Wait(bg, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{name}}, 10*time.Second); err != nil {
		t.Fatalf("wait for %s to be stable: %v", name, err)
	}
}

// waitRollout waits for the stable waiter, then until the PRIMARY deployment's rollout has
// ended (COMPLETED after the steady-state latency, or FAILED), and returns the service.
func (e *ecsEnv) waitRollout(t *testing.T, cluster, name string) ecstypes.Service {
	t.Helper()
	e.waitStable(t, cluster, name)
	for range 100 {
		svc := e.service(t, cluster, name)
		if svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateInProgress {
			return svc
		}
		e.clock.Advance(5 * time.Second)
	}
	t.Fatalf("rollout of %s never ended", name)
	return ecstypes.Service{}
}

func (e *ecsEnv) waitInactive(t *testing.T, cluster, name string) {
	t.Helper()
	w := ecs.NewServicesInactiveWaiter(e.ecs, func(o *ecs.ServicesInactiveWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 2*time.Millisecond
		o.Retryable = pollEvery(e.clock, 5*time.Second, o.Retryable)
	})
	if err := w.Wait(bg, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{name}}, 10*time.Second); err != nil {
		t.Fatalf("wait for %s to be inactive: %v", name, err)
	}
}

// taskENIs lists the network interfaces ECS tasks hold (interface type "interface").
func (e *ecsEnv) taskENIs(t *testing.T) []ec2types.NetworkInterface {
	t.Helper()
	var out []ec2types.NetworkInterface
	p := ec2.NewDescribeNetworkInterfacesPaginator(e.ec2, &ec2.DescribeNetworkInterfacesInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{e.vpc}}}})
	for p.HasMorePages() {
		page := must[*ec2.DescribeNetworkInterfacesOutput](t, "enis")(p.NextPage(bg))
		for _, ni := range page.NetworkInterfaces {
			if strings.Contains(aws.ToString(ni.Description), ":attachment/") {
				out = append(out, ni)
			}
		}
	}
	return out
}

func (e *ecsEnv) targets(t *testing.T, tg string) map[string]elbtypes.TargetHealthStateEnum {
	t.Helper()
	out := must[*elbv2.DescribeTargetHealthOutput](t, "target health")(e.elb.DescribeTargetHealth(bg, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)}))
	m := map[string]elbtypes.TargetHealthStateEnum{}
	for _, d := range out.TargetHealthDescriptions {
		m[aws.ToString(d.Target.Id)] = d.TargetHealth.State
	}
	return m
}

func TestECSClusterLifecycle(t *testing.T) {
	e := newECSEnv(t)
	out := must[*ecs.CreateClusterOutput](t, "create")(e.ecs.CreateCluster(bg, &ecs.CreateClusterInput{
		ClusterName: aws.String("demo-dev"),
		Tags:        []ecstypes.Tag{{Key: aws.String("flaskops.io/owner"), Value: aws.String("ns/demo")}},
		Settings:    []ecstypes.ClusterSetting{{Name: ecstypes.ClusterSettingNameContainerInsights, Value: aws.String("enabled")}},
	}))
	arn := aws.ToString(out.Cluster.ClusterArn)
	if arn != "arn:aws:ecs:us-east-1:123456789012:cluster/demo-dev" || aws.ToString(out.Cluster.Status) != "ACTIVE" {
		t.Fatalf("created %s %s", arn, aws.ToString(out.Cluster.Status))
	}
	// Idempotent for an ACTIVE cluster of the same name.
	again := must[*ecs.CreateClusterOutput](t, "create again")(e.ecs.CreateCluster(bg, &ecs.CreateClusterInput{ClusterName: aws.String("demo-dev")}))
	if aws.ToString(again.Cluster.ClusterArn) != arn || len(again.Cluster.Tags) != 1 {
		t.Fatalf("second create returned %+v", again.Cluster)
	}
	_, err := e.ecs.CreateCluster(bg, &ecs.CreateClusterInput{ClusterName: aws.String("bad name!")})
	wantCode(t, "bad name", err, "InvalidParameterException")

	// Missing clusters are failures, not errors; by name or ARN; tags only when asked.
	desc := must[*ecs.DescribeClustersOutput](t, "describe")(e.ecs.DescribeClusters(bg, &ecs.DescribeClustersInput{
		Clusters: []string{"demo-dev", arn, "nope"}, Include: []ecstypes.ClusterField{ecstypes.ClusterFieldTags}}))
	if len(desc.Clusters) != 2 || len(desc.Failures) != 1 || aws.ToString(desc.Failures[0].Reason) != "MISSING" ||
		aws.ToString(desc.Failures[0].Arn) != "arn:aws:ecs:us-east-1:123456789012:cluster/nope" {
		t.Fatalf("describe: %+v failures %+v", desc.Clusters, desc.Failures)
	}
	if got := desc.Clusters[0].Tags; len(got) != 1 || aws.ToString(got[0].Key) != "flaskops.io/owner" {
		t.Fatalf("tags %+v", got)
	}
	desc = must[*ecs.DescribeClustersOutput](t, "describe")(e.ecs.DescribeClusters(bg, &ecs.DescribeClustersInput{Clusters: []string{"demo-dev"}}))
	if len(desc.Clusters[0].Tags) != 0 {
		t.Fatalf("tags without include: %+v", desc.Clusters[0].Tags)
	}

	// Tagging by ARN.
	must[*ecs.TagResourceOutput](t, "tag")(e.ecs.TagResource(bg, &ecs.TagResourceInput{ResourceArn: aws.String(arn),
		Tags: []ecstypes.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}))
	must[*ecs.UntagResourceOutput](t, "untag")(e.ecs.UntagResource(bg, &ecs.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"flaskops.io/owner"}}))
	tags := must[*ecs.ListTagsForResourceOutput](t, "list tags")(e.ecs.ListTagsForResource(bg, &ecs.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Fatalf("tags after tag/untag: %+v", tags.Tags)
	}
	_, err = e.ecs.TagResource(bg, &ecs.TagResourceInput{ResourceArn: aws.String(arn), Tags: []ecstypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("1")}}})
	wantCode(t, "aws: tag", err, "InvalidParameterException")
	_, err = e.ecs.ListTagsForResource(bg, &ecs.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:ecs:us-east-1:123456789012:cluster/nope")})
	wantCode(t, "tags of missing cluster", err, "ClusterNotFoundException")

	// ListClusters pages.
	e.cluster(t, "b")
	e.cluster(t, "c")
	var arns []string
	p := ecs.NewListClustersPaginator(e.ecs, &ecs.ListClustersInput{MaxResults: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		arns = append(arns, must[*ecs.ListClustersOutput](t, "list")(p.NextPage(bg)).ClusterArns...)
		pages++
	}
	if len(arns) != 3 || pages != 2 {
		t.Fatalf("listed %v in %d pages", arns, pages)
	}

	// Deleted: INACTIVE, still describable for a while, then MISSING; not live, not listed.
	del := must[*ecs.DeleteClusterOutput](t, "delete")(e.ecs.DeleteCluster(bg, &ecs.DeleteClusterInput{Cluster: aws.String(arn)}))
	if aws.ToString(del.Cluster.Status) != "INACTIVE" {
		t.Fatalf("deleted status %s", aws.ToString(del.Cluster.Status))
	}
	_, err = e.ecs.DeleteCluster(bg, &ecs.DeleteClusterInput{Cluster: aws.String("demo-dev")})
	wantCode(t, "delete twice", err, "ClusterNotFoundException")
	desc = must[*ecs.DescribeClustersOutput](t, "describe")(e.ecs.DescribeClusters(bg, &ecs.DescribeClustersInput{Clusters: []string{"demo-dev"}}))
	if len(desc.Clusters) != 1 || aws.ToString(desc.Clusters[0].Status) != "INACTIVE" {
		t.Fatalf("describe deleted: %+v %+v", desc.Clusters, desc.Failures)
	}
	if got := e.live("ecs", "cluster"); len(got) != 2 {
		t.Fatalf("live clusters %v", got)
	}
	e.clock.Advance(2 * time.Hour)
	desc = must[*ecs.DescribeClustersOutput](t, "describe")(e.ecs.DescribeClusters(bg, &ecs.DescribeClustersInput{Clusters: []string{"demo-dev"}}))
	if len(desc.Clusters) != 0 || len(desc.Failures) != 1 {
		t.Fatalf("describe long-deleted: %+v", desc)
	}
	// Regions are separate.
	other := ecs.NewFromConfig(e.cfg("eu-west-1"))
	if l := must[*ecs.ListClustersOutput](t, "list eu")(other.ListClusters(bg, &ecs.ListClustersInput{})); len(l.ClusterArns) != 0 {
		t.Fatalf("eu-west-1 clusters %v", l.ClusterArns)
	}
}

func TestECSTaskDefinitions(t *testing.T) {
	e := newECSEnv(t)
	in := fargateTaskDef("demo-dev", "nginx:1.27")
	in.Tags = []ecstypes.Tag{{Key: aws.String("stage"), Value: aws.String("ecs")}}
	r1 := must[*ecs.RegisterTaskDefinitionOutput](t, "register")(e.ecs.RegisterTaskDefinition(bg, in))
	td := r1.TaskDefinition
	if aws.ToString(td.TaskDefinitionArn) != "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-dev:1" || td.Revision != 1 ||
		td.Status != ecstypes.TaskDefinitionStatusActive || aws.ToString(td.Cpu) != "256" || td.NetworkMode != ecstypes.NetworkModeAwsvpc ||
		!slices.Contains(td.Compatibilities, ecstypes.CompatibilityFargate) || len(r1.Tags) != 1 {
		t.Fatalf("registered %+v tags %+v", td, r1.Tags)
	}
	cd := td.ContainerDefinitions[0]
	if aws.ToString(cd.Name) != "app" || aws.ToInt32(cd.PortMappings[0].HostPort) != 5000 || !aws.ToBool(cd.Essential) ||
		cd.LogConfiguration.LogDriver != ecstypes.LogDriverAwslogs || len(cd.Secrets) != 1 || len(cd.Environment) != 1 {
		t.Fatalf("container %+v", cd)
	}
	must[*ecs.RegisterTaskDefinitionOutput](t, "register 2")(e.ecs.RegisterTaskDefinition(bg, fargateTaskDef("demo-dev", "nginx:1.28")))
	must[*ecs.RegisterTaskDefinitionOutput](t, "other family")(e.ecs.RegisterTaskDefinition(bg, fargateTaskDef("other", "nginx:1.27")))

	// Fargate validation, with AWS's codes and messages.
	bad := fargateTaskDef("x", "nginx")
	bad.NetworkMode = ecstypes.NetworkModeBridge
	_, err := e.ecs.RegisterTaskDefinition(bg, bad)
	wantCode(t, "bridge on fargate", err, "ClientException")
	bad = fargateTaskDef("x", "nginx")
	bad.Memory = aws.String("4096")
	_, err = e.ecs.RegisterTaskDefinition(bg, bad)
	wantCode(t, "256/4096", err, "ClientException")
	if !strings.Contains(err.Error(), "No Fargate configuration exists for given values: 256 CPU, 4096 memory") {
		t.Fatalf("message: %v", err)
	}
	bad = fargateTaskDef("x", "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest")
	bad.ExecutionRoleArn = nil
	bad.ContainerDefinitions[0].LogConfiguration, bad.ContainerDefinitions[0].Secrets = nil, nil
	_, err = e.ecs.RegisterTaskDefinition(bg, bad)
	wantCode(t, "ECR without execution role", err, "ClientException")
	bad = fargateTaskDef("x", "nginx")
	bad.ContainerDefinitions[0].PortMappings[0].HostPort = aws.Int32(8080)
	_, err = e.ecs.RegisterTaskDefinition(bg, bad)
	wantCode(t, "awsvpc host port", err, "ClientException")
	bad = fargateTaskDef("x", "nginx")
	bad.ContainerDefinitions[0].Essential = aws.Bool(false)
	_, err = e.ecs.RegisterTaskDefinition(bg, bad)
	wantCode(t, "no essential container", err, "ClientException")
	ok := fargateTaskDef("vcpu", "nginx")
	ok.Cpu, ok.Memory = aws.String("1 vCPU"), aws.String("2 GB")
	got := must[*ecs.RegisterTaskDefinitionOutput](t, "vCPU units")(e.ecs.RegisterTaskDefinition(bg, ok))
	if aws.ToString(got.TaskDefinition.Cpu) != "1024" || aws.ToString(got.TaskDefinition.Memory) != "2048" {
		t.Fatalf("units: %s/%s", aws.ToString(got.TaskDefinition.Cpu), aws.ToString(got.TaskDefinition.Memory))
	}

	// Describe by family (latest ACTIVE), family:revision and ARN; tags when asked.
	for ref, rev := range map[string]int32{"demo-dev": 2, "demo-dev:1": 1, "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-dev:2": 2} {
		d := must[*ecs.DescribeTaskDefinitionOutput](t, ref)(e.ecs.DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{
			TaskDefinition: aws.String(ref), Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}}))
		if d.TaskDefinition.Revision != rev {
			t.Fatalf("%s: revision %d, want %d", ref, d.TaskDefinition.Revision, rev)
		}
		if rev == 1 && len(d.Tags) != 1 {
			t.Fatalf("%s: tags %+v", ref, d.Tags)
		}
	}
	_, err = e.ecs.DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("demo-dev:9")})
	wantCode(t, "missing revision", err, "ClientException")

	// Deregistered: INACTIVE, describable by revision, no longer the family's latest; the
	// next registration does not reuse its number.
	dr := must[*ecs.DeregisterTaskDefinitionOutput](t, "deregister")(e.ecs.DeregisterTaskDefinition(bg, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("demo-dev:2")}))
	if dr.TaskDefinition.Status != ecstypes.TaskDefinitionStatusInactive || dr.TaskDefinition.DeregisteredAt == nil {
		t.Fatalf("deregistered %+v", dr.TaskDefinition.Status)
	}
	d := must[*ecs.DescribeTaskDefinitionOutput](t, "family")(e.ecs.DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("demo-dev")}))
	if d.TaskDefinition.Revision != 1 {
		t.Fatalf("family after deregister: revision %d", d.TaskDefinition.Revision)
	}
	r3 := must[*ecs.RegisterTaskDefinitionOutput](t, "register 3")(e.ecs.RegisterTaskDefinition(bg, fargateTaskDef("demo-dev", "nginx:1.29")))
	if r3.TaskDefinition.Revision != 3 {
		t.Fatalf("revision after deregister %d", r3.TaskDefinition.Revision)
	}

	// List: family filter, status, sort, pages.
	var arns []string
	p := ecs.NewListTaskDefinitionsPaginator(e.ecs, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("demo-dev"), MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		arns = append(arns, must[*ecs.ListTaskDefinitionsOutput](t, "list")(p.NextPage(bg)).TaskDefinitionArns...)
	}
	if len(arns) != 2 || !strings.HasSuffix(arns[0], "demo-dev:1") || !strings.HasSuffix(arns[1], "demo-dev:3") {
		t.Fatalf("listed %v", arns)
	}
	inactive := must[*ecs.ListTaskDefinitionsOutput](t, "list inactive")(e.ecs.ListTaskDefinitions(bg, &ecs.ListTaskDefinitionsInput{Status: ecstypes.TaskDefinitionStatusInactive}))
	if len(inactive.TaskDefinitionArns) != 1 || !strings.HasSuffix(inactive.TaskDefinitionArns[0], "demo-dev:2") {
		t.Fatalf("inactive %v", inactive.TaskDefinitionArns)
	}
	desc := must[*ecs.ListTaskDefinitionsOutput](t, "list desc")(e.ecs.ListTaskDefinitions(bg, &ecs.ListTaskDefinitionsInput{Sort: ecstypes.SortOrderDesc, MaxResults: aws.Int32(100)}))
	if len(desc.TaskDefinitionArns) != 4 || !strings.HasSuffix(desc.TaskDefinitionArns[0], "vcpu:1") {
		t.Fatalf("desc %v", desc.TaskDefinitionArns)
	}

	// Tags on task definitions by ARN.
	tdARN := "arn:aws:ecs:us-east-1:123456789012:task-definition/demo-dev:3"
	must[*ecs.TagResourceOutput](t, "tag td")(e.ecs.TagResource(bg, &ecs.TagResourceInput{ResourceArn: aws.String(tdARN), Tags: []ecstypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}))
	lt := must[*ecs.ListTagsForResourceOutput](t, "list td tags")(e.ecs.ListTagsForResource(bg, &ecs.ListTagsForResourceInput{ResourceArn: aws.String(tdARN)}))
	if len(lt.Tags) != 1 {
		t.Fatalf("td tags %+v", lt.Tags)
	}
	if got := e.live("ecs", "task-definition"); len(got) != 4 {
		t.Fatalf("live task definitions %v", got)
	}
}

// TestECSServiceScenario is the ECS stack's life: cluster, task definition and target group,
// a service reaching steady state with its tasks registered as targets, the network it runs
// in held by its tasks, a rolling update, and the teardown in the order AWS allows.
func TestECSServiceScenario(t *testing.T) {
	e := newECSEnv(t)
	clusterARN := e.cluster(t, "demo-dev")
	td1 := e.taskDef(t, "demo-dev", "nginx:1.27")
	tg := must[*elbv2.CreateTargetGroupOutput](t, "target group")(e.elb.CreateTargetGroup(bg, &elbv2.CreateTargetGroupInput{
		Name: aws.String("demo-dev"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(5000), VpcId: aws.String(e.vpc),
		TargetType: elbtypes.TargetTypeEnumIp})).TargetGroups[0]
	tgARN := aws.ToString(tg.TargetGroupArn)

	in := e.serviceInput("demo-dev", "app", "demo-dev", 2)
	in.LoadBalancers = []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(tgARN), ContainerName: aws.String("app"), ContainerPort: aws.Int32(5000)}}
	_, err := e.ecs.CreateService(bg, in)
	wantCode(t, "target group without a load balancer", err, "InvalidParameterException")
	albARN, albSubnets := e.alb(t, tgARN)

	in.LoadBalancers = []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(tgARN), ContainerName: aws.String("app"), ContainerPort: aws.Int32(5000)}}
	in.HealthCheckGracePeriodSeconds = aws.Int32(60)
	in.ClientToken = aws.String("0123456789abcdef0123456789abcdef0123")
	in.Tags = []ecstypes.Tag{{Key: aws.String("flaskops.io/stage"), Value: aws.String("ecs")}}
	created := must[*ecs.CreateServiceOutput](t, "create service")(e.ecs.CreateService(bg, in)).Service
	svcARN := aws.ToString(created.ServiceArn)
	if svcARN != "arn:aws:ecs:us-east-1:123456789012:service/demo-dev/app" || aws.ToString(created.ClusterArn) != clusterARN ||
		aws.ToString(created.TaskDefinition) != td1 || created.LaunchType != ecstypes.LaunchTypeFargate {
		t.Fatalf("created %+v", created)
	}
	if len(created.Deployments) != 1 || aws.ToString(created.Deployments[0].Status) != "PRIMARY" ||
		created.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateInProgress || created.PendingCount != 2 || created.RunningCount != 0 {
		t.Fatalf("new deployment %+v pending %d running %d", created.Deployments, created.PendingCount, created.RunningCount)
	}
	// The same token and parameters return the same service; the same name with other
	// parameters is not idempotent.
	again := must[*ecs.CreateServiceOutput](t, "create again")(e.ecs.CreateService(bg, in)).Service
	if aws.ToString(again.ServiceArn) != svcARN || aws.ToString(again.Deployments[0].Id) != aws.ToString(created.Deployments[0].Id) {
		t.Fatalf("retry made %+v", again)
	}
	changed := e.serviceInput("demo-dev", "app", "demo-dev", 3)
	_, err = e.ecs.CreateService(bg, changed)
	wantCode(t, "same name, other parameters", err, "InvalidParameterException")
	if !strings.Contains(err.Error(), "Creation of service was not idempotent") {
		t.Fatalf("message: %v", err)
	}

	// Each task holds an ENI in one of the service's subnets with its security group.
	enis := e.taskENIs(t)
	if len(enis) != 2 || aws.ToString(enis[0].SubnetId) == aws.ToString(enis[1].SubnetId) ||
		aws.ToString(enis[0].Groups[0].GroupId) != e.sg {
		t.Fatalf("task ENIs %+v", enis)
	}
	if got := e.targets(t, tgARN); len(got) != 0 {
		t.Fatalf("targets before tasks run: %v", got)
	}

	svc := e.waitRollout(t, "demo-dev", svcARN)
	if svc.RunningCount != 2 || svc.PendingCount != 0 || svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateCompleted ||
		aws.ToString(svc.Events[0].Message) != "(service app) has reached a steady state." {
		t.Fatalf("steady: running %d rollout %s events %v", svc.RunningCount, svc.Deployments[0].RolloutState, aws.ToString(svc.Events[0].Message))
	}
	if elapsed := e.clock.Now().Sub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); elapsed < 60*time.Second {
		t.Fatalf("steady after %v, want at least the steady-state latency", elapsed)
	}
	targets := e.targets(t, tgARN)
	for _, ni := range enis {
		if _, ok := targets[aws.ToString(ni.PrivateIpAddress)]; !ok {
			t.Fatalf("task %s not a target: %v", aws.ToString(ni.PrivateIpAddress), targets)
		}
	}
	tasks := must[*ecs.ListTasksOutput](t, "list tasks")(e.ecs.ListTasks(bg, &ecs.ListTasksInput{Cluster: aws.String("demo-dev"), ServiceName: aws.String("app")}))
	dt := must[*ecs.DescribeTasksOutput](t, "describe tasks")(e.ecs.DescribeTasks(bg, &ecs.DescribeTasksInput{Cluster: aws.String("demo-dev"), Tasks: tasks.TaskArns}))
	if len(dt.Tasks) != 2 || aws.ToString(dt.Tasks[0].LastStatus) != "RUNNING" || aws.ToString(dt.Tasks[0].Group) != "service:app" {
		t.Fatalf("tasks %+v", dt.Tasks)
	}
	cl := must[*ecs.DescribeClustersOutput](t, "cluster counts")(e.ecs.DescribeClusters(bg, &ecs.DescribeClustersInput{Clusters: []string{"demo-dev"}})).Clusters[0]
	if cl.RunningTasksCount != 2 || cl.ActiveServicesCount != 1 {
		t.Fatalf("cluster counts %+v", cl)
	}

	// The network cannot go while tasks run, nor can the cluster.
	_, err = e.ec2.DeleteSubnet(bg, &ec2.DeleteSubnetInput{SubnetId: aws.String(e.subnets[0])})
	wantCode(t, "delete subnet under tasks", err, "DependencyViolation")
	_, err = e.ec2.DeleteSecurityGroup(bg, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(e.sg)})
	wantCode(t, "delete SG under tasks", err, "DependencyViolation")
	_, err = e.ecs.DeleteCluster(bg, &ecs.DeleteClusterInput{Cluster: aws.String("demo-dev")})
	wantCode(t, "delete cluster with service", err, "ClusterContainsServicesException")

	// A new task definition makes a new PRIMARY deployment; the old one drains.
	td2 := e.taskDef(t, "demo-dev", "nginx:1.28")
	up := must[*ecs.UpdateServiceOutput](t, "update")(e.ecs.UpdateService(bg, &ecs.UpdateServiceInput{
		Cluster: aws.String("demo-dev"), Service: aws.String("app"), TaskDefinition: aws.String(td2)})).Service
	if len(up.Deployments) != 2 || aws.ToString(up.Deployments[0].Status) != "PRIMARY" || aws.ToString(up.Deployments[1].Status) != "ACTIVE" ||
		aws.ToString(up.Deployments[0].TaskDefinition) != td2 || up.Deployments[1].RunningCount != 2 {
		t.Fatalf("rolling update deployments %+v", up.Deployments)
	}
	svc = e.waitRollout(t, "demo-dev", "app")
	if len(svc.Deployments) != 1 || aws.ToString(svc.Deployments[0].TaskDefinition) != td2 || svc.RunningCount != 2 {
		t.Fatalf("after update %+v", svc.Deployments)
	}
	if n := len(e.taskENIs(t)); n != 2 {
		t.Fatalf("ENIs after the rollout: %d", n)
	}

	// Scale and tag while ACTIVE; ListServices.
	must[*ecs.TagResourceOutput](t, "tag service")(e.ecs.TagResource(bg, &ecs.TagResourceInput{ResourceArn: aws.String(svcARN), Tags: []ecstypes.Tag{{Key: aws.String("x"), Value: aws.String("y")}}}))
	withTags := must[*ecs.DescribeServicesOutput](t, "describe tags")(e.ecs.DescribeServices(bg, &ecs.DescribeServicesInput{
		Cluster: aws.String("demo-dev"), Services: []string{"app"}, Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags}}))
	if len(withTags.Services[0].Tags) != 2 {
		t.Fatalf("service tags %+v", withTags.Services[0].Tags)
	}
	ls := must[*ecs.ListServicesOutput](t, "list services")(e.ecs.ListServices(bg, &ecs.ListServicesInput{Cluster: aws.String("demo-dev")}))
	if len(ls.ServiceArns) != 1 || ls.ServiceArns[0] != svcARN {
		t.Fatalf("services %v", ls.ServiceArns)
	}

	// Delete: a scaled service needs force; DRAINING holds the network until its tasks stop.
	_, err = e.ecs.DeleteService(bg, &ecs.DeleteServiceInput{Cluster: aws.String("demo-dev"), Service: aws.String("app")})
	wantCode(t, "delete without force", err, "InvalidParameterException")
	del := must[*ecs.DeleteServiceOutput](t, "delete service")(e.ecs.DeleteService(bg, &ecs.DeleteServiceInput{
		Cluster: aws.String("demo-dev"), Service: aws.String("app"), Force: aws.Bool(true)})).Service
	if aws.ToString(del.Status) != "DRAINING" {
		t.Fatalf("deleted service status %s", aws.ToString(del.Status))
	}
	_, err = e.ecs.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("demo-dev"), Service: aws.String("app"), DesiredCount: aws.Int32(1)})
	wantCode(t, "update draining", err, "ServiceNotActiveException")
	_, err = e.ec2.DeleteSubnet(bg, &ec2.DeleteSubnetInput{SubnetId: aws.String(e.subnets[0])})
	wantCode(t, "delete subnet while draining", err, "DependencyViolation")
	for ip, state := range e.targets(t, tgARN) {
		if state != elbtypes.TargetHealthStateEnumDraining {
			t.Fatalf("target %s is %s while the service drains", ip, state)
		}
	}
	// Once the tasks have stopped the subnet frees up, even if nobody has read ECS since.
	e.clock.Advance(31 * time.Second)
	must[*ec2.DeleteSubnetOutput](t, "delete subnet after draining")(e.ec2.DeleteSubnet(bg, &ec2.DeleteSubnetInput{SubnetId: aws.String(e.subnets[0])}))
	e.waitInactive(t, "demo-dev", "app")
	if n := len(e.taskENIs(t)); n != 0 {
		t.Fatalf("ENIs after draining: %d", n)
	}
	must[*ec2.DeleteSubnetOutput](t, "delete subnet")(e.ec2.DeleteSubnet(bg, &ec2.DeleteSubnetInput{SubnetId: aws.String(e.subnets[1])}))
	must[*ec2.DeleteSecurityGroupOutput](t, "delete sg")(e.ec2.DeleteSecurityGroup(bg, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(e.sg)}))
	// INACTIVE: still describable, not listed, not live.
	if got := e.service(t, "demo-dev", "app"); aws.ToString(got.Status) != "INACTIVE" {
		t.Fatalf("status %s", aws.ToString(got.Status))
	}
	ls = must[*ecs.ListServicesOutput](t, "list services")(e.ecs.ListServices(bg, &ecs.ListServicesInput{Cluster: aws.String("demo-dev")}))
	if len(ls.ServiceArns) != 0 {
		t.Fatalf("listed after delete %v", ls.ServiceArns)
	}
	must[*ecs.DeleteClusterOutput](t, "delete cluster")(e.ecs.DeleteCluster(bg, &ecs.DeleteClusterInput{Cluster: aws.String("demo-dev")}))
	for _, td := range []string{td1, td2} {
		must[*ecs.DeregisterTaskDefinitionOutput](t, "deregister")(e.ecs.DeregisterTaskDefinition(bg, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(td)}))
	}
	must[*elbv2.DeleteLoadBalancerOutput](t, "delete alb")(e.elb.DeleteLoadBalancer(bg, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(albARN)}))
	e.clock.Advance(2 * time.Minute) // the load balancer's interfaces linger
	for _, sn := range albSubnets {
		must[*ec2.DeleteSubnetOutput](t, "delete alb subnet")(e.ec2.DeleteSubnet(bg, &ec2.DeleteSubnetInput{SubnetId: aws.String(sn)}))
	}
	must[*elbv2.DeleteTargetGroupOutput](t, "delete tg")(e.elb.DeleteTargetGroup(bg, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(tgARN)}))
	must[*ec2.DeleteVpcOutput](t, "delete vpc")(e.ec2.DeleteVpc(bg, &ec2.DeleteVpcInput{VpcId: aws.String(e.vpc)}))
	if live := e.sim.ListLive(); len(live) != 0 {
		t.Fatalf("inventory not empty: %+v", live)
	}
}

// TestECSMissingECRImageFails: tasks whose image is not in the (simulated) ECR repository
// fail with CannotPullContainerError, and the circuit breaker fails the deployment; with a
// COMPLETED deployment before it, rollback restores that one.
func TestECSMissingECRImageFails(t *testing.T) {
	e := newECSEnv(t)
	e.cluster(t, "demo-dev")
	must[*ecr.CreateRepositoryOutput](t, "repo")(e.ecr.CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String("demo-dev")}))
	image := "123456789012.dkr.ecr.us-east-1.amazonaws.com/demo-dev:latest"
	td := e.taskDef(t, "demo-dev", image)
	must[*ecs.CreateServiceOutput](t, "create")(e.ecs.CreateService(bg, e.serviceInput("demo-dev", "app", td, 2)))

	for range 20 {
		e.clock.Advance(15 * time.Second)
		if e.service(t, "demo-dev", "app").Deployments[0].RolloutState == ecstypes.DeploymentRolloutStateFailed {
			break
		}
	}
	svc := e.service(t, "demo-dev", "app")
	d := svc.Deployments[0]
	if d.RolloutState != ecstypes.DeploymentRolloutStateFailed || d.FailedTasks < 3 || len(svc.Deployments) != 1 ||
		aws.ToString(d.RolloutStateReason) != "ECS deployment circuit breaker: tasks failed to start." {
		t.Fatalf("deployment %+v (%s)", d, aws.ToString(d.RolloutStateReason))
	}
	stopped := must[*ecs.ListTasksOutput](t, "stopped tasks")(e.ecs.ListTasks(bg, &ecs.ListTasksInput{
		Cluster: aws.String("demo-dev"), ServiceName: aws.String("app"), DesiredStatus: ecstypes.DesiredStatusStopped}))
	dt := must[*ecs.DescribeTasksOutput](t, "describe")(e.ecs.DescribeTasks(bg, &ecs.DescribeTasksInput{Cluster: aws.String("demo-dev"), Tasks: stopped.TaskArns}))
	if len(dt.Tasks) < 3 {
		t.Fatalf("stopped tasks %d", len(dt.Tasks))
	}
	for _, task := range dt.Tasks {
		if !strings.HasPrefix(aws.ToString(task.StoppedReason), "CannotPullContainerError: ") || task.StopCode != ecstypes.TaskStopCodeTaskFailedToStart ||
			aws.ToString(task.LastStatus) != "STOPPED" {
			t.Fatalf("task %s: %s %s", aws.ToString(task.LastStatus), task.StopCode, aws.ToString(task.StoppedReason))
		}
	}
	if n := len(e.taskENIs(t)); n != 0 {
		t.Fatalf("failed tasks left %d ENIs", n)
	}
	// A failed deployment launches nothing more.
	e.clock.Advance(30 * time.Minute)
	if got := e.service(t, "demo-dev", "app"); got.PendingCount != 0 || got.RunningCount != 0 || got.Deployments[0].FailedTasks != d.FailedTasks {
		t.Fatalf("after failure: pending %d running %d failed %d", got.PendingCount, got.RunningCount, got.Deployments[0].FailedTasks)
	}

	// Pushing the image and forcing a new deployment succeeds.
	must[*ecr.PutImageOutput](t, "push")(e.ecr.PutImage(bg, &ecr.PutImageInput{RepositoryName: aws.String("demo-dev"),
		ImageManifest: aws.String(`{"schemaVersion":2}`), ImageTag: aws.String("latest")}))
	must[*ecs.UpdateServiceOutput](t, "force")(e.ecs.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("demo-dev"), Service: aws.String("app"), ForceNewDeployment: true}))
	good := e.waitRollout(t, "demo-dev", "app").Deployments[0]

	// A new revision with a missing tag fails and rolls back to the COMPLETED deployment.
	td2 := e.taskDef(t, "demo-dev", "123456789012.dkr.ecr.us-east-1.amazonaws.com/demo-dev:v2")
	must[*ecs.UpdateServiceOutput](t, "update")(e.ecs.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("demo-dev"), Service: aws.String("app"), TaskDefinition: aws.String(td2)}))
	svc = e.waitRollout(t, "demo-dev", "app")
	if aws.ToString(svc.TaskDefinition) != td || aws.ToString(svc.Deployments[0].TaskDefinition) != td ||
		svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateCompleted || len(svc.Deployments) != 1 {
		t.Fatalf("after rollback: %s %+v", aws.ToString(svc.TaskDefinition), svc.Deployments)
	}
	var failed bool
	for _, ev := range svc.Events {
		failed = failed || strings.Contains(aws.ToString(ev.Message), "deployment failed: rolling back to deployment "+aws.ToString(good.Id))
	}
	if !failed || svc.RunningCount != 2 {
		t.Fatalf("rollback events missing or running %d", svc.RunningCount)
	}
}

func TestECSServiceValidation(t *testing.T) {
	e := newECSEnv(t)
	e.cluster(t, "c")
	td := e.taskDef(t, "fam", "nginx:1.27")
	tg := must[*elbv2.CreateTargetGroupOutput](t, "target group")(e.elb.CreateTargetGroup(bg, &elbv2.CreateTargetGroupInput{
		Name: aws.String("tg"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(5000), VpcId: aws.String(e.vpc),
		TargetType: elbtypes.TargetTypeEnumIp})).TargetGroups[0].TargetGroupArn

	cases := map[string]struct {
		mod  func(*ecs.CreateServiceInput)
		code string
	}{
		"missing cluster":  {func(in *ecs.CreateServiceInput) { in.Cluster = aws.String("nope") }, "ClusterNotFoundException"},
		"unknown task def": {func(in *ecs.CreateServiceInput) { in.TaskDefinition = aws.String("nope:1") }, "InvalidParameterException"},
		"no network":       {func(in *ecs.CreateServiceInput) { in.NetworkConfiguration = nil }, "InvalidParameterException"},
		"unknown subnet": {func(in *ecs.CreateServiceInput) {
			in.NetworkConfiguration.AwsvpcConfiguration.Subnets = []string{"subnet-0000"}
		}, "InvalidParameterException"},
		"unknown SG": {func(in *ecs.CreateServiceInput) {
			in.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups = []string{"sg-0000"}
		}, "InvalidParameterException"},
		"no desired count": {func(in *ecs.CreateServiceInput) { in.DesiredCount = nil }, "InvalidParameterException"},
		"grace without LB": {func(in *ecs.CreateServiceInput) { in.HealthCheckGracePeriodSeconds = aws.Int32(30) }, "InvalidParameterException"},
		"LB unknown container": {func(in *ecs.CreateServiceInput) {
			in.LoadBalancers = []ecstypes.LoadBalancer{{TargetGroupArn: tg, ContainerName: aws.String("web"), ContainerPort: aws.Int32(5000)}}
		}, "InvalidParameterException"},
		"LB unknown port": {func(in *ecs.CreateServiceInput) {
			in.LoadBalancers = []ecstypes.LoadBalancer{{TargetGroupArn: tg, ContainerName: aws.String("app"), ContainerPort: aws.Int32(80)}}
		}, "InvalidParameterException"},
		"LB unknown target group": {func(in *ecs.CreateServiceInput) {
			in.LoadBalancers = []ecstypes.LoadBalancer{{TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/0123456789abcdef"),
				ContainerName: aws.String("app"), ContainerPort: aws.Int32(5000)}}
		}, "InvalidParameterException"},
	}
	for name, tc := range cases {
		in := e.serviceInput("c", "s", td, 1)
		tc.mod(in)
		_, err := e.ecs.CreateService(bg, in)
		wantCode(t, name, err, tc.code)
	}
	if got := e.live("ecs", "service"); len(got) != 0 {
		t.Fatalf("failed creates left services %v", got)
	}

	// A clientToken reused with other parameters is refused.
	in := e.serviceInput("c", "s1", td, 1)
	in.ClientToken = aws.String("tok")
	must[*ecs.CreateServiceOutput](t, "create")(e.ecs.CreateService(bg, in))
	in2 := e.serviceInput("c", "s2", td, 1)
	in2.ClientToken = aws.String("tok")
	_, err := e.ecs.CreateService(bg, in2)
	wantCode(t, "token reuse", err, "InvalidParameterException")

	// Missing services are failures; ListServices pages.
	for _, n := range []string{"s2", "s3", "s4"} {
		must[*ecs.CreateServiceOutput](t, "create "+n)(e.ecs.CreateService(bg, e.serviceInput("c", n, td, 0)))
	}
	out := must[*ecs.DescribeServicesOutput](t, "describe")(e.ecs.DescribeServices(bg, &ecs.DescribeServicesInput{Cluster: aws.String("c"), Services: []string{"s1", "zz"}}))
	if len(out.Services) != 1 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "MISSING" ||
		aws.ToString(out.Failures[0].Arn) != "arn:aws:ecs:us-east-1:123456789012:service/c/zz" {
		t.Fatalf("describe %+v %+v", out.Services, out.Failures)
	}
	_, err = e.ecs.DescribeServices(bg, &ecs.DescribeServicesInput{Cluster: aws.String("nope"), Services: []string{"s1"}})
	wantCode(t, "describe in missing cluster", err, "ClusterNotFoundException")
	var arns []string
	p := ecs.NewListServicesPaginator(e.ecs, &ecs.ListServicesInput{Cluster: aws.String("c"), MaxResults: aws.Int32(3)})
	for p.HasMorePages() {
		arns = append(arns, must[*ecs.ListServicesOutput](t, "list")(p.NextPage(bg)).ServiceArns...)
	}
	if len(arns) != 4 {
		t.Fatalf("listed %v", arns)
	}
	// A service at desired count 0 deletes without force: DRAINING, then INACTIVE.
	del := must[*ecs.DeleteServiceOutput](t, "delete s4")(e.ecs.DeleteService(bg, &ecs.DeleteServiceInput{Cluster: aws.String("c"), Service: aws.String("s4")}))
	if s := aws.ToString(del.Service.Status); s != "DRAINING" {
		t.Fatalf("status %s", s)
	}
	e.waitInactive(t, "c", "s4")
	if got := e.service(t, "c", "s4"); aws.ToString(got.Status) != "INACTIVE" {
		t.Fatalf("s4 %s", aws.ToString(got.Status))
	}
	_, err = e.ecs.DeleteService(bg, &ecs.DeleteServiceInput{Cluster: aws.String("c"), Service: aws.String("s4")})
	wantCode(t, "delete inactive", err, "ServiceNotActiveException")
	// The same name can be created again once the old service is INACTIVE.
	must[*ecs.CreateServiceOutput](t, "recreate s4")(e.ecs.CreateService(bg, e.serviceInput("c", "s4", td, 0)))

	// A target group of target type instance cannot front awsvpc tasks.
	inst := must[*elbv2.CreateTargetGroupOutput](t, "instance tg")(e.elb.CreateTargetGroup(bg, &elbv2.CreateTargetGroupInput{
		Name: aws.String("inst"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(5000), VpcId: aws.String(e.vpc),
		TargetType: elbtypes.TargetTypeEnumInstance})).TargetGroups[0].TargetGroupArn
	withInst := e.serviceInput("c", "s5", td, 1)
	e.alb(t, aws.ToString(inst))
	withInst.LoadBalancers = []ecstypes.LoadBalancer{{TargetGroupArn: inst, ContainerName: aws.String("app"), ContainerPort: aws.Int32(5000)}}
	_, err = e.ecs.CreateService(bg, withInst)
	wantCode(t, "instance target group", err, "InvalidParameterException")
	_, err = e.ecs.DeleteService(bg, &ecs.DeleteServiceInput{Cluster: aws.String("c"), Service: aws.String("nope")})
	wantCode(t, "delete missing", err, "ServiceNotFoundException")
	_, err = e.ecs.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("c"), Service: aws.String("s1"), TaskDefinition: aws.String("nope:3")})
	wantCode(t, "update to missing td", err, "InvalidParameterException")

	// Scaling changes the task count without a new deployment.
	must[*ecs.UpdateServiceOutput](t, "scale")(e.ecs.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("c"), Service: aws.String("s2"), DesiredCount: aws.Int32(3)}))
	e.waitStable(t, "c", "s2")
	s2 := e.service(t, "c", "s2")
	if s2.RunningCount != 3 || len(s2.Deployments) != 1 {
		t.Fatalf("scaled: %d running, %d deployments", s2.RunningCount, len(s2.Deployments))
	}
	must[*ecs.UpdateServiceOutput](t, "scale in")(e.ecs.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("c"), Service: aws.String("s2"), DesiredCount: aws.Int32(1)}))
	e.clock.Advance(time.Minute)
	if got := e.live("ecs", "task"); len(got) != 2 { // s1's one and s2's one
		t.Fatalf("tasks after scale-in %v", got)
	}
}

func TestECSStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newECSEnv(t, awssim.WithStateFile(path))
	e.cluster(t, "demo-dev")
	td := e.taskDef(t, "demo-dev", "nginx:1.27")
	must[*ecs.CreateServiceOutput](t, "create")(e.ecs.CreateService(bg, e.serviceInput("demo-dev", "app", td, 2)))
	before := e.sim.ListLive()

	sim2, err := awssim.New(awssim.WithClock(e.clock), awssim.WithStateFile(path))
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	srv := httptest.NewServer(sim2)
	defer srv.Close()
	if after := sim2.ListLive(); len(after) != len(before) {
		t.Fatalf("restart kept %d of %d resources", len(after), len(before))
	}
	e2 := &ecsEnv{svcEnv: &svcEnv{sim: sim2, clock: e.clock, url: srv.URL}}
	e2.ecs = ecs.NewFromConfig(e2.cfg(ecsRegion))
	svc := e2.waitRollout(t, "demo-dev", "app")
	if svc.RunningCount != 2 || svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateCompleted {
		t.Fatalf("after restart: running %d, %s", svc.RunningCount, svc.Deployments[0].RolloutState)
	}
	// The restarted simulator's EC2 state still has the tasks' interfaces.
	_, err = ec2.NewFromConfig(e2.cfg(ecsRegion)).DeleteSubnet(bg, &ec2.DeleteSubnetInput{SubnetId: aws.String(e.subnets[0])})
	wantCode(t, "delete subnet after restart", err, "DependencyViolation")
}

// TestECSAtTimeScaleZero: with every latency at zero a service is steady, and a deleted one
// INACTIVE, on the next read; a missing image fails the deployment without looping.
func TestECSAtTimeScaleZero(t *testing.T) {
	e := newECSEnv(t, awssim.WithTimeScale(0))
	e.cluster(t, "c")
	td := e.taskDef(t, "fam", "nginx:1.27")
	must[*ecs.CreateServiceOutput](t, "create")(e.ecs.CreateService(bg, e.serviceInput("c", "s", td, 2)))
	svc := e.service(t, "c", "s")
	if svc.RunningCount != 2 || svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateCompleted {
		t.Fatalf("running %d rollout %s", svc.RunningCount, svc.Deployments[0].RolloutState)
	}
	must[*ecs.DeleteServiceOutput](t, "delete")(e.ecs.DeleteService(bg, &ecs.DeleteServiceInput{Cluster: aws.String("c"), Service: aws.String("s"), Force: aws.Bool(true)}))
	if got := e.service(t, "c", "s"); aws.ToString(got.Status) != "INACTIVE" {
		t.Fatalf("status after delete %s", aws.ToString(got.Status))
	}
	must[*ec2.DeleteSubnetOutput](t, "delete subnet")(e.ec2.DeleteSubnet(bg, &ec2.DeleteSubnetInput{SubnetId: aws.String(e.subnets[0])}))

	bad := e.taskDef(t, "bad", "123456789012.dkr.ecr.us-east-1.amazonaws.com/none:latest")
	in := e.serviceInput("c", "bad", bad, 1)
	in.NetworkConfiguration.AwsvpcConfiguration.Subnets = e.subnets[1:]
	must[*ecs.CreateServiceOutput](t, "create bad")(e.ecs.CreateService(bg, in))
	for range 5 {
		e.clock.Advance(time.Minute)
	}
	if d := e.service(t, "c", "bad").Deployments[0]; d.RolloutState != ecstypes.DeploymentRolloutStateFailed || d.FailedTasks != 3 {
		t.Fatalf("bad image: %s after %d failures", d.RolloutState, d.FailedTasks)
	}
}

func TestECSListTaskDefinitionFamilies(t *testing.T) {
	e := newECSEnv(t)
	e.taskDef(t, "web", "nginx:1.27")
	e.taskDef(t, "web", "nginx:1.28")
	worker := e.taskDef(t, "worker", "nginx:1.27")
	e.taskDef(t, "api", "nginx:1.27")
	must[*ecs.DeregisterTaskDefinitionOutput](t, "deregister")(e.ecs.DeregisterTaskDefinition(bg, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(worker)}))
	families := func(in *ecs.ListTaskDefinitionFamiliesInput) string {
		var out []string
		pages := ecs.NewListTaskDefinitionFamiliesPaginator(e.ecs, in)
		for pages.HasMorePages() {
			out = append(out, must[*ecs.ListTaskDefinitionFamiliesOutput](t, "families")(pages.NextPage(bg)).Families...)
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		in   *ecs.ListTaskDefinitionFamiliesInput
		want string
	}{
		{&ecs.ListTaskDefinitionFamiliesInput{}, "api web"},
		{&ecs.ListTaskDefinitionFamiliesInput{Status: ecstypes.TaskDefinitionFamilyStatusInactive}, "worker"},
		{&ecs.ListTaskDefinitionFamiliesInput{Status: ecstypes.TaskDefinitionFamilyStatusAll, MaxResults: aws.Int32(1)}, "api web worker"},
		{&ecs.ListTaskDefinitionFamiliesInput{Status: ecstypes.TaskDefinitionFamilyStatusAll, FamilyPrefix: aws.String("w")}, "web worker"},
	} {
		if got := families(tc.in); got != tc.want {
			t.Errorf("families %+v: %q, want %q", tc.in, got, tc.want)
		}
	}
	_, err := e.ecs.ListTaskDefinitionFamilies(bg, &ecs.ListTaskDefinitionFamiliesInput{Status: "DELETED"})
	wantCode(t, "bad status", err, "InvalidParameterException")
	_, err = e.ecs.ListTaskDefinitionFamilies(bg, &ecs.ListTaskDefinitionFamiliesInput{MaxResults: aws.Int32(101)})
	wantCode(t, "max results", err, "InvalidParameterException")
}

// A task's awslogs container writes to a stream <prefix>/<container>/<task ID> from the
// moment it runs, so DescribeLogStreams shows one per started task, also after it stopped.
func TestECSTasksOpenLogStreams(t *testing.T) {
	e := newECSEnv(t)
	logs := e.logs(ecsRegion)
	must[*cloudwatchlogs.CreateLogGroupOutput](t, "log group")(logs.CreateLogGroup(bg, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/ecs/demo-dev-app")}))
	e.cluster(t, "c")
	td := e.taskDef(t, "app", "nginx:1.27")
	must[*ecs.CreateServiceOutput](t, "create")(e.ecs.CreateService(bg, e.serviceInput("c", "app", td, 2)))
	streams := func(in *cloudwatchlogs.DescribeLogStreamsInput) []string {
		var out []string
		pages := cloudwatchlogs.NewDescribeLogStreamsPaginator(logs, in)
		for pages.HasMorePages() {
			for _, s := range must[*cloudwatchlogs.DescribeLogStreamsOutput](t, "streams")(pages.NextPage(bg)).LogStreams {
				out = append(out, aws.ToString(s.LogStreamName))
			}
		}
		return out
	}
	group := &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/demo-dev-app")}
	if got := streams(group); len(got) != 0 {
		t.Fatalf("streams before any task ran: %v", got)
	}
	e.waitStable(t, "c", "app")
	var want []string
	for _, arn := range must[*ecs.ListTasksOutput](t, "tasks")(e.ecs.ListTasks(bg, &ecs.ListTasksInput{Cluster: aws.String("c")})).TaskArns {
		want = append(want, "ecs/app/"+lastPathPart(arn))
	}
	slices.Sort(want)
	if got := streams(group); len(want) != 2 || !slices.Equal(got, want) {
		t.Fatalf("streams %v, want %v", got, want)
	}
	first := must[*cloudwatchlogs.DescribeLogStreamsOutput](t, "by ARN")(logs.DescribeLogStreams(bg, &cloudwatchlogs.DescribeLogStreamsInput{
		LogGroupIdentifier: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:/ecs/demo-dev-app:*"), Limit: aws.Int32(1), Descending: aws.Bool(true)}))
	if len(first.LogStreams) != 1 || aws.ToString(first.NextToken) == "" || aws.ToString(first.LogStreams[0].LogStreamName) != want[1] ||
		aws.ToString(first.LogStreams[0].Arn) != "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/demo-dev-app:log-stream:"+want[1] ||
		aws.ToInt64(first.LogStreams[0].CreationTime) == 0 {
		t.Fatalf("first stream descending %+v next %q", first.LogStreams, aws.ToString(first.NextToken))
	}
	if got := streams(&cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/demo-dev-app"), LogStreamNamePrefix: aws.String(want[0])}); !slices.Equal(got, want[:1]) {
		t.Fatalf("streams by prefix %v", got)
	}

	must[*ecs.UpdateServiceOutput](t, "scale in")(e.ecs.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("c"), Service: aws.String("app"), DesiredCount: aws.Int32(0)}))
	e.clock.Advance(time.Hour)
	if got := streams(group); !slices.Equal(got, want) {
		t.Fatalf("streams after the tasks stopped %v, want %v", got, want)
	}

	for what, in := range map[string]*cloudwatchlogs.DescribeLogStreamsInput{
		"name and identifier": {LogGroupName: aws.String("/ecs/demo-dev-app"), LogGroupIdentifier: aws.String("/ecs/demo-dev-app")},
		"neither":             {},
		"order with prefix":   {LogGroupName: aws.String("/ecs/demo-dev-app"), OrderBy: "LastEventTime", LogStreamNamePrefix: aws.String("ecs/")},
		"limit":               {LogGroupName: aws.String("/ecs/demo-dev-app"), Limit: aws.Int32(51)},
	} {
		_, err := logs.DescribeLogStreams(bg, in)
		wantCode(t, what, err, "InvalidParameterException")
	}
	_, err := logs.DescribeLogStreams(bg, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/missing")})
	wantCode(t, "missing group", err, "ResourceNotFoundException")
	must[*cloudwatchlogs.DeleteLogGroupOutput](t, "delete group")(logs.DeleteLogGroup(bg, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("/ecs/demo-dev-app")}))
	must[*cloudwatchlogs.CreateLogGroupOutput](t, "re-create group")(logs.CreateLogGroup(bg, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/ecs/demo-dev-app")}))
	if got := streams(group); len(got) != 0 {
		t.Fatalf("streams of a re-created group %v", got)
	}
}

// TestECSDeleteTaskDefinitions: only INACTIVE revisions can be deleted; a deleted revision
// is DELETE_IN_PROGRESS while a service still uses it and gone once nothing does, and the
// family's next registration takes the next number.
func TestECSDeleteTaskDefinitions(t *testing.T) {
	e := newECSEnv(t)
	cl := e.cluster(t, "tdgc")
	first, second := e.taskDef(t, "gc", "nginx:1"), e.taskDef(t, "gc", "nginx:2")
	must[*ecs.CreateServiceOutput](t, "service")(e.ecs.CreateService(bg, e.serviceInput(cl, "web", first, 1)))

	out := must[*ecs.DeleteTaskDefinitionsOutput](t, "delete active")(e.ecs.DeleteTaskDefinitions(bg, &ecs.DeleteTaskDefinitionsInput{
		TaskDefinitions: []string{first, "gc:9"}}))
	if len(out.TaskDefinitions) != 0 || len(out.Failures) != 2 || aws.ToString(out.Failures[0].Arn) != first {
		t.Fatalf("deleting an ACTIVE and an unknown revision: %+v, want two failures", out)
	}
	_, err := e.ecs.DeleteTaskDefinitions(bg, &ecs.DeleteTaskDefinitionsInput{TaskDefinitions: []string{"gc"}})
	expectCode(t, err, "ClientException")

	for _, td := range []string{first, second} {
		must[*ecs.DeregisterTaskDefinitionOutput](t, "deregister")(e.ecs.DeregisterTaskDefinition(bg, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(td)}))
	}
	out = must[*ecs.DeleteTaskDefinitionsOutput](t, "delete")(e.ecs.DeleteTaskDefinitions(bg, &ecs.DeleteTaskDefinitionsInput{
		TaskDefinitions: []string{first, second}}))
	if len(out.Failures) != 0 || len(out.TaskDefinitions) != 2 || out.TaskDefinitions[0].Status != ecstypes.TaskDefinitionStatusDeleteInProgress ||
		out.TaskDefinitions[0].DeleteRequestedAt == nil {
		t.Fatalf("delete INACTIVE revisions: %+v", out)
	}
	// The service's revision stays until the service is gone; the other is deleted at once.
	if _, err := e.ecs.DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(second)}); err == nil {
		t.Errorf("%s, used by nothing, still describable", second)
	}
	d := must[*ecs.DescribeTaskDefinitionOutput](t, "describe")(e.ecs.DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(first)}))
	if d.TaskDefinition.Status != ecstypes.TaskDefinitionStatusDeleteInProgress {
		t.Errorf("%s used by a service: %s, want DELETE_IN_PROGRESS", first, d.TaskDefinition.Status)
	}
	listed := must[*ecs.ListTaskDefinitionsOutput](t, "list")(e.ecs.ListTaskDefinitions(bg, &ecs.ListTaskDefinitionsInput{
		FamilyPrefix: aws.String("gc"), Status: ecstypes.TaskDefinitionStatusDeleteInProgress}))
	if !slices.Equal(listed.TaskDefinitionArns, []string{first}) {
		t.Errorf("DELETE_IN_PROGRESS revisions %v, want [%s]", listed.TaskDefinitionArns, first)
	}
	must[*ecs.UpdateServiceOutput](t, "scale in")(e.ecs.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String(cl), Service: aws.String("web"), DesiredCount: aws.Int32(0)}))
	must[*ecs.DeleteServiceOutput](t, "delete service")(e.ecs.DeleteService(bg, &ecs.DeleteServiceInput{Cluster: aws.String(cl), Service: aws.String("web")}))
	e.waitInactive(t, cl, "web")
	_, err = e.ecs.DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(first)})
	expectCode(t, err, "ClientException")
	if got := e.taskDef(t, "gc", "nginx:3"); !strings.HasSuffix(got, ":gc:3") && !strings.HasSuffix(got, "/gc:3") {
		t.Errorf("next registration %s, want revision 3", got)
	}
}
