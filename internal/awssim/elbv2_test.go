package awssim_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/flaskops/flask-operator/internal/awssim"
)

// elbEnv is a simulator with a VPC (IGW attached), two public subnets in two AZs and an
// ALB security group, and an ELBv2 client.
type elbEnv struct {
	*env
	elb     *elb.Client
	vpcID   string
	subnets []string
	sg      string
}

func newELBEnv(t *testing.T, opts ...awssim.Option) *elbEnv {
	t.Helper()
	e := &elbEnv{env: newEnv(t, opts...)}
	e.elb = elb.NewFromConfig(e.cfg)
	e.vpcID = e.vpc(t, "10.0.0.0/16")
	e.igw(t, e.vpcID)
	e.subnets = []string{e.subnet(t, e.vpcID, "10.0.0.0/24", "us-east-1a"), e.subnet(t, e.vpcID, "10.0.1.0/24", "us-east-1b")}
	e.sg = e.securityGroup(t, e.vpcID, "alb")
	return e
}

func (e *elbEnv) securityGroup(t *testing.T, vpcID, name string) string {
	t.Helper()
	out := mustDo(e.ec2.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{VpcId: aws.String(vpcID),
		GroupName: aws.String(name), Description: aws.String(name)}))(t)
	return aws.ToString(out.GroupId)
}

func (e *elbEnv) alb(t *testing.T, name string, kv ...string) elbtypes.LoadBalancer {
	t.Helper()
	out := mustDo(e.elb.CreateLoadBalancer(ctx(), &elb.CreateLoadBalancerInput{Name: aws.String(name),
		Subnets: e.subnets, SecurityGroups: []string{e.sg}, Scheme: elbtypes.LoadBalancerSchemeEnumInternetFacing,
		Type: elbtypes.LoadBalancerTypeEnumApplication, Tags: elbTags(kv...)}))(t)
	return out.LoadBalancers[0]
}

func (e *elbEnv) targetGroup(t *testing.T, name string, kv ...string) string {
	t.Helper()
	out := mustDo(e.elb.CreateTargetGroup(ctx(), &elb.CreateTargetGroupInput{Name: aws.String(name),
		Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(5000), VpcId: aws.String(e.vpcID),
		TargetType: elbtypes.TargetTypeEnumIp, HealthCheckPath: aws.String("/"), Matcher: &elbtypes.Matcher{HttpCode: aws.String("200")},
		Tags: elbTags(kv...)}))(t)
	return aws.ToString(out.TargetGroups[0].TargetGroupArn)
}

func (e *elbEnv) listener(t *testing.T, lbArn, tgArn string, port int32) string {
	t.Helper()
	out := mustDo(e.elb.CreateListener(ctx(), &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbArn),
		Port: aws.Int32(port), Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: forward(tgArn)}))(t)
	return aws.ToString(out.Listeners[0].ListenerArn)
}

func forward(tgArn string) []elbtypes.Action {
	return []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(tgArn)}}
}

