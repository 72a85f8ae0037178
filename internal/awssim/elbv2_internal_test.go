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
	setTargets := func(ips ...string) { locked(func() { st.SetTargets("us-east-1", tg, owner, ips) }) }

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
	locked(func() { st.SetTargets("us-east-1", tg+"0", owner, []string{"10.0.0.1"}) })
	if got := health(); len(got) != 3 {
		t.Fatalf("targets = %v", got)
	}
}
