package awssim_test

import (
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/flaskops/flask-operator/internal/awssim"
)

func TestNATGatewayLifecycleOnTheClock(t *testing.T) {
	e := newEnv(t)
	vpcID := e.vpc(t, "10.0.0.0/16")
	igwID := e.igw(t, vpcID)
	sub := e.subnet(t, vpcID, "10.0.1.0/24", "us-east-1a")
	alloc := e.eip(t)
	nat := e.nat(t, sub, alloc, "tok-1")
	id := aws.ToString(nat.NatGatewayId)
	if nat.State != types.NatGatewayStatePending {
		t.Fatalf("new NAT state = %s, want pending", nat.State)
	}
	e.clock.Advance(89 * time.Second)
	if s := e.natState(t, id); s != types.NatGatewayStatePending {
		t.Fatalf("NAT after 89s = %s, want pending", s)
	}
	e.clock.Advance(time.Second)
	if s := e.natState(t, id); s != types.NatGatewayStateAvailable {
		t.Fatalf("NAT after 90s = %s, want available", s)
	}

	// Its interface is visible in the subnet and carries the EIP.
	enis := mustDo(e.ec2.DescribeNetworkInterfaces(ctx(), &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("subnet-id", sub)}}))(t)
	if len(enis.NetworkInterfaces) != 1 || string(enis.NetworkInterfaces[0].InterfaceType) != "nat_gateway" ||
		enis.NetworkInterfaces[0].Association == nil || aws.ToString(enis.NetworkInterfaces[0].Association.AllocationId) != alloc {
		t.Fatalf("NAT ENI = %+v", enis.NetworkInterfaces)
	}
	addr := mustDo(e.ec2.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: []string{alloc}}))(t)
	if aws.ToString(addr.Addresses[0].NetworkInterfaceId) != aws.ToString(enis.NetworkInterfaces[0].NetworkInterfaceId) ||
		aws.ToString(addr.Addresses[0].AssociationId) == "" {
		t.Fatalf("EIP not associated: %+v", addr.Addresses[0])
	}

	// Wrong order while the NAT lives: each fails the way AWS fails.
	_, err := e.ec2.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String(sub)})
	expectCode(t, err, "DependencyViolation")
	_, err = e.ec2.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: aws.String(alloc)})
	expectCode(t, err, "AuthFailure")
	_, err = e.ec2.DetachInternetGateway(ctx(), &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igwID), VpcId: aws.String(vpcID)})
	expectCode(t, err, "DependencyViolation")

	mustDo(e.ec2.DeleteNatGateway(ctx(), &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(id)}))(t)
	if s := e.natState(t, id); s != types.NatGatewayStateDeleting {
		t.Fatalf("NAT after delete = %s, want deleting", s)
	}
	// Still deleting: the ENI holds the subnet and the EIP.
	_, err = e.ec2.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String(sub)})
	expectCode(t, err, "DependencyViolation")
	_, err = e.ec2.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: aws.String(alloc)})
	expectCode(t, err, "AuthFailure")

	e.clock.Advance(60 * time.Second)
	if s := e.natState(t, id); s != types.NatGatewayStateDeleted {
		t.Fatalf("NAT 60s after delete = %s, want deleted (and still listed)", s)
	}
	enis = mustDo(e.ec2.DescribeNetworkInterfaces(ctx(), &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("subnet-id", sub)}}))(t)
	if len(enis.NetworkInterfaces) != 0 {
		t.Fatalf("ENI outlived the NAT: %+v", enis.NetworkInterfaces)
	}
	mustDo(e.ec2.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: aws.String(alloc)}))(t)
	mustDo(e.ec2.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String(sub)}))(t)
	// A deleted NAT is listed for about an hour, then gone.
	listed := mustDo(e.ec2.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{Filter: []types.Filter{filter("state", "deleted")}}))(t)
	if len(listed.NatGateways) != 1 || listed.NatGateways[0].DeleteTime == nil {
		t.Fatalf("deleted NATs = %+v", listed.NatGateways)
	}
	e.clock.Advance(time.Hour)
	_, err = e.ec2.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{id}})
	expectCode(t, err, "NatGatewayNotFound")
}

