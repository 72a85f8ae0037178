package awssim_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// seedNetwork is the operator's network: VPC, IGW, 2 public + 2 private subnets in 2 AZs,
// an EIP and a NAT gateway in public subnet 1, a public and a private route table, and the
// ALB and app security groups.
type seedNetwork struct {
	vpc, igw, eip, nat, publicRT, privateRT, albSG, appSG string
	public, private, assocs                               []string
}

func buildSeed(t *testing.T, e *env) seedNetwork {
	t.Helper()
	var n seedNetwork
	n.vpc = e.vpc(t, "10.0.0.0/16", "Name", "seed")
	mustDo(e.ec2.ModifyVpcAttribute(ctx(), &ec2.ModifyVpcAttributeInput{VpcId: aws.String(n.vpc), EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))(t)
	n.igw = e.igw(t, n.vpc)
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		pub := e.subnet(t, n.vpc, []string{"10.0.1.0/24", "10.0.2.0/24"}[i], az, "tier", "public")
		mustDo(e.ec2.ModifySubnetAttribute(ctx(), &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(pub), MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))(t)
		n.public = append(n.public, pub)
		n.private = append(n.private, e.subnet(t, n.vpc, []string{"10.0.3.0/24", "10.0.4.0/24"}[i], az, "tier", "private"))
	}
	n.eip = e.eip(t)
	n.nat = aws.ToString(e.nat(t, n.public[0], n.eip, "seed-nat").NatGatewayId)
	e.clock.Advance(90 * time.Second)
	if s := e.natState(t, n.nat); s != types.NatGatewayStateAvailable {
		t.Fatalf("NAT is %s after 90s", s)
	}
	newRT := func(target *ec2.CreateRouteInput, subnets []string) string {
		id := aws.ToString(mustDo(e.ec2.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: aws.String(n.vpc)}))(t).RouteTable.RouteTableId)
		target.RouteTableId, target.DestinationCidrBlock = aws.String(id), aws.String("0.0.0.0/0")
		mustDo(e.ec2.CreateRoute(ctx(), target))(t)
		for _, sn := range subnets {
			out := mustDo(e.ec2.AssociateRouteTable(ctx(), &ec2.AssociateRouteTableInput{RouteTableId: aws.String(id), SubnetId: aws.String(sn)}))(t)
			n.assocs = append(n.assocs, aws.ToString(out.AssociationId))
		}
		return id
	}
	n.publicRT = newRT(&ec2.CreateRouteInput{GatewayId: aws.String(n.igw)}, n.public)
	n.privateRT = newRT(&ec2.CreateRouteInput{NatGatewayId: aws.String(n.nat)}, n.private)
	sg := func(name string) string {
		return aws.ToString(mustDo(e.ec2.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(n.vpc)}))(t).GroupId)
	}
	n.albSG, n.appSG = sg("alb"), sg("app")
	mustDo(e.ec2.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(n.albSG), IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}))(t)
	mustDo(e.ec2.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(n.appSG), IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8000), ToPort: aws.Int32(8000), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(n.albSG)}}}}}))(t)
	return n
}

func TestSeedNetworkBuildAndTeardown(t *testing.T) {
	e := newEnv(t)
	n := buildSeed(t, e)
	counts := map[string]int{}
	for _, r := range e.sim.ListLive() {
		counts[r.Type]++
	}
	want := map[string]int{"vpc": 1, "internet-gateway": 1, "subnet": 4, "elastic-ip": 1, "natgateway": 1,
		"network-interface": 1, "route-table": 3, "security-group": 3}
	for typ, c := range want {
		if counts[typ] != c {
			t.Fatalf("inventory %v, want %v", counts, want)
		}
	}

	fails := func(step string, err error, code string) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s succeeded in the wrong order", step)
		}
		expectCode(t, err, code)
	}
	// Wrong order first: everything that depends on the NAT, the associations or the rules.
	_, err := e.ec2.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(n.vpc)})
	fails("DeleteVpc", err, "DependencyViolation")
	_, err = e.ec2.DetachInternetGateway(ctx(), &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(n.igw), VpcId: aws.String(n.vpc)})
	fails("DetachInternetGateway with a NAT EIP mapped", err, "DependencyViolation")
	_, err = e.ec2.DeleteInternetGateway(ctx(), &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(n.igw)})
	fails("DeleteInternetGateway while attached", err, "DependencyViolation")
	_, err = e.ec2.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String(n.public[0])})
	fails("DeleteSubnet holding the NAT", err, "DependencyViolation")
	_, err = e.ec2.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: aws.String(n.eip)})
	fails("ReleaseAddress held by the NAT", err, "AuthFailure")
	_, err = e.ec2.DeleteRouteTable(ctx(), &ec2.DeleteRouteTableInput{RouteTableId: aws.String(n.privateRT)})
	fails("DeleteRouteTable still associated", err, "DependencyViolation")
	_, err = e.ec2.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(n.albSG)})
	fails("DeleteSecurityGroup referenced by app", err, "DependencyViolation")

	// Correct order: NAT (and wait), EIP, route tables, SGs, subnets, IGW, VPC.
	mustDo(e.ec2.DeleteNatGateway(ctx(), &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(n.nat)}))(t)
	_, err = e.ec2.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: aws.String(n.eip)})
	fails("ReleaseAddress while the NAT is deleting", err, "AuthFailure")
	e.clock.Advance(time.Minute)
	if s := e.natState(t, n.nat); s != types.NatGatewayStateDeleted {
		t.Fatalf("NAT %s a minute after delete", s)
	}
	mustDo(e.ec2.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: aws.String(n.eip)}))(t)
	for _, a := range n.assocs {
		mustDo(e.ec2.DisassociateRouteTable(ctx(), &ec2.DisassociateRouteTableInput{AssociationId: aws.String(a)}))(t)
	}
	for _, rt := range []string{n.publicRT, n.privateRT} {
		mustDo(e.ec2.DeleteRouteTable(ctx(), &ec2.DeleteRouteTableInput{RouteTableId: aws.String(rt)}))(t)
	}
	for _, sg := range []string{n.appSG, n.albSG} {
		mustDo(e.ec2.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(sg)}))(t)
	}
	for _, sn := range append(n.public, n.private...) {
		mustDo(e.ec2.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String(sn)}))(t)
	}
	mustDo(e.ec2.DetachInternetGateway(ctx(), &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(n.igw), VpcId: aws.String(n.vpc)}))(t)
	mustDo(e.ec2.DeleteInternetGateway(ctx(), &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(n.igw)}))(t)
	mustDo(e.ec2.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(n.vpc)}))(t)
	if live := e.sim.ListLive(); len(live) != 0 {
		t.Fatalf("teardown leaked %+v", live)
	}
	// Like AWS, the deleted NAT stays visible (state deleted) for a while.
	got := mustDo(e.ec2.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{}))(t)
	if len(got.NatGateways) != 1 || got.NatGateways[0].State != types.NatGatewayStateDeleted {
		t.Fatalf("deleted NAT listing = %+v", got.NatGateways)
	}
}
