package network_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/stagetest"
)

// driftCase breaks one thing in AWS behind the operator's back.
type driftCase struct {
	name      string
	mode      v1alpha1.NATGatewayMode
	breakIt   func(ctx context.Context, c *ec2.Client, st v1alpha1.NetworkStatus) error
	wantDrift string
}

var driftCases = []driftCase{
	{
		name: "public default route deleted",
		breakIt: func(ctx context.Context, c *ec2.Client, st v1alpha1.NetworkStatus) error {
			_, err := c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(st.PublicRouteTableID), DestinationCidrBlock: aws.String("0.0.0.0/0")})
			return err
		},
		wantDrift: "was missing in route table",
	},
	{
		name: "private default route pointed at the internet gateway",
		breakIt: func(ctx context.Context, c *ec2.Client, st v1alpha1.NetworkStatus) error {
			_, err := c.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: aws.String(st.PrivateRouteTables[0].ID),
				DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(st.InternetGatewayID)})
			return err
		},
		wantDrift: "pointed back to nat-",
	},
	{
		name: "private route table association removed",
		breakIt: func(ctx context.Context, c *ec2.Client, st v1alpha1.NetworkStatus) error {
			out, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{st.PrivateRouteTables[0].ID}})
			if err != nil {
				return err
			}
			for _, a := range out.RouteTables[0].Associations {
				if aws.ToString(a.SubnetId) == st.PrivateSubnets[1].ID {
					_, err = c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: a.RouteTableAssociationId})
					return err
				}
			}
			return nil
		},
		wantDrift: "was not associated with route table",
	},
	{
		name: "private subnet deleted",
		breakIt: func(ctx context.Context, c *ec2.Client, st v1alpha1.NetworkStatus) error {
			_, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(st.PrivateSubnets[1].ID)})
			return err
		},
		wantDrift: "no longer exists; creating a new one",
	},
	{
		name: "DNS hostnames turned off",
		breakIt: func(ctx context.Context, c *ec2.Client, st v1alpha1.NetworkStatus) error {
			_, err := c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(st.VPCID),
				EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(false)}})
			return err
		},
		wantDrift: "DNS hostnames were off",
	},
	{
		// The tags left (cluster, owner, uid) still prove them ours; the stage tag was
		// in the filter, so they are found by their IDs in status.
		name: "Name and stage tags removed from the VPC and a subnet",
		breakIt: func(ctx context.Context, c *ec2.Client, st v1alpha1.NetworkStatus) error {
			_, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{st.VPCID, st.PublicSubnets[0].ID},
				Tags: []ec2types.Tag{{Key: aws.String(cloud.TagName)}, {Key: aws.String(cloud.TagStage)}}})
			return err
		},
		wantDrift: "tags Name, flaskops.io/stage restored on VPC",
	},
	{
		name: "map public IP turned off on a public subnet",
		breakIt: func(ctx context.Context, c *ec2.Client, st v1alpha1.NetworkStatus) error {
			_, err := c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(st.PublicSubnets[1].ID),
				MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(false)}})
			return err
		},
		wantDrift: "map-public-IP-on-launch of subnet",
	},
	{
		// With a NAT gateway's Elastic IP mapped, AWS refuses the detach; without NAT it goes.
		name: "internet gateway detached",
		mode: v1alpha1.NATGatewayNone,
		breakIt: func(ctx context.Context, c *ec2.Client, st v1alpha1.NetworkStatus) error {
			_, err := c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(st.InternetGatewayID), VpcId: aws.String(st.VPCID)})
			return err
		},
		wantDrift: "was detached from VPC",
	},
	{
		name: "default route added to the private table of a network without NAT",
		mode: v1alpha1.NATGatewayNone,
		breakIt: func(ctx context.Context, c *ec2.Client, st v1alpha1.NetworkStatus) error {
			_, err := c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(st.PrivateRouteTables[0].ID),
				DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(st.InternetGatewayID)})
			return err
		},
		wantDrift: "removed, the spec asks for none",
	},
	{
		name: "NAT gateway deleted",
		breakIt: func(ctx context.Context, c *ec2.Client, st v1alpha1.NetworkStatus) error {
			_, err := c.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(st.NATGateways[0].ID)})
			return err
		},
		wantDrift: "NAT gateway nat-",
	},
}

// TestDriftIsRepaired breaks one thing at a time, then checks that one pass notices and
// notes it, and that the stage converges back to the spec with nothing duplicated.
func TestDriftIsRepaired(t *testing.T) {
	for _, tc := range driftCases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			r := newRig(t)
			fd := newFD("team-a", "shop")
			if tc.mode != "" {
				fd.Spec.Network.NATGateways = tc.mode
			}
			r.converge(fd)
			want := counts(r.sim, r.cluster, fd)
			drain(r.events)
			if err := tc.breakIt(ctx, r.ec2, fd.Status.Network); err != nil {
				t.Fatalf("break: %v", err)
			}
			if _, err := r.pass(ctx, fd, &stagetest.Store{}); err != nil {
				t.Fatalf("repair pass: %v", err)
			}
			if d := strings.Join(fd.Status.Drift, "\n"); !strings.Contains(d, tc.wantDrift) {
				t.Fatalf("drift %q does not mention %q", d, tc.wantDrift)
			}
			checkRepairEvents(t, drain(r.events))
			r.converge(fd)
			if err := checkTopology(ctx, r.ec2, r.cluster, fd); err != nil {
				t.Fatal(err)
			}
			if got := counts(r.sim, r.cluster, fd); !equalCounts(got, want) {
				t.Fatalf("after repair %v, want %v", got, want)
			}
			if len(fd.Status.Drift) != 0 {
				t.Fatalf("drift still reported after the repair: %v", fd.Status.Drift)
			}
		})
	}
}

// checkRepairEvents: a pass reports its repairs in one RepairedDrift event and not again
// one by one; its other events are about resources it had to create anew.
func checkRepairEvents(t *testing.T, evs []string) {
	t.Helper()
	var createdIDs []string
	for _, e := range evs {
		if f := strings.Fields(e); len(f) > 2 && strings.HasPrefix(f[1], "Created") && f[1] != "CreatedRoute" {
			createdIDs = append(createdIDs, f[len(f)-1])
		}
	}
	repairs := 0
	for _, e := range evs {
		if strings.HasPrefix(e, "Normal RepairedDrift ") {
			repairs++
			continue
		}
		if !slices.ContainsFunc(createdIDs, func(id string) bool { return strings.Contains(e, id) }) {
			t.Errorf("a repair was also reported on its own: %s", e)
		}
	}
	if repairs != 1 {
		t.Errorf("%d RepairedDrift events, want 1: %q", repairs, evs)
	}
}