func TestNATGatewayFailsWithoutInternetGateway(t *testing.T) {
	e := newEnv(t)
	vpcID := e.vpc(t, "10.0.0.0/16")
	sub := e.subnet(t, vpcID, "10.0.1.0/24", "us-east-1a")
	nat := e.nat(t, sub, e.eip(t), "")
	e.clock.Advance(2 * time.Minute)
	out := mustDo(e.ec2.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{aws.ToString(nat.NatGatewayId)}}))(t)
	if g := out.NatGateways[0]; g.State != types.NatGatewayStateFailed || aws.ToString(g.FailureCode) != "Gateway.NotAttached" {
		t.Fatalf("NAT without IGW = %s %s", g.State, aws.ToString(g.FailureCode))
	}
	// A failed NAT holds nothing.
	mustDo(e.ec2.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String(sub)}))(t)
}

func TestNATGatewayFailsWithAnAssociatedAddress(t *testing.T) {
	e := newEnv(t, awssim.WithTimeScale(0))
	vpcID := e.vpc(t, "10.0.0.0/16")
	e.igw(t, vpcID)
	alloc := e.eip(t)
	first := e.nat(t, e.subnet(t, vpcID, "10.0.1.0/24", "us-east-1a"), alloc, "")
	second := e.nat(t, e.subnet(t, vpcID, "10.0.2.0/24", "us-east-1b"), alloc, "")
	if first.State != types.NatGatewayStateAvailable {
		t.Fatalf("first NAT = %s, want available", first.State)
	}
	if second.State != types.NatGatewayStateFailed || aws.ToString(second.FailureCode) != "Resource.AlreadyAssociated" {
		t.Fatalf("NAT with an associated EIP = %s %s, want failed Resource.AlreadyAssociated", second.State, aws.ToString(second.FailureCode))
	}
	// The failed gateway took nothing: the address still belongs to the first.
	addr := mustDo(e.ec2.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: []string{alloc}}))(t).Addresses[0]
	if aws.ToString(addr.NetworkInterfaceId) == "" || aws.ToString(addr.NetworkInterfaceId) != aws.ToString(first.NatGatewayAddresses[0].NetworkInterfaceId) {
		t.Fatalf("EIP on %s, want the first NAT's interface %s", aws.ToString(addr.NetworkInterfaceId), aws.ToString(first.NatGatewayAddresses[0].NetworkInterfaceId))
	}
}

func TestNATGatewayAtTimeScaleZero(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, awssim.WithTimeScale(0), awssim.WithStateFile(path))
	vpcID := e.vpc(t, "10.0.0.0/16")
	e.igw(t, vpcID)
	sub := e.subnet(t, vpcID, "10.0.1.0/24", "us-east-1a")
	nat := e.nat(t, sub, e.eip(t), "")
	if nat.State != types.NatGatewayStateAvailable {
		t.Fatalf("time scale 0: NAT state %s, want available", nat.State)
	}
	deleted := aws.ToString(nat.NatGatewayId)
	mustDo(e.ec2.DeleteNatGateway(ctx(), &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(deleted)}))(t)
	other := e.vpc(t, "10.1.0.0/16") // no internet gateway: the NAT fails
	failed := aws.ToString(e.nat(t, e.subnet(t, other, "10.1.1.0/24", "us-east-1a"), e.eip(t), "").NatGatewayId)

	// Waits are instant, but retention is not a wait: both stay listed, as on AWS, also
	// after a restart, and neither counts as live.
	restarted, err := awssim.New(awssim.WithClock(e.clock), awssim.WithTimeScale(0), awssim.WithStateFile(path))
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	srv := httptest.NewServer(restarted)
	defer srv.Close()
	for name, client := range map[string]*ec2.Client{"running": e.ec2, "restarted": ec2.NewFromConfig(configFor(srv.URL, "us-east-1"))} {
		out := mustDo(client.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{deleted, failed}}))(t)
		if len(out.NatGateways) != 2 {
			t.Fatalf("%s: listed %d NAT gateways, want 2", name, len(out.NatGateways))
		}
		if g := out.NatGateways[0]; g.State != types.NatGatewayStateDeleted || g.DeleteTime == nil {
			t.Fatalf("%s: deleted NAT = %s, deleteTime %v", name, g.State, g.DeleteTime)
		}
		if g := out.NatGateways[1]; g.State != types.NatGatewayStateFailed || aws.ToString(g.FailureCode) != "Gateway.NotAttached" {
			t.Fatalf("%s: failed NAT = %s %s", name, g.State, aws.ToString(g.FailureCode))
		}
	}
	for _, sim := range []*awssim.Sim{e.sim, restarted} {
		for _, r := range sim.ListLive() {
			if r.Type == "natgateway" {
				t.Fatalf("inventory lists NAT %s as live", r.ID)
			}
		}
	}
	// The manual clock still moves past the retention period.
	e.clock.Advance(time.Hour)
	for _, id := range []string{deleted, failed} {
		_, err := e.ec2.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{id}})
		expectCode(t, err, "NatGatewayNotFound")
	}
}

