package awssim_test

import (
	"maps"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/flaskops/flask-operator/internal/awssim"
)

// TestELBStackBuildAndTeardown builds the seed's ECS front end (VPC, IGW, two public
// subnets, the ALB security group; ALB, target group, listener) and tears it down: first in
// the wrong order, which fails where AWS fails, then in the right one to an empty inventory.
func TestELBStackBuildAndTeardown(t *testing.T) {
	e := newELBEnv(t)
	mustDo(e.ec2.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(e.sg),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
			IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}))(t)
	lb := aws.ToString(e.alb(t, "seed-dev-alb").LoadBalancerArn)
	tg := e.targetGroup(t, "seed-dev-tg")
	e.listener(t, lb, tg, 80)
	counts := map[string]int{}
	for _, r := range e.sim.ListLive() {
		counts[r.Service+"/"+r.Type]++
	}
	for typ, want := range map[string]int{"elasticloadbalancing/loadbalancer": 1, "elasticloadbalancing/targetgroup": 1,
		"elasticloadbalancing/listener": 1, "ec2/network-interface": 2, "ec2/subnet": 2, "ec2/security-group": 2} {
		if counts[typ] != want {
			t.Fatalf("inventory %v: %s = %d, want %d", counts, typ, counts[typ], want)
		}
	}

	fails := func(step string, err error, code string) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s succeeded in the wrong order", step)
		}
		expectCode(t, err, code)
	}
	deleteSubnet := func(id string) error {
		_, err := e.ec2.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String(id)})
		return err
	}
	deleteSG := func() error {
		_, err := e.ec2.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(e.sg)})
		return err
	}
	// Wrong order while the load balancer exists.
	_, err := e.elb.DeleteTargetGroup(ctx(), &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(tg)})
	fails("DeleteTargetGroup behind a listener", err, "ResourceInUse")
	fails("DeleteSubnet under the ALB", deleteSubnet(e.subnets[0]), "DependencyViolation")
	fails("DeleteSecurityGroup of the ALB", deleteSG(), "DependencyViolation")
	_, err = e.ec2.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(e.vpcID)})
	fails("DeleteVpc", err, "DependencyViolation")

	// Delete the load balancer (its listener goes with it) and the target group.
	mustDo(e.elb.DeleteLoadBalancer(ctx(), &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lb)}))(t)
	gone := elb.NewLoadBalancersDeletedWaiter(e.elb, func(o *elb.LoadBalancersDeletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, time.Millisecond
	})
	if err := gone.Wait(ctx(), &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{lb}}, 5*time.Second); err != nil {
		t.Fatalf("wait for deleted: %v", err)
	}
	mustDo(e.elb.DeleteTargetGroup(ctx(), &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(tg)}))(t)

	// Its interfaces still hold the subnets and the group until they are released.
	e.clock.Advance(awssim.DefaultLatencies[awssim.LatencyLoadBalancerENIRelease] - time.Second)
	for _, sn := range e.subnets {
		fails("DeleteSubnet right after DeleteLoadBalancer", deleteSubnet(sn), "DependencyViolation")
	}
	fails("DeleteSecurityGroup right after DeleteLoadBalancer", deleteSG(), "DependencyViolation")
	e.clock.Advance(time.Second)

	mustDo(e.ec2.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(e.sg)}))(t)
	for _, sn := range e.subnets {
		if err := deleteSubnet(sn); err != nil {
			t.Fatalf("DeleteSubnet %s: %v", sn, err)
		}
	}
	igws := mustDo(e.ec2.DescribeInternetGateways(ctx(), &ec2.DescribeInternetGatewaysInput{}))(t)
	for _, g := range igws.InternetGateways {
		mustDo(e.ec2.DetachInternetGateway(ctx(), &ec2.DetachInternetGatewayInput{InternetGatewayId: g.InternetGatewayId, VpcId: aws.String(e.vpcID)}))(t)
		mustDo(e.ec2.DeleteInternetGateway(ctx(), &ec2.DeleteInternetGatewayInput{InternetGatewayId: g.InternetGatewayId}))(t)
	}
	mustDo(e.ec2.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(e.vpcID)}))(t)
	if live := e.sim.ListLive(); len(live) != 0 {
		t.Fatalf("teardown leaked %+v", live)
	}
}

// TestELBStateSurvivesRestart: load balancers, target groups with their registrations,
// listeners, tags and the pending interface release all round-trip through the state file.
func TestELBStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newELBEnv(t, awssim.WithStateFile(path))
	lb := aws.ToString(e.alb(t, "persist", "k", "v").LoadBalancerArn)
	tg := e.targetGroup(t, "persist")
	e.listener(t, lb, tg, 80)
	mustDo(e.elb.RegisterTargets(ctx(), &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg),
		Targets: []elbtypes.TargetDescription{{Id: aws.String("10.0.0.10")}}}))(t)
	mustDo(e.elb.DeleteLoadBalancer(ctx(), &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lb)}))(t)
	lb = aws.ToString(e.alb(t, "persist-2", "k", "v").LoadBalancerArn)
	e.listener(t, lb, tg, 80)
	before := e.sim.ListLive()

	sim2, err := awssim.New(awssim.WithClock(e.clock), awssim.WithStateFile(path))
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	srv := httptest.NewServer(sim2)
	defer srv.Close()
	if after := sim2.ListLive(); !slices.EqualFunc(before, after, func(a, b awssim.Resource) bool { return a.ID == b.ID && maps.Equal(a.Tags, b.Tags) }) {
		t.Fatalf("restart: %+v became %+v", before, after)
	}
	cfg := configFor(srv.URL, "us-east-1")
	c := elb.NewFromConfig(cfg)
	h := mustDo(c.DescribeTargetHealth(ctx(), &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)}))(t)
	if len(h.TargetHealthDescriptions) != 1 || h.TargetHealthDescriptions[0].TargetHealth.State != elbtypes.TargetHealthStateEnumInitial {
		t.Fatalf("targets after restart = %+v", h.TargetHealthDescriptions)
	}
	// The first load balancer's interfaces still hold the subnet, then are released.
	_, err = ec2.NewFromConfig(cfg).DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(e.sg)})
	expectCode(t, err, "DependencyViolation")
	e.clock.Advance(time.Minute)
	enis := mustDo(ec2.NewFromConfig(cfg).DescribeNetworkInterfaces(ctx(), &ec2.DescribeNetworkInterfacesInput{}))(t)
	if len(enis.NetworkInterfaces) != 2 {
		t.Fatalf("interfaces after the release = %d, want the second load balancer's 2", len(enis.NetworkInterfaces))
	}
}
