package awssim_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

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