func TestClientTokenIdempotency(t *testing.T) {
	e := newEnv(t)
	vpcID := e.vpc(t, "10.0.0.0/16")
	e.igw(t, vpcID)
	subA := e.subnet(t, vpcID, "10.0.1.0/24", "us-east-1a")
	subB := e.subnet(t, vpcID, "10.0.2.0/24", "us-east-1b")
	alloc := e.eip(t)
	first := e.nat(t, subA, alloc, "same-token")
	again := e.nat(t, subA, alloc, "same-token")
	if aws.ToString(first.NatGatewayId) != aws.ToString(again.NatGatewayId) {
		t.Fatalf("same token created a second NAT: %s then %s", aws.ToString(first.NatGatewayId), aws.ToString(again.NatGatewayId))
	}
	_, err := e.ec2.CreateNatGateway(ctx(), &ec2.CreateNatGatewayInput{SubnetId: aws.String(subB), AllocationId: aws.String(alloc), ClientToken: aws.String("same-token")})
	expectCode(t, err, "IdempotentParameterMismatch")
	if n := countType(e, "natgateway"); n != 1 {
		t.Fatalf("%d NAT gateways live, want 1", n)
	}

	rt1 := mustDo(e.ec2.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID), ClientToken: aws.String("rt-token")}))(t)
	rt2 := mustDo(e.ec2.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID), ClientToken: aws.String("rt-token")}))(t)
	if aws.ToString(rt1.RouteTable.RouteTableId) != aws.ToString(rt2.RouteTable.RouteTableId) || aws.ToString(rt2.ClientToken) != "rt-token" {
		t.Fatalf("route table token not idempotent")
	}
	_, err = e.ec2.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID), ClientToken: aws.String("rt-token"),
		TagSpecifications: tagSpec(types.ResourceTypeRouteTable, "k", "v")})
	expectCode(t, err, "IdempotentParameterMismatch")
}

func countType(e *env, typ string) int {
	n := 0
	for _, r := range e.sim.ListLive() {
		if r.Type == typ {
			n++
		}
	}
	return n
}

