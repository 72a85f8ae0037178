package network_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/stagetest"
)

// byoNetwork is a network built outside the operator: a VPC with two public subnets, two
// private ones, an internet gateway, and a private route table whose default route is
// has a default route only when privateRoute is set.
type byoNetwork struct {
	vpc              string
	public, private  []string
	igw, privateRTB  string
	otherVPCSubnetID string
}

func buildBYO(t fataler, c *ec2.Client, privateRoute bool) byoNetwork {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var n byoNetwork
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("172.16.0.0/16")})
	must(err)
	n.vpc = aws.ToString(vpc.Vpc.VpcId)
	for i, cidr := range []string{"172.16.1.0/24", "172.16.2.0/24", "172.16.3.0/24", "172.16.4.0/24"} {
		sn, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(n.vpc), CidrBlock: aws.String(cidr),
			AvailabilityZone: aws.String([]string{"us-east-1a", "us-east-1b"}[i%2])})
		must(err)
		if i < 2 {
			n.public = append(n.public, aws.ToString(sn.Subnet.SubnetId))
		} else {
			n.private = append(n.private, aws.ToString(sn.Subnet.SubnetId))
		}
	}
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	must(err)
	n.igw = aws.ToString(igw.InternetGateway.InternetGatewayId)
	_, err = c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(n.igw), VpcId: aws.String(n.vpc)})
	must(err)
	rt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(n.vpc)})
	must(err)
	n.privateRTB = aws.ToString(rt.RouteTable.RouteTableId)
	if privateRoute {
		_, err = c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(n.privateRTB),
			DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(n.igw)})
		must(err)
	}
	for _, sn := range n.private {
		_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(n.privateRTB), SubnetId: aws.String(sn)})
		must(err)
	}
	other, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("192.168.0.0/16")})
	must(err)
	osn, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: other.Vpc.VpcId, CidrBlock: aws.String("192.168.1.0/24")})
	must(err)
	n.otherVPCSubnetID = aws.ToString(osn.Subnet.SubnetId)
	return n
}

func TestExistingNetwork(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	n := buildBYO(t, r.ec2, true)
	live := len(r.sim.ListLive())
	fd := newFD("team-a", "shop")
	fd.Spec.Network.Existing = &v1alpha1.ExistingNetwork{VPCID: n.vpc, PublicSubnetIDs: n.public, PrivateSubnetIDs: n.private}

	before := r.sim.Calls()
	res, err := r.pass(ctx, fd, &stagetest.Store{})
	if err != nil || !res.Done {
		t.Fatalf("existing network: %+v %v", res, err)
	}
	st := fd.Status.Network
	if st.VPCID != n.vpc || len(st.PublicSubnets) != 2 || st.PublicSubnets[1].AvailabilityZone != "us-east-1b" ||
		st.PrivateSubnets[0].ID != n.private[0] || st.PrivateSubnets[0].CIDR != "172.16.3.0/24" {
		t.Fatalf("status %+v", st)
	}
	for op, c := range r.sim.Calls() {
		if c > before[op] && !strings.Contains(op, ":Describe") {
			t.Fatalf("existing network: called %s", op)
		}
	}
	res, err = r.stage.Delete(ctx, fd)
	if err != nil || !res.Done {
		t.Fatalf("delete %+v %v", res, err)
	}
	if got := len(r.sim.ListLive()); got != live {
		t.Fatalf("delete touched the existing network: %d resources, had %d", got, live)
	}
}

func TestExistingNetworkRefused(t *testing.T) {
	r := newRig(t)
	n := buildBYO(t, r.ec2, false)
	for _, tc := range []struct {
		name     string
		existing v1alpha1.ExistingNetwork
		want     string
	}{
		{"missing VPC", v1alpha1.ExistingNetwork{VPCID: "vpc-0000000000000dead", PublicSubnetIDs: n.public, PrivateSubnetIDs: n.private},
			"VPC vpc-0000000000000dead does not exist"},
		{"missing subnet", v1alpha1.ExistingNetwork{VPCID: n.vpc, PublicSubnetIDs: []string{n.public[0], "subnet-0000000000000dead"}, PrivateSubnetIDs: n.private},
			"subnets subnet-0000000000000dead do not exist"},
		{"subnet of another VPC", v1alpha1.ExistingNetwork{VPCID: n.vpc, PublicSubnetIDs: []string{n.public[0], n.otherVPCSubnetID}, PrivateSubnetIDs: n.private},
			"are not in VPC " + n.vpc},
		{"private subnets without a route to the internet", v1alpha1.ExistingNetwork{VPCID: n.vpc, PublicSubnetIDs: n.public, PrivateSubnetIDs: n.private},
			"private subnets need a route to the internet"},
		{"a private subnet on the main table without a default route", v1alpha1.ExistingNetwork{VPCID: n.vpc, PublicSubnetIDs: n.public, PrivateSubnetIDs: n.public},
			"has no active 0.0.0.0/0 route"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fd := newFD("team-a", "shop")
			fd.Spec.Network.Existing = &tc.existing
			_, err := r.pass(context.Background(), fd, &stagetest.Store{})
			term, ok := stage.AsTerminal(err)
			if !ok || term.Reason != v1alpha1.ReasonExistingNetworkInvalid || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want Stalled with %q, got %v", tc.want, err)
			}
		})
	}
	// Once the route is there, the same spec is accepted.
	if _, err := r.ec2.CreateRoute(context.Background(), &ec2.CreateRouteInput{RouteTableId: aws.String(n.privateRTB),
		DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(n.igw)}); err != nil {
		t.Fatal(err)
	}
	fd := newFD("team-a", "shop")
	fd.Spec.Network.Existing = &v1alpha1.ExistingNetwork{VPCID: n.vpc, PublicSubnetIDs: n.public, PrivateSubnetIDs: n.private}
	if res, err := r.pass(context.Background(), fd, &stagetest.Store{}); err != nil || !res.Done {
		t.Fatalf("%+v %v", res, err)
	}
}

// fataler is what buildBYO needs of a *testing.T or GinkgoT().
type fataler interface {
	Helper()
	Fatal(args ...any)
}