func elbTags(kv ...string) []elbtypes.Tag {
	var tags []elbtypes.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		tags = append(tags, elbtypes.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return tags
}

// albENIs are the interfaces AWS shows for a load balancer ("ELB app/<name>/<id>").
func (e *elbEnv) albENIs(t *testing.T, lbArn string) []ec2types.NetworkInterface {
	t.Helper()
	_, suffix, _ := strings.Cut(lbArn, ":loadbalancer/")
	out := mustDo(e.ec2.DescribeNetworkInterfaces(ctx(), &ec2.DescribeNetworkInterfacesInput{
		Filters: []ec2types.Filter{filter("description", "ELB "+suffix)}, MaxResults: aws.Int32(100)}))(t)
	return out.NetworkInterfaces
}

// tickingClient advances the manual clock before every request, so an SDK waiter polling
// the simulator sees simulated time pass between its attempts.
type tickingClient struct {
	clock *awssim.ManualClock
	step  time.Duration
}

func (c tickingClient) Do(r *http.Request) (*http.Response, error) {
	c.clock.Advance(c.step)
	return http.DefaultClient.Do(r)
}

func (e *elbEnv) ticking(step time.Duration) func(*elb.Options) {
	return func(o *elb.Options) { o.HTTPClient = tickingClient{e.clock, step} }
}

func TestELBLoadBalancerLifecycle(t *testing.T) {
	e := newELBEnv(t)
	lb := e.alb(t, "flask-dev-alb", "env", "dev")
	arn := aws.ToString(lb.LoadBalancerArn)
	if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/flask-dev-alb/[0-9a-f]{16}$`).MatchString(arn) {
		t.Fatalf("ARN = %s", arn)
	}
	if !regexp.MustCompile(`^flask-dev-alb-\d+\.us-east-1\.elb\.amazonaws\.com$`).MatchString(aws.ToString(lb.DNSName)) {
		t.Fatalf("DNSName = %s", aws.ToString(lb.DNSName))
	}
	if lb.State.Code != elbtypes.LoadBalancerStateEnumProvisioning || aws.ToString(lb.CanonicalHostedZoneId) != "Z35SXDOTRQ7X7K" ||
		aws.ToString(lb.VpcId) != e.vpcID || lb.Scheme != elbtypes.LoadBalancerSchemeEnumInternetFacing ||
		lb.Type != elbtypes.LoadBalancerTypeEnumApplication || !slices.Equal(lb.SecurityGroups, []string{e.sg}) ||
		len(lb.AvailabilityZones) != 2 || lb.CreatedTime == nil || lb.IpAddressType != elbtypes.IpAddressTypeIpv4 {
		t.Fatalf("created load balancer = %+v", lb)
	}
	// One requester-managed interface per subnet, in the load balancer's groups.
	enis := e.albENIs(t, arn)
	if len(enis) != 2 {
		t.Fatalf("interfaces = %d, want 2", len(enis))
	}
	for _, n := range enis {
		if n.InterfaceType != "interface" || aws.ToString(n.RequesterId) != "amazon-elb" || !aws.ToBool(n.RequesterManaged) ||
			len(n.Groups) != 1 || aws.ToString(n.Groups[0].GroupId) != e.sg || !slices.Contains(e.subnets, aws.ToString(n.SubnetId)) {
			t.Fatalf("interface = %+v", n)
		}
	}

	// Same settings: the same load balancer. Other settings: DuplicateLoadBalancerName.
	again := e.alb(t, "flask-dev-alb")
	if aws.ToString(again.LoadBalancerArn) != arn || len(e.albENIs(t, arn)) != 2 {
		t.Fatalf("re-create returned %s", aws.ToString(again.LoadBalancerArn))
	}
	_, err := e.elb.CreateLoadBalancer(ctx(), &elb.CreateLoadBalancerInput{Name: aws.String("flask-dev-alb"),
		Subnets: e.subnets, Scheme: elbtypes.LoadBalancerSchemeEnumInternal})
	expectCode(t, err, "DuplicateLoadBalancerName")

	// provisioning -> active on the clock; the SDK waiter polls until then.
	w := elb.NewLoadBalancerAvailableWaiter(e.elb, func(o *elb.LoadBalancerAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, time.Millisecond
		o.ClientOptions = append(o.ClientOptions, e.ticking(30*time.Second))
	})
	if err := w.Wait(ctx(), &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}}, 10*time.Second); err != nil {
		t.Fatalf("wait for active: %v", err)
	}
	got := mustDo(e.elb.DescribeLoadBalancers(ctx(), &elb.DescribeLoadBalancersInput{Names: []string{"flask-dev-alb"}}))(t)
	if got.LoadBalancers[0].State.Code != elbtypes.LoadBalancerStateEnumActive {
		t.Fatalf("state = %s", got.LoadBalancers[0].State.Code)
	}

	mustDo(e.elb.DeleteLoadBalancer(ctx(), &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arn)}))(t)
	_, err = e.elb.DescribeLoadBalancers(ctx(), &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	expectCode(t, err, "LoadBalancerNotFound")
	// Deleting an unknown load balancer succeeds, as on AWS.
	mustDo(e.elb.DeleteLoadBalancer(ctx(), &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arn)}))(t)
	// The interfaces linger for the release delay, then go.
	if n := len(e.albENIs(t, arn)); n != 2 {
		t.Fatalf("interfaces right after delete = %d, want 2", n)
	}
	e.clock.Advance(awssim.DefaultLatencies[awssim.LatencyLoadBalancerENIRelease])
	if n := len(e.albENIs(t, arn)); n != 0 {
		t.Fatalf("interfaces after the release delay = %d, want 0", n)
	}
}

func TestELBCreateLoadBalancerValidation(t *testing.T) {
	e := newELBEnv(t)
	sameAZ := e.subnet(t, e.vpcID, "10.0.2.0/24", "us-east-1a")
	otherVPC := e.vpc(t, "10.1.0.0/16")
	foreignSG := e.securityGroup(t, otherVPC, "foreign")
	noIGW := []string{e.subnet(t, otherVPC, "10.1.0.0/24", "us-east-1a"), e.subnet(t, otherVPC, "10.1.1.0/24", "us-east-1b")}
	for _, tc := range []struct {
		name string
		in   elb.CreateLoadBalancerInput
		code string
	}{
		{"one subnet", elb.CreateLoadBalancerInput{Name: aws.String("a"), Subnets: e.subnets[:1]}, "ValidationError"},
		{"two subnets in one AZ", elb.CreateLoadBalancerInput{Name: aws.String("a"), Subnets: []string{e.subnets[0], sameAZ}}, "InvalidConfigurationRequest"},
		{"unknown subnet", elb.CreateLoadBalancerInput{Name: aws.String("a"), Subnets: []string{e.subnets[0], "subnet-0123456789abcdef0"}}, "SubnetNotFound"},
		{"unknown group", elb.CreateLoadBalancerInput{Name: aws.String("a"), Subnets: e.subnets, SecurityGroups: []string{"sg-0123456789abcdef0"}}, "InvalidSecurityGroup"},
		{"group of another VPC", elb.CreateLoadBalancerInput{Name: aws.String("a"), Subnets: e.subnets, SecurityGroups: []string{foreignSG}}, "InvalidConfigurationRequest"},
		{"internet-facing without IGW", elb.CreateLoadBalancerInput{Name: aws.String("a"), Subnets: noIGW}, "InvalidSubnet"},
		{"name too long", elb.CreateLoadBalancerInput{Name: aws.String(strings.Repeat("a", 33)), Subnets: e.subnets}, "ValidationError"},
		{"name with underscore", elb.CreateLoadBalancerInput{Name: aws.String("a_b"), Subnets: e.subnets}, "ValidationError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.elb.CreateLoadBalancer(ctx(), &tc.in)
			expectCode(t, err, tc.code)
		})
	}
	// The exact message AWS sends for too few subnets.
	_, err := e.elb.CreateLoadBalancer(ctx(), &elb.CreateLoadBalancerInput{Name: aws.String("a"), Subnets: e.subnets[:1]})
	if !strings.Contains(err.Error(), "At least two subnets in two different Availability Zones must be specified") {
		t.Fatalf("message = %v", err)
	}
	// An internal load balancer needs no IGW, gets the VPC's default group and an internal- DNS name.
	out := mustDo(e.elb.CreateLoadBalancer(ctx(), &elb.CreateLoadBalancerInput{Name: aws.String("inner"), Subnets: noIGW,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal}))(t)
	lb := out.LoadBalancers[0]
	vpcs := mustDo(e.ec2.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		filter("vpc-id", otherVPC), filter("group-name", "default")}}))(t)
	if !strings.HasPrefix(aws.ToString(lb.DNSName), "internal-inner-") || len(lb.SecurityGroups) != 1 ||
		lb.SecurityGroups[0] != aws.ToString(vpcs.SecurityGroups[0].GroupId) {
		t.Fatalf("internal load balancer = %+v", lb)
	}
	if live := e.sim.ListLive(); countELB(live, "loadbalancer") != 1 {
		t.Fatalf("failed creates left load balancers behind: %+v", live)
	}
}

func countELB(live []awssim.Resource, typ string) int {
	n := 0
	for _, r := range live {
		if r.Service == "elasticloadbalancing" && r.Type == typ {
			n++
		}
	}
	return n
}

func TestELBDescribeLoadBalancersPaginatesAndNotFound(t *testing.T) {
	e := newELBEnv(t)
	var names []string
	for i := range 5 {
		names = append(names, aws.ToString(e.alb(t, fmt.Sprintf("lb-%d", i)).LoadBalancerName))
	}
	// One unpaged call sees only the simulator's small default page.
	first := mustDo(e.elb.DescribeLoadBalancers(ctx(), &elb.DescribeLoadBalancersInput{}))(t)
	if len(first.LoadBalancers) == 5 || first.NextMarker == nil {
		t.Fatalf("first page has %d, next marker %v", len(first.LoadBalancers), first.NextMarker)
	}
	var seen []string
	pages := 0
	p := elb.NewDescribeLoadBalancersPaginator(e.elb, &elb.DescribeLoadBalancersInput{PageSize: aws.Int32(2)})
	for p.HasMorePages() {
		page := mustDo(p.NextPage(ctx()))(t)
		pages++
		for _, lb := range page.LoadBalancers {
			seen = append(seen, aws.ToString(lb.LoadBalancerName))
		}
	}
	if pages != 3 || !slices.Equal(seen, names) {
		t.Fatalf("pages = %d, seen = %v", pages, seen)
	}
	_, err := e.elb.DescribeLoadBalancers(ctx(), &elb.DescribeLoadBalancersInput{PageSize: aws.Int32(401)})
	expectCode(t, err, "ValidationError")
	_, err = e.elb.DescribeLoadBalancers(ctx(), &elb.DescribeLoadBalancersInput{Names: []string{"lb-1", "nope"}})
	expectCode(t, err, "LoadBalancerNotFound")
	if !strings.Contains(err.Error(), "Load balancers '[nope]' not found") {
		t.Fatalf("message = %v", err)
	}
	_, err = e.elb.DescribeLoadBalancers(ctx(), &elb.DescribeLoadBalancersInput{
		LoadBalancerArns: []string{"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/0123456789abcdef"}})
	expectCode(t, err, "LoadBalancerNotFound")
	// Regions are separate.
	other := elb.NewFromConfig(configFor(e.url, "eu-west-1"))
	out := mustDo(other.DescribeLoadBalancers(ctx(), &elb.DescribeLoadBalancersInput{}))(t)
	if len(out.LoadBalancers) != 0 {
		t.Fatalf("eu-west-1 sees %d load balancers", len(out.LoadBalancers))
	}
}

func TestELBAttributesAndDeletionProtection(t *testing.T) {
	e := newELBEnv(t)
	arn := e.alb(t, "attrs").LoadBalancerArn
	attrs := func() map[string]string {
		out := mustDo(e.elb.DescribeLoadBalancerAttributes(ctx(), &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: arn}))(t)
		m := map[string]string{}
		for _, a := range out.Attributes {
			m[aws.ToString(a.Key)] = aws.ToString(a.Value)
		}
		return m
	}
	if a := attrs(); a["idle_timeout.timeout_seconds"] != "60" || a["deletion_protection.enabled"] != "false" || a["routing.http2.enabled"] != "true" {
		t.Fatalf("default attributes = %v", a)
	}
	set := func(k, v string) error {
		_, err := e.elb.ModifyLoadBalancerAttributes(ctx(), &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: arn,
			Attributes: []elbtypes.LoadBalancerAttribute{{Key: aws.String(k), Value: aws.String(v)}}})
		return err
	}
	for _, bad := range [][2]string{{"idle_timeout.timeout_seconds", "0"}, {"idle_timeout.timeout_seconds", "4001"},
		{"idle_timeout.timeout_seconds", "ten"}, {"deletion_protection.enabled", "yes"}, {"no.such.key", "1"}} {
		expectCode(t, set(bad[0], bad[1]), "ValidationError")
	}
	if err := set("idle_timeout.timeout_seconds", "4000"); err != nil {
		t.Fatal(err)
	}
	if err := set("deletion_protection.enabled", "true"); err != nil {
		t.Fatal(err)
	}
	if a := attrs(); a["idle_timeout.timeout_seconds"] != "4000" || a["deletion_protection.enabled"] != "true" {
		t.Fatalf("attributes = %v", a)
	}
	_, err := e.elb.DeleteLoadBalancer(ctx(), &elb.DeleteLoadBalancerInput{LoadBalancerArn: arn})
	expectCode(t, err, "OperationNotPermitted")
	if err := set("deletion_protection.enabled", "false"); err != nil {
		t.Fatal(err)
	}
	mustDo(e.elb.DeleteLoadBalancer(ctx(), &elb.DeleteLoadBalancerInput{LoadBalancerArn: arn}))(t)
	_, err = e.elb.DescribeLoadBalancerAttributes(ctx(), &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: arn})
	expectCode(t, err, "LoadBalancerNotFound")
}

func TestELBSetSecurityGroupsMovesTheInterfaces(t *testing.T) {
	e := newELBEnv(t)
	arn := aws.ToString(e.alb(t, "sgs").LoadBalancerArn)
	newSG := e.securityGroup(t, e.vpcID, "alb-2")
	_, err := e.ec2.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(e.sg)})
	expectCode(t, err, "DependencyViolation")
	out := mustDo(e.elb.SetSecurityGroups(ctx(), &elb.SetSecurityGroupsInput{LoadBalancerArn: aws.String(arn), SecurityGroups: []string{newSG}}))(t)
	if !slices.Equal(out.SecurityGroupIds, []string{newSG}) {
		t.Fatalf("SecurityGroupIds = %v", out.SecurityGroupIds)
	}
	for _, n := range e.albENIs(t, arn) {
		if len(n.Groups) != 1 || aws.ToString(n.Groups[0].GroupId) != newSG {
			t.Fatalf("interface groups = %+v", n.Groups)
		}
	}
	// The old group is free now; the new one is held by the interfaces.
	mustDo(e.ec2.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(e.sg)}))(t)
	_, err = e.ec2.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(newSG)})
	expectCode(t, err, "DependencyViolation")
	_, err = e.elb.SetSecurityGroups(ctx(), &elb.SetSecurityGroupsInput{LoadBalancerArn: aws.String(arn), SecurityGroups: []string{"sg-0123456789abcdef0"}})
	expectCode(t, err, "InvalidSecurityGroup")
	got := mustDo(e.elb.DescribeLoadBalancers(ctx(), &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}}))(t)
	if !slices.Equal(got.LoadBalancers[0].SecurityGroups, []string{newSG}) {
		t.Fatalf("SecurityGroups = %v", got.LoadBalancers[0].SecurityGroups)
	}
}

func TestELBTargetGroups(t *testing.T) {
	e := newELBEnv(t)
	arn := e.targetGroup(t, "flask-dev-tg")
	tg := mustDo(e.elb.DescribeTargetGroups(ctx(), &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}}))(t).TargetGroups[0]
	if aws.ToInt32(tg.Port) != 5000 || tg.Protocol != elbtypes.ProtocolEnumHttp || tg.TargetType != elbtypes.TargetTypeEnumIp ||
		aws.ToString(tg.VpcId) != e.vpcID || aws.ToString(tg.HealthCheckPath) != "/" || aws.ToString(tg.Matcher.HttpCode) != "200" ||
		aws.ToString(tg.HealthCheckPort) != "traffic-port" || aws.ToInt32(tg.HealthCheckIntervalSeconds) != 30 ||
		aws.ToInt32(tg.HealthyThresholdCount) != 5 || !aws.ToBool(tg.HealthCheckEnabled) || len(tg.LoadBalancerArns) != 0 ||
		!strings.HasPrefix(arn, "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/flask-dev-tg/") {
		t.Fatalf("target group = %+v", tg)
	}
	// Same settings: the same group. Different settings: DuplicateTargetGroupName.
	if again := e.targetGroup(t, "flask-dev-tg"); again != arn {
		t.Fatalf("re-create returned %s", again)
	}
	_, err := e.elb.CreateTargetGroup(ctx(), &elb.CreateTargetGroupInput{Name: aws.String("flask-dev-tg"),
		Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(8080), VpcId: aws.String(e.vpcID), TargetType: elbtypes.TargetTypeEnumIp})
	expectCode(t, err, "DuplicateTargetGroupName")
	for _, bad := range []elb.CreateTargetGroupInput{
		{Name: aws.String("x"), Protocol: elbtypes.ProtocolEnumHttp, VpcId: aws.String(e.vpcID)},
		{Name: aws.String("x"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String("vpc-0123456789abcdef0")},
		{Name: aws.String("x"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(e.vpcID),
			HealthCheckTimeoutSeconds: aws.Int32(30), HealthCheckIntervalSeconds: aws.Int32(10)},
		{Name: aws.String("x"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(e.vpcID), Matcher: &elbtypes.Matcher{HttpCode: aws.String("600")}},
		{Name: aws.String("x"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(e.vpcID), HealthCheckPath: aws.String("health")},
	} {
		_, err := e.elb.CreateTargetGroup(ctx(), &bad)
		expectCode(t, err, "ValidationError")
	}

	// Describe by names and by load balancer, paginated.
	for i := range 3 {
		e.targetGroup(t, fmt.Sprintf("tg-%d", i))
	}
	var all []string
	p := elb.NewDescribeTargetGroupsPaginator(e.elb, &elb.DescribeTargetGroupsInput{PageSize: aws.Int32(1)})
	for p.HasMorePages() {
		for _, g := range mustDo(p.NextPage(ctx()))(t).TargetGroups {
			all = append(all, aws.ToString(g.TargetGroupName))
		}
	}
	if !slices.Equal(all, []string{"flask-dev-tg", "tg-0", "tg-1", "tg-2"}) {
		t.Fatalf("paged target groups = %v", all)
	}
	byName := mustDo(e.elb.DescribeTargetGroups(ctx(), &elb.DescribeTargetGroupsInput{Names: []string{"tg-1"}}))(t)
	if len(byName.TargetGroups) != 1 {
		t.Fatalf("by name = %+v", byName.TargetGroups)
	}
	_, err = e.elb.DescribeTargetGroups(ctx(), &elb.DescribeTargetGroupsInput{Names: []string{"nope"}})
	expectCode(t, err, "TargetGroupNotFound")
	lb := aws.ToString(e.alb(t, "tg-lb").LoadBalancerArn)
	listener := e.listener(t, lb, arn, 80)
	byLB := mustDo(e.elb.DescribeTargetGroups(ctx(), &elb.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(lb)}))(t)
	if len(byLB.TargetGroups) != 1 || !slices.Equal(byLB.TargetGroups[0].LoadBalancerArns, []string{lb}) {
		t.Fatalf("by load balancer = %+v", byLB.TargetGroups)
	}

	// ModifyTargetGroup changes the health check.
	mod := mustDo(e.elb.ModifyTargetGroup(ctx(), &elb.ModifyTargetGroupInput{TargetGroupArn: aws.String(arn),
		HealthCheckPath: aws.String("/healthz"), HealthCheckIntervalSeconds: aws.Int32(10), HealthyThresholdCount: aws.Int32(2),
		Matcher: &elbtypes.Matcher{HttpCode: aws.String("200-299")}}))(t).TargetGroups[0]
	if aws.ToString(mod.HealthCheckPath) != "/healthz" || aws.ToInt32(mod.HealthCheckIntervalSeconds) != 10 ||
		aws.ToInt32(mod.HealthyThresholdCount) != 2 || aws.ToString(mod.Matcher.HttpCode) != "200-299" {
		t.Fatalf("modified = %+v", mod)
	}
	_, err = e.elb.ModifyTargetGroup(ctx(), &elb.ModifyTargetGroupInput{TargetGroupArn: aws.String(arn), HealthCheckTimeoutSeconds: aws.Int32(10)})
	expectCode(t, err, "ValidationError")

	// A group a listener forwards to cannot be deleted.
	_, err = e.elb.DeleteTargetGroup(ctx(), &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)})
	expectCode(t, err, "ResourceInUse")
	mustDo(e.elb.DeleteListener(ctx(), &elb.DeleteListenerInput{ListenerArn: aws.String(listener)}))(t)
	mustDo(e.elb.DeleteTargetGroup(ctx(), &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)}))(t)
	_, err = e.elb.DescribeTargetGroups(ctx(), &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
	expectCode(t, err, "TargetGroupNotFound")
	_, err = e.elb.ModifyTargetGroup(ctx(), &elb.ModifyTargetGroupInput{TargetGroupArn: aws.String(arn), HealthCheckPath: aws.String("/")})
	expectCode(t, err, "TargetGroupNotFound")
}

func TestELBTargetHealthOnTheClock(t *testing.T) {
	e := newELBEnv(t)
	tg := e.targetGroup(t, "targets")
	targets := func(ips ...string) []elbtypes.TargetDescription {
		var out []elbtypes.TargetDescription
		for _, ip := range ips {
			out = append(out, elbtypes.TargetDescription{Id: aws.String(ip)})
		}
		return out
	}
	health := func(in ...elbtypes.TargetDescription) map[string]elbtypes.TargetHealth {
		out := mustDo(e.elb.DescribeTargetHealth(ctx(), &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg), Targets: in}))(t)
		m := map[string]elbtypes.TargetHealth{}
		for _, d := range out.TargetHealthDescriptions {
			if aws.ToInt32(d.Target.Port) != 5000 || aws.ToString(d.HealthCheckPort) != "5000" {
				t.Fatalf("description = %+v", d)
			}
			m[aws.ToString(d.Target.Id)] = *d.TargetHealth
		}
		return m
	}
	mustDo(e.elb.RegisterTargets(ctx(), &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: targets("10.0.0.10", "10.0.1.10")}))(t)
	if h := health(); h["10.0.0.10"].State != elbtypes.TargetHealthStateEnumUnused || h["10.0.0.10"].Reason != elbtypes.TargetHealthReasonEnumNotInUse {
		t.Fatalf("before any listener: %+v", h)
	}
	lb := aws.ToString(e.alb(t, "targets").LoadBalancerArn)
	e.listener(t, lb, tg, 80)
	// Registration is in progress while the load balancer provisions (180 s); the checks
	// start once it is active.
	if h := health(); h["10.0.0.10"].State != elbtypes.TargetHealthStateEnumInitial || h["10.0.1.10"].Reason != elbtypes.TargetHealthReasonEnumRegistrationInProgress {
		t.Fatalf("after the listener: %+v", h)
	}
	e.clock.Advance(180 * time.Second)
	if h := health(); h["10.0.0.10"].State != elbtypes.TargetHealthStateEnumInitial || h["10.0.1.10"].Reason != elbtypes.TargetHealthReasonEnumInitialHealthChecking {
		t.Fatalf("once the load balancer is active: %+v", h)
	}
	e.clock.Advance(149 * time.Second)
	if h := health(); h["10.0.0.10"].State != elbtypes.TargetHealthStateEnumInitial {
		t.Fatalf("a second before the checks pass: %+v", h)
	}
	// healthy after HealthyThresholdCount x interval (5 x 30 s); the SDK waiter polls until then.
	w := elb.NewTargetInServiceWaiter(e.elb, func(o *elb.TargetInServiceWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, time.Millisecond
		o.ClientOptions = append(o.ClientOptions, e.ticking(30*time.Second))
	})
	if err := w.Wait(ctx(), &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)}, 10*time.Second); err != nil {
		t.Fatalf("wait for healthy: %v", err)
	}
	if h := health(); h["10.0.0.10"].State != elbtypes.TargetHealthStateEnumHealthy || h["10.0.0.10"].Reason != "" {
		t.Fatalf("after the health checks: %+v", h)
	}

	// Deregistered targets drain for the deregistration delay (300 s by default).
	mustDo(e.elb.DeregisterTargets(ctx(), &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: targets("10.0.0.10")}))(t)
	h := health()
	if h["10.0.0.10"].State != elbtypes.TargetHealthStateEnumDraining || h["10.0.0.10"].Reason != elbtypes.TargetHealthReasonEnumDeregistrationInProgress ||
		h["10.0.1.10"].State != elbtypes.TargetHealthStateEnumHealthy {
		t.Fatalf("after deregistering: %+v", h)
	}
	e.clock.Advance(299 * time.Second)
	if h := health(); h["10.0.0.10"].State != elbtypes.TargetHealthStateEnumDraining {
		t.Fatalf("before the delay ends: %+v", h)
	}
	dw := elb.NewTargetDeregisteredWaiter(e.elb, func(o *elb.TargetDeregisteredWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, time.Millisecond
		o.ClientOptions = append(o.ClientOptions, e.ticking(time.Second))
	})
	if err := dw.Wait(ctx(), &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg), Targets: targets("10.0.0.10")}, 10*time.Second); err != nil {
		t.Fatalf("wait for deregistered: %v", err)
	}
	if h := health(targets("10.0.0.10")...); h["10.0.0.10"].State != elbtypes.TargetHealthStateEnumUnused || h["10.0.0.10"].Reason != elbtypes.TargetHealthReasonEnumNotRegistered {
		t.Fatalf("after draining: %+v", h)
	}
	if h := health(); len(h) != 1 {
		t.Fatalf("registered targets = %+v", h)
	}
	// Deregistering an unknown target succeeds; wrong kinds of target are refused.
	mustDo(e.elb.DeregisterTargets(ctx(), &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: targets("10.0.9.9")}))(t)
	for ip, code := range map[string]string{"not-an-ip": "ValidationError", "8.8.8.8": "InvalidTarget"} {
		_, err := e.elb.RegisterTargets(ctx(), &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: targets(ip)})
		expectCode(t, err, code)
	}
	inst := mustDo(e.elb.CreateTargetGroup(ctx(), &elb.CreateTargetGroupInput{Name: aws.String("instances"),
		Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(e.vpcID)}))(t)
	_, err := e.elb.RegisterTargets(ctx(), &elb.RegisterTargetsInput{TargetGroupArn: inst.TargetGroups[0].TargetGroupArn,
		Targets: []elbtypes.TargetDescription{{Id: aws.String("i-0123456789abcdef0")}}})
	expectCode(t, err, "InvalidTarget")
	_, err = e.elb.DescribeTargetHealth(ctx(), &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg + "0")})
	expectCode(t, err, "TargetGroupNotFound")
}

func TestELBListeners(t *testing.T) {
	e := newELBEnv(t)
	lb := aws.ToString(e.alb(t, "listeners").LoadBalancerArn)
	tg := e.targetGroup(t, "listeners")
	l := mustDo(e.elb.CreateListener(ctx(), &elb.CreateListenerInput{LoadBalancerArn: aws.String(lb),
		Port: aws.Int32(80), Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: forward(tg)}))(t).Listeners[0]
	arn := aws.ToString(l.ListenerArn)
	if !strings.HasPrefix(arn, strings.Replace(lb, ":loadbalancer/", ":listener/", 1)+"/") || aws.ToInt32(l.Port) != 80 ||
		len(l.DefaultActions) != 1 || aws.ToString(l.DefaultActions[0].TargetGroupArn) != tg ||
		len(l.DefaultActions[0].ForwardConfig.TargetGroups) != 1 || aws.ToInt32(l.DefaultActions[0].ForwardConfig.TargetGroups[0].Weight) != 1 {
		t.Fatalf("listener = %+v", l)
	}
	for name, tc := range map[string]struct {
		in   elb.CreateListenerInput
		code string
	}{
		"same port":          {elb.CreateListenerInput{Port: aws.Int32(80), Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: forward(tg)}, "DuplicateListener"},
		"HTTPS without cert": {elb.CreateListenerInput{Port: aws.Int32(443), Protocol: elbtypes.ProtocolEnumHttps, DefaultActions: forward(tg)}, "ValidationError"},
		"HTTP with cert": {elb.CreateListenerInput{Port: aws.Int32(81), Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: forward(tg),
			Certificates: []elbtypes.Certificate{{CertificateArn: aws.String("arn:aws:acm:us-east-1:123456789012:certificate/abc")}}}, "ValidationError"},
		"TCP on an ALB":       {elb.CreateListenerInput{Port: aws.Int32(82), Protocol: elbtypes.ProtocolEnumTcp, DefaultActions: forward(tg)}, "ValidationError"},
		"unknown group":       {elb.CreateListenerInput{Port: aws.Int32(83), Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: forward(tg + "0")}, "TargetGroupNotFound"},
		"unknown certificate": {elb.CreateListenerInput{Port: aws.Int32(443), Protocol: elbtypes.ProtocolEnumHttps, DefaultActions: forward(tg), Certificates: []elbtypes.Certificate{{CertificateArn: aws.String("nope")}}}, "CertificateNotFound"},
	} {
		t.Run(name, func(t *testing.T) {
			tc.in.LoadBalancerArn = aws.String(lb)
			_, err := e.elb.CreateListener(ctx(), &tc.in)
			expectCode(t, err, tc.code)
		})
	}
	cert := importCertificate(t, acm.NewFromConfig(e.cfg))
	https := mustDo(e.elb.CreateListener(ctx(), &elb.CreateListenerInput{LoadBalancerArn: aws.String(lb), Port: aws.Int32(443),
		Protocol: elbtypes.ProtocolEnumHttps, DefaultActions: forward(tg),
		Certificates: []elbtypes.Certificate{{CertificateArn: aws.String(cert)}}}))(t).Listeners[0]
	if aws.ToString(https.SslPolicy) != "ELBSecurityPolicy-2016-08" || len(https.Certificates) != 1 {
		t.Fatalf("HTTPS listener = %+v", https)
	}
	fixed := mustDo(e.elb.CreateListener(ctx(), &elb.CreateListenerInput{LoadBalancerArn: aws.String(lb), Port: aws.Int32(8081),
		Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse,
			FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("404"), ContentType: aws.String("text/plain")}}}}))(t).Listeners[0]
	if aws.ToString(fixed.DefaultActions[0].FixedResponseConfig.StatusCode) != "404" {
		t.Fatalf("fixed-response listener = %+v", fixed)
	}

	// A target group of another VPC, or one another load balancer uses, cannot be forwarded to.
	otherVPC := e.vpc(t, "10.1.0.0/16")
	foreign := mustDo(e.elb.CreateTargetGroup(ctx(), &elb.CreateTargetGroupInput{Name: aws.String("foreign"),
		Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(otherVPC), TargetType: elbtypes.TargetTypeEnumIp}))(t)
	_, err := e.elb.CreateListener(ctx(), &elb.CreateListenerInput{LoadBalancerArn: aws.String(lb), Port: aws.Int32(90),
		Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: forward(aws.ToString(foreign.TargetGroups[0].TargetGroupArn))})
	expectCode(t, err, "InvalidConfigurationRequest")
	lb2 := aws.ToString(e.alb(t, "listeners-2").LoadBalancerArn)
	_, err = e.elb.CreateListener(ctx(), &elb.CreateListenerInput{LoadBalancerArn: aws.String(lb2), Port: aws.Int32(80),
		Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: forward(tg)})
	expectCode(t, err, "TargetGroupAssociationLimit")

	// DescribeListeners pages by load balancer.
	var ports []int32
	p := elb.NewDescribeListenersPaginator(e.elb, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lb), PageSize: aws.Int32(1)})
	for p.HasMorePages() {
		for _, x := range mustDo(p.NextPage(ctx()))(t).Listeners {
			ports = append(ports, aws.ToInt32(x.Port))
		}
	}
	if !slices.Equal(ports, []int32{80, 443, 8081}) {
		t.Fatalf("ports = %v", ports)
	}
	_, err = e.elb.DescribeListeners(ctx(), &elb.DescribeListenersInput{})
	expectCode(t, err, "ValidationError")

	// ModifyListener: a taken port is DuplicateListener; a free one moves the listener.
	_, err = e.elb.ModifyListener(ctx(), &elb.ModifyListenerInput{ListenerArn: aws.String(arn), Port: aws.Int32(443)})
	expectCode(t, err, "DuplicateListener")
	mod := mustDo(e.elb.ModifyListener(ctx(), &elb.ModifyListenerInput{ListenerArn: aws.String(arn), Port: aws.Int32(8080)}))(t).Listeners[0]
	if aws.ToInt32(mod.Port) != 8080 || aws.ToString(mod.DefaultActions[0].TargetGroupArn) != tg {
		t.Fatalf("modified = %+v", mod)
	}
	_, err = e.elb.ModifyListener(ctx(), &elb.ModifyListenerInput{ListenerArn: aws.String(arn), Protocol: elbtypes.ProtocolEnumHttps})
	expectCode(t, err, "ValidationError")

	mustDo(e.elb.DeleteListener(ctx(), &elb.DeleteListenerInput{ListenerArn: aws.String(arn)}))(t)
	_, err = e.elb.DeleteListener(ctx(), &elb.DeleteListenerInput{ListenerArn: aws.String(arn)})
	expectCode(t, err, "ListenerNotFound")
	// Deleting the load balancer deletes its listeners.
	mustDo(e.elb.DeleteLoadBalancer(ctx(), &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lb)}))(t)
	_, err = e.elb.DescribeListeners(ctx(), &elb.DescribeListenersInput{ListenerArns: []string{aws.ToString(https.ListenerArn)}})
	expectCode(t, err, "ListenerNotFound")
	if n := countELB(e.sim.ListLive(), "listener"); n != 0 {
		t.Fatalf("listeners left = %d", n)
	}
	// The group is free for another load balancer now.
	e.listener(t, lb2, tg, 80)
}

func TestELBTags(t *testing.T) {
	e := newELBEnv(t)
	lb := aws.ToString(e.alb(t, "tags", "flaskops.io/owner", "ns/app").LoadBalancerArn)
	tg := e.targetGroup(t, "tags", "flaskops.io/owner", "ns/app")
	l := e.listener(t, lb, tg, 80)
	mustDo(e.elb.AddTags(ctx(), &elb.AddTagsInput{ResourceArns: []string{lb, tg, l}, Tags: elbTags("stage", "ecs")}))(t)
	mustDo(e.elb.RemoveTags(ctx(), &elb.RemoveTagsInput{ResourceArns: []string{tg}, TagKeys: []string{"flaskops.io/owner"}}))(t)
	out := mustDo(e.elb.DescribeTags(ctx(), &elb.DescribeTagsInput{ResourceArns: []string{lb, tg, l}}))(t)
	got := map[string]string{}
	for _, d := range out.TagDescriptions {
		var kv []string
		for _, tag := range d.Tags {
			kv = append(kv, aws.ToString(tag.Key)+"="+aws.ToString(tag.Value))
		}
		got[aws.ToString(d.ResourceArn)] = strings.Join(kv, ",")
	}
	if got[lb] != "flaskops.io/owner=ns/app,stage=ecs" || got[tg] != "stage=ecs" || got[l] != "stage=ecs" {
		t.Fatalf("tags = %v", got)
	}
	var many []string
	for range 21 {
		many = append(many, lb)
	}
	_, err := e.elb.DescribeTags(ctx(), &elb.DescribeTagsInput{ResourceArns: many})
	expectCode(t, err, "ValidationError")
	_, err = e.elb.DescribeTags(ctx(), &elb.DescribeTagsInput{ResourceArns: []string{lb + "0"}})
	expectCode(t, err, "LoadBalancerNotFound")
	_, err = e.elb.AddTags(ctx(), &elb.AddTagsInput{ResourceArns: []string{tg + "0"}, Tags: elbTags("a", "b")})
	expectCode(t, err, "TargetGroupNotFound")
	_, err = e.elb.RemoveTags(ctx(), &elb.RemoveTagsInput{ResourceArns: []string{l + "0"}, TagKeys: []string{"a"}})
	expectCode(t, err, "ListenerNotFound")
	_, err = e.elb.AddTags(ctx(), &elb.AddTagsInput{ResourceArns: []string{lb}, Tags: elbTags("a", "1", "a", "2")})
	expectCode(t, err, "DuplicateTagKeys")
	// The inventory carries the tags.
	for _, r := range e.sim.ListLive() {
		if r.ID == lb && r.Tags["flaskops.io/owner"] != "ns/app" {
			t.Fatalf("inventory entry = %+v", r)
		}
	}
}