func TestRoutesAndAssociations(t *testing.T) {
	e := newEnv(t)
	vpcID := e.vpc(t, "10.0.0.0/16")
	sub := e.subnet(t, vpcID, "10.0.1.0/24", "us-east-1a")
	igwID := e.igw(t, "")
	rt := aws.ToString(mustDo(e.ec2.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID)}))(t).RouteTable.RouteTableId)
	defaultRoute := func(target string) *ec2.CreateRouteInput {
		return &ec2.CreateRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(target)}
	}
	_, err := e.ec2.CreateRoute(ctx(), defaultRoute(igwID))
	expectCode(t, err, "InvalidParameterValue") // IGW not attached to this VPC
	mustDo(e.ec2.AttachInternetGateway(ctx(), &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igwID), VpcId: aws.String(vpcID)}))(t)
	mustDo(e.ec2.CreateRoute(ctx(), defaultRoute(igwID)))(t)
	_, err = e.ec2.CreateRoute(ctx(), defaultRoute(igwID))
	expectCode(t, err, "RouteAlreadyExists")
	_, err = e.ec2.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String("nat-00000000000000000")})
	expectCode(t, err, "NatGatewayNotFound")

	alloc := e.eip(t)
	natID := aws.ToString(e.nat(t, sub, alloc, "").NatGatewayId)
	mustDo(e.ec2.ReplaceRoute(ctx(), &ec2.ReplaceRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String(natID)}))(t)
	_, err = e.ec2.ReplaceRoute(ctx(), &ec2.ReplaceRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("192.168.0.0/16"), NatGatewayId: aws.String(natID)})
	expectCode(t, err, "InvalidParameterValue")
	got := mustDo(e.ec2.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("route.nat-gateway-id", natID)}}))(t)
	if len(got.RouteTables) != 1 || got.RouteTables[0].Routes[1].State != types.RouteStateActive {
		t.Fatalf("route tables via NAT = %+v", got.RouteTables)
	}

	assoc := aws.ToString(mustDo(e.ec2.AssociateRouteTable(ctx(), &ec2.AssociateRouteTableInput{RouteTableId: aws.String(rt), SubnetId: aws.String(sub)}))(t).AssociationId)
	_, err = e.ec2.AssociateRouteTable(ctx(), &ec2.AssociateRouteTableInput{RouteTableId: aws.String(rt), SubnetId: aws.String(sub)})
	expectCode(t, err, "Resource.AlreadyAssociated")
	byAssoc := mustDo(e.ec2.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.subnet-id", sub)}}))(t)
	if len(byAssoc.RouteTables) != 1 || aws.ToString(byAssoc.RouteTables[0].RouteTableId) != rt {
		t.Fatalf("association.subnet-id filter = %+v", byAssoc.RouteTables)
	}
	_, err = e.ec2.DeleteRouteTable(ctx(), &ec2.DeleteRouteTableInput{RouteTableId: aws.String(rt)})
	expectCode(t, err, "DependencyViolation")
	main := mustDo(e.ec2.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", vpcID), filter("association.main", "true")}}))(t)
	_, err = e.ec2.DeleteRouteTable(ctx(), &ec2.DeleteRouteTableInput{RouteTableId: main.RouteTables[0].RouteTableId})
	expectCode(t, err, "DependencyViolation")

	mustDo(e.ec2.DisassociateRouteTable(ctx(), &ec2.DisassociateRouteTableInput{AssociationId: aws.String(assoc)}))(t)
	_, err = e.ec2.DisassociateRouteTable(ctx(), &ec2.DisassociateRouteTableInput{AssociationId: aws.String(assoc)})
	expectCode(t, err, "InvalidAssociationID.NotFound")
	mustDo(e.ec2.DeleteRoute(ctx(), &ec2.DeleteRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0")}))(t)
	_, err = e.ec2.DeleteRoute(ctx(), &ec2.DeleteRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0")})
	expectCode(t, err, "InvalidRoute.NotFound")
	mustDo(e.ec2.DeleteRouteTable(ctx(), &ec2.DeleteRouteTableInput{RouteTableId: aws.String(rt)}))(t)
}

func TestInternetGatewayErrors(t *testing.T) {
	e := newEnv(t)
	vpcID := e.vpc(t, "10.0.0.0/16")
	other := e.vpc(t, "10.1.0.0/16")
	igwID := e.igw(t, "")
	_, err := e.ec2.DetachInternetGateway(ctx(), &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igwID), VpcId: aws.String(vpcID)})
	expectCode(t, err, "Gateway.NotAttached")
	mustDo(e.ec2.AttachInternetGateway(ctx(), &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igwID), VpcId: aws.String(vpcID)}))(t)
	_, err = e.ec2.AttachInternetGateway(ctx(), &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igwID), VpcId: aws.String(other)})
	expectCode(t, err, "Resource.AlreadyAssociated")
	_, err = e.ec2.DeleteInternetGateway(ctx(), &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(igwID)})
	expectCode(t, err, "DependencyViolation")
	_, err = e.ec2.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(vpcID)})
	expectCode(t, err, "DependencyViolation")
	got := mustDo(e.ec2.DescribeInternetGateways(ctx(), &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{filter("attachment.vpc-id", vpcID)}}))(t)
	if len(got.InternetGateways) != 1 || string(got.InternetGateways[0].Attachments[0].State) != "available" {
		t.Fatalf("IGW by attachment.vpc-id = %+v", got.InternetGateways)
	}
	mustDo(e.ec2.DetachInternetGateway(ctx(), &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igwID), VpcId: aws.String(vpcID)}))(t)
	mustDo(e.ec2.DeleteInternetGateway(ctx(), &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(igwID)}))(t)
}

