package awssim

import (
	"maps"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// TestELBTargetGroupAndSetTargetsForECS drives the two hooks the ECS simulator calls (with
// the lock held) and reads the outcome through the real ELBv2 client.
func TestELBTargetGroupAndSetTargetsForECS(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sim, err := New(WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	ec2c, elbc := ec2.NewFromConfig(cfg), elb.NewFromConfig(cfg)
	ctx := t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	vpc, err := ec2c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	must(err)
	vpcID := aws.ToString(vpc.Vpc.VpcId)
	igw, err := ec2c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	must(err)
	_, err = ec2c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: aws.String(vpcID)})
	must(err)
	var subnets []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sn, err := ec2c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String([]string{"10.0.0.0/24", "10.0.1.0/24"}[i]), AvailabilityZone: aws.String(az)})
		must(err)
		subnets = append(subnets, aws.ToString(sn.Subnet.SubnetId))
	}
	lb, err := elbc.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("ecs"), Subnets: subnets})
	must(err)
	tgOut, err := elbc.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("ecs"), Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(5000), VpcId: aws.String(vpcID), TargetType: elbtypes.TargetTypeEnumIp,
		HealthCheckIntervalSeconds: aws.Int32(10), HealthyThresholdCount: aws.Int32(2)})
	must(err)
	tg := aws.ToString(tgOut.TargetGroups[0].TargetGroupArn)
	_, err = elbc.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(80),
		Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(tg)}}})
	must(err)
	// A target someone registered by hand: SetTargets must leave it alone.
	_, err = elbc.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: []elbtypes.TargetDescription{{Id: aws.String("10.0.0.99")}}})
	must(err)

	st := sim.Service("elasticloadbalancing").State.(*elbv2State)
	locked := func(f func()) {
		sim.mu.Lock()
		defer sim.mu.Unlock()
		f()
	}
	locked(func() {
		port, vpcGot, ok := st.TargetGroup("us-east-1", tg)
		if !ok || port != 5000 || vpcGot != vpcID {
			t.Fatalf("TargetGroup = %d, %q, %v", port, vpcGot, ok)
		}
		if _, _, ok := st.TargetGroup("us-east-1", tg+"0"); ok {
			t.Fatal("TargetGroup found an unknown ARN")
		}
		if _, _, ok := st.TargetGroup("eu-west-1", tg); ok {
			t.Fatal("TargetGroup found the group in another region")
		}
	})
	health := func() map[string]string {
		t.Helper()
		out, err := elbc.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
		must(err)
		m := map[string]string{}
		for _, d := range out.TargetHealthDescriptions {
			if aws.ToInt32(d.Target.Port) != 5000 {
				t.Fatalf("target port = %d", aws.ToInt32(d.Target.Port))
			}
			m[aws.ToString(d.Target.Id)] = string(d.TargetHealth.State)
		}
		return m
	}
	expect := func(want map[string]string) {
		t.Helper()
		if got := health(); !maps.Equal(got, want) {
			t.Fatalf("target health = %v, want %v", got, want)
		}
	}
	const owner = "arn:aws:ecs:us-east-1:123456789012:service/flask/app"
	setTargets := func(ips ...string) {
		var targets []taskTarget
		for _, ip := range ips {
			targets = append(targets, taskTarget{IP: ip, Image: "app:" + ip})
		}
		locked(func() { st.SetTargets("us-east-1", tg, owner, targets, clock.Now()) })
	}

	// Health checks start once the load balancer is active (180 s).
	expect(map[string]string{"10.0.0.99": "initial"})
	clock.Advance(180 * time.Second)
	setTargets("10.0.0.10", "10.0.1.10")
	expect(map[string]string{"10.0.0.99": "initial", "10.0.0.10": "initial", "10.0.1.10": "initial"})
	clock.Advance(20 * time.Second) // 2 checks x 10 s
	expect(map[string]string{"10.0.0.99": "healthy", "10.0.0.10": "healthy", "10.0.1.10": "healthy"})

	// A rollout: one task replaced. The old address drains, the new one starts checking.
	setTargets("10.0.1.10", "10.0.0.11")
	setTargets("10.0.1.10", "10.0.0.11") // idempotent
	expect(map[string]string{"10.0.0.99": "healthy", "10.0.0.10": "draining", "10.0.1.10": "healthy", "10.0.0.11": "initial"})
	clock.Advance(300 * time.Second) // default deregistration delay
	expect(map[string]string{"10.0.0.99": "healthy", "10.0.1.10": "healthy", "10.0.0.11": "healthy"})

	// Scaling to zero drains the service's targets only; an address coming back re-registers.
	setTargets()
	expect(map[string]string{"10.0.0.99": "healthy", "10.0.1.10": "draining", "10.0.0.11": "draining"})
	setTargets("10.0.1.10")
	expect(map[string]string{"10.0.0.99": "healthy", "10.0.1.10": "initial", "10.0.0.11": "draining"})

	// An unknown group is a no-op.
	locked(func() { st.SetTargets("us-east-1", tg+"0", owner, []taskTarget{{IP: "10.0.0.1"}}, clock.Now()) })
	if got := health(); len(got) != 3 {
		t.Fatalf("targets = %v", got)
	}

	// TargetHealth reports ECS's view of its own registrations and when it changes next:
	// an image turning unhealthy fails 2 checks (20 s) later, healthy again 2 checks after that.
	targetHealth := func(ip string) (state string, next time.Time) {
		locked(func() { state, next = st.TargetHealth("us-east-1", tg, owner, ip, clock.Now()) })
		return state, next
	}
	clock.Advance(20 * time.Second)
	if state, next := targetHealth("10.0.1.10"); state != "healthy" || !next.IsZero() {
		t.Fatalf("TargetHealth = %s, next %v", state, next)
	}
	if state, _ := targetHealth("10.0.0.99"); state != "" {
		t.Fatalf("TargetHealth of a target ECS did not register = %q", state)
	}
	sim.SetImageHealth("app:10.0.1.10", false)
	if state, next := targetHealth("10.0.1.10"); state != "healthy" || !next.Equal(clock.Now().Add(20*time.Second)) {
		t.Fatalf("after the image failed: %s, next %v", state, next)
	}
	clock.Advance(20 * time.Second)
	expect(map[string]string{"10.0.0.99": "healthy", "10.0.1.10": "unhealthy", "10.0.0.11": "draining"})
	sim.SetImageHealth("app:10.0.1.10", true)
	clock.Advance(19 * time.Second)
	if state, next := targetHealth("10.0.1.10"); state != "unhealthy" || !next.Equal(clock.Now().Add(time.Second)) {
		t.Fatalf("recovering: %s, next %v", state, next)
	}
	clock.Advance(time.Second)
	expect(map[string]string{"10.0.0.99": "healthy", "10.0.1.10": "healthy", "10.0.0.11": "draining"})
}

