package network

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestEffectiveRouteTableAndInternetRoute(t *testing.T) {
	main := ec2types.RouteTable{RouteTableId: aws.String("rtb-main"),
		Associations: []ec2types.RouteTableAssociation{{Main: aws.Bool(true)}},
		Routes:       []ec2types.Route{{DestinationCidrBlock: aws.String("10.0.0.0/16"), GatewayId: aws.String("local"), State: ec2types.RouteStateActive}}}
	nat := ec2types.RouteTable{RouteTableId: aws.String("rtb-nat"),
		Associations: []ec2types.RouteTableAssociation{{SubnetId: aws.String("subnet-1")}},
		Routes:       []ec2types.Route{{DestinationCidrBlock: aws.String(defaultRoute), NatGatewayId: aws.String("nat-1"), State: ec2types.RouteStateActive}}}
	dead := ec2types.RouteTable{RouteTableId: aws.String("rtb-dead"),
		Associations: []ec2types.RouteTableAssociation{{SubnetId: aws.String("subnet-2")}},
		Routes:       []ec2types.Route{{DestinationCidrBlock: aws.String(defaultRoute), NatGatewayId: aws.String("nat-0"), State: ec2types.RouteStateBlackhole}}}
	tables := []ec2types.RouteTable{main, nat, dead}
	for _, tc := range []struct {
		subnet, table string
		online        bool
	}{
		{"subnet-1", "rtb-nat", true},
		{"subnet-2", "rtb-dead", false},
		{"subnet-3", "rtb-main", false}, // no explicit association: the main table
	} {
		rt := effectiveRouteTable(tables, tc.subnet)
		if rt == nil || aws.ToString(rt.RouteTableId) != tc.table {
			t.Fatalf("%s: table %v, want %s", tc.subnet, rt, tc.table)
		}
		if got := hasInternetRoute(*rt); got != tc.online {
			t.Errorf("%s: internet route %v, want %v", tc.subnet, got, tc.online)
		}
	}
	if effectiveRouteTable(nil, "subnet-1") != nil {
		t.Fatal("no tables, no route table")
	}
}