func TestSecurityGroupRulesAndDependencies(t *testing.T) {
	e := newEnv(t)
	vpcID := e.vpc(t, "10.0.0.0/16")
	alb := aws.ToString(mustDo(e.ec2.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("alb"), Description: aws.String("alb"), VpcId: aws.String(vpcID)}))(t).GroupId)
	app := aws.ToString(mustDo(e.ec2.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("app"), Description: aws.String("app"), VpcId: aws.String(vpcID),
		TagSpecifications: tagSpec(types.ResourceTypeSecurityGroup, "role", "app")}))(t).GroupId)
	_, err := e.ec2.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("alb"), Description: aws.String("dup"), VpcId: aws.String(vpcID)})
	expectCode(t, err, "InvalidGroup.Duplicate")

	http := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}
	fromALB := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8000), ToPort: aws.Int32(8000), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(alb)}}}
	out := mustDo(e.ec2.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(alb), IpPermissions: []types.IpPermission{http}}))(t)
	if !aws.ToBool(out.Return) || len(out.SecurityGroupRules) != 1 {
		t.Fatalf("authorize = %+v", out)
	}
	mustDo(e.ec2.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{fromALB}}))(t)
	_, err = e.ec2.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{fromALB}})
	expectCode(t, err, "InvalidPermission.Duplicate")
	missing := fromALB
	missing.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: aws.String("sg-00000000000000000")}}
	_, err = e.ec2.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{missing}})
	expectCode(t, err, "InvalidGroup.NotFound")

	got := mustDo(e.ec2.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{app}}))(t).SecurityGroups[0]
	if len(got.IpPermissions) != 1 || aws.ToString(got.IpPermissions[0].UserIdGroupPairs[0].GroupId) != alb || aws.ToInt32(got.IpPermissions[0].FromPort) != 8000 ||
		len(got.IpPermissionsEgress) != 1 || aws.ToString(got.IpPermissionsEgress[0].IpProtocol) != "-1" {
		t.Fatalf("app SG = %+v", got)
	}
	refs := mustDo(e.ec2.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("ip-permission.group-id", alb)}}))(t)
	if len(refs.SecurityGroups) != 1 || aws.ToString(refs.SecurityGroups[0].GroupId) != app {
		t.Fatalf("groups referencing alb = %+v", refs.SecurityGroups)
	}

	_, err = e.ec2.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(alb)})
	expectCode(t, err, "DependencyViolation")
	def := mustDo(e.ec2.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("vpc-id", vpcID), filter("group-name", "default")}}))(t)
	_, err = e.ec2.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: def.SecurityGroups[0].GroupId})
	expectCode(t, err, "CannotDelete")
	_, err = e.ec2.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(vpcID)})
	expectCode(t, err, "DependencyViolation")

	mustDo(e.ec2.RevokeSecurityGroupIngress(ctx(), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{fromALB}}))(t)
	_, err = e.ec2.RevokeSecurityGroupIngress(ctx(), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{fromALB}})
	expectCode(t, err, "InvalidPermission.NotFound")
	allOut := types.IpPermission{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}
	mustDo(e.ec2.RevokeSecurityGroupEgress(ctx(), &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{allOut}}))(t)
	mustDo(e.ec2.AuthorizeSecurityGroupEgress(ctx(), &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{allOut}}))(t)
	mustDo(e.ec2.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(alb)}))(t)
	mustDo(e.ec2.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(app)}))(t)
	mustDo(e.ec2.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(vpcID)}))(t)
}

func TestTimeScaleOnTheWallClock(t *testing.T) {
	sim, err := awssim.New(awssim.WithTimeScale(0.001)) // NAT: 90 ms instead of 90 s
	if err != nil {
		t.Fatal(err)
	}
	if d := sim.Delay(awssim.LatencyNATGatewayCreate); d != 90*time.Millisecond {
		t.Fatalf("scaled NAT delay = %v", d)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	e := &env{sim: sim, ec2: ec2.NewFromConfig(configFor(srv.URL, "us-east-1"))}
	vpcID := e.vpc(t, "10.0.0.0/16")
	e.igw(t, vpcID)
	nat := e.nat(t, e.subnet(t, vpcID, "10.0.1.0/24", "us-east-1a"), e.eip(t), "")
	if nat.State != types.NatGatewayStatePending {
		t.Fatalf("NAT state %s right after create", nat.State)
	}
	time.Sleep(100 * time.Millisecond)
	if s := e.natState(t, aws.ToString(nat.NatGatewayId)); s != types.NatGatewayStateAvailable {
		t.Fatalf("NAT state %s after the scaled delay", s)
	}
}

func TestNATGatewayNotFoundHasOneMessage(t *testing.T) {
	e := newEnv(t)
	const id = "nat-00000000000000000"
	rt := mustDo(e.ec2.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: aws.String(e.vpc(t, "10.0.0.0/16"))}))(t).RouteTable.RouteTableId
	for name, call := range map[string]func() error{
		"DescribeNatGateways": func() error {
			_, err := e.ec2.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{id}})
			return err
		},
		"DeleteNatGateway": func() error {
			_, err := e.ec2.DeleteNatGateway(ctx(), &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(id)})
			return err
		},
		"CreateRoute": func() error {
			_, err := e.ec2.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: rt, DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String(id)})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := call()
			expectCode(t, err, "NatGatewayNotFound")
			var apiErr smithy.APIError
			errors.As(err, &apiErr) // an API error: expectCode checked
			if apiErr.ErrorMessage() != "The Nat Gateway "+id+" was not found" {
				t.Fatalf("message %q", apiErr.ErrorMessage())
			}
		})
	}
}