// TestHealthTimeline: the states a registration passes through, for each way the checks
// and the application's health can meet.
func TestHealthTimeline(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	for name, tc := range map[string]struct {
		start   int // load balancer active (checks begin); registration at 0
		healthy bool
		since   int // -1: the application's health never changed
		want    map[int]string
	}{
		"healthy":                        {0, true, -1, map[int]string{0: "initial", 49: "initial", 50: "healthy"}},
		"load balancer provisioning":     {100, true, -1, map[int]string{0: "registering", 100: "initial", 150: "healthy"}},
		"unhealthy":                      {0, false, -1, map[int]string{0: "initial", 19: "initial", 20: "unhealthy", 500: "unhealthy"}},
		"turns unhealthy once healthy":   {0, false, 70, map[int]string{50: "healthy", 89: "healthy", 90: "unhealthy"}},
		"turns unhealthy while checking": {0, false, 30, map[int]string{30: "initial", 49: "initial", 50: "unhealthy"}},
		"recovers":                       {0, true, 40, map[int]string{20: "unhealthy", 89: "unhealthy", 90: "healthy"}},
		"changed before the checks":      {100, false, 50, map[int]string{99: "registering", 119: "initial", 120: "unhealthy"}},
		"time scale 0":                   {0, true, -1, map[int]string{0: "healthy"}},
	} {
		t.Run(name, func(t *testing.T) {
			since := time.Time{}
			if tc.since >= 0 {
				since = at(tc.since)
			}
			healthyAfter, unhealthyAfter := 50*time.Second, 20*time.Second
			if name == "time scale 0" {
				healthyAfter, unhealthyAfter = 0, 0
			}
			steps := healthTimeline(t0, at(tc.start), tc.healthy, since, healthyAfter, unhealthyAfter)
			for s, want := range tc.want {
				got, _ := stepAt(steps, at(s))
				state := got.State
				if got.Reason == "Elb.RegistrationInProgress" {
					state = "registering"
				}
				if state != want {
					t.Errorf("at %d s: %s (%s), want %s", s, state, got.Reason, want)
				}
			}
		})
	}
}
