package network

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

func TestPrivateTables(t *testing.T) {
	azs := []string{"a", "b"}
	for _, tc := range []struct {
		mode    v1alpha1.NATGatewayMode
		suspend bool
		want    []privateTable
	}{
		{v1alpha1.NATGatewaySingle, false, []privateTable{{resource: "private-rtb", subnetAZs: azs, natAZ: "a"}}},
		{v1alpha1.NATGatewayNone, false, []privateTable{{resource: "private-rtb", subnetAZs: azs}}},
		{v1alpha1.NATGatewaySingle, true, []privateTable{{resource: "private-rtb", subnetAZs: azs}}},
		{v1alpha1.NATGatewayPerAZ, false, []privateTable{
			{az: "a", resource: "private-rtb-a", subnetAZs: []string{"a"}, natAZ: "a"},
			{az: "b", resource: "private-rtb-b", subnetAZs: []string{"b"}, natAZ: "b"},
		}},
		{v1alpha1.NATGatewayPerAZ, true, []privateTable{
			{az: "a", resource: "private-rtb-a", subnetAZs: []string{"a"}},
			{az: "b", resource: "private-rtb-b", subnetAZs: []string{"b"}},
		}},
	} {
		fd := &v1alpha1.FlaskDeployment{}
		fd.Spec.Network.NATGateways, fd.Spec.Suspend = tc.mode, tc.suspend
		got := privateTables(fd, azs)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %+v", tc.mode, got)
		}
		for i := range got {
			g, w := got[i], tc.want[i]
			if g.az != w.az || g.resource != w.resource || g.natAZ != w.natAZ || len(g.subnetAZs) != len(w.subnetAZs) {
				t.Errorf("%s suspend=%v table %d: %+v, want %+v", tc.mode, tc.suspend, i, g, w)
			}
		}
	}
}

func TestRouteNeedsRepair(t *testing.T) {
	igw := routeTarget{gatewayID: "igw-1"}
	nat := routeTarget{natGatewayID: "nat-1"}
	route := func(gw, natID string, state ec2types.RouteState) *ec2types.Route {
		r := &ec2types.Route{DestinationCidrBlock: aws.String(defaultRoute), State: state}
		if gw != "" {
			r.GatewayId = aws.String(gw)
		}
		if natID != "" {
			r.NatGatewayId = aws.String(natID)
		}
		return r
	}
	for _, tc := range []struct {
		name            string
		route           *ec2types.Route
		want            routeTarget
		create, replace bool
	}{
		{"missing", nil, igw, true, false},
		{"right target", route("igw-1", "", ec2types.RouteStateActive), igw, false, false},
		{"other internet gateway", route("igw-2", "", ec2types.RouteStateActive), igw, false, true},
		{"to the IGW instead of the NAT", route("igw-1", "", ec2types.RouteStateActive), nat, false, true},
		{"to a deleted NAT", route("", "nat-0", ec2types.RouteStateBlackhole), nat, false, true},
		{"right NAT but blackholed", route("", "nat-1", ec2types.RouteStateBlackhole), nat, false, true},
		{"right NAT", route("", "nat-1", ec2types.RouteStateActive), nat, false, false},
	} {
		create, replace := routeNeedsRepair(tc.route, tc.want)
		if create != tc.create || replace != tc.replace {
			t.Errorf("%s: create=%v replace=%v, want %v %v", tc.name, create, replace, tc.create, tc.replace)
		}
	}
}

func TestSetPrivateTable(t *testing.T) {
	azs := []string{"a", "b"}
	var list []v1alpha1.RouteTableStatus
	list = setPrivateTable(list, azs, v1alpha1.RouteTableStatus{ID: "rtb-b", AvailabilityZone: "b"})
	list = setPrivateTable(list, azs, v1alpha1.RouteTableStatus{ID: "rtb-shared"})
	list = setPrivateTable(list, azs, v1alpha1.RouteTableStatus{ID: "rtb-a", AvailabilityZone: "a"})
	if len(list) != 3 || list[0].ID != "rtb-shared" || list[1].ID != "rtb-a" || list[2].ID != "rtb-b" {
		t.Fatalf("%+v", list)
	}
	if privateTableIn(list, "b") != "rtb-b" || privateTableIn(list, "c") != "" {
		t.Fatalf("privateTableIn")
	}
}
