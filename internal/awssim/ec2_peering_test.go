package awssim_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/internal/awssim"
)

func (e *env) peer(t *testing.T, requester, accepter string, kv ...string) *types.VpcPeeringConnection {
	t.Helper()
	return mustDo(e.ec2.CreateVpcPeeringConnection(ctx(), &ec2.CreateVpcPeeringConnectionInput{VpcId: aws.String(requester),
		PeerVpcId: aws.String(accepter), TagSpecifications: tagSpec(types.ResourceTypeVpcPeeringConnection, kv...)}))(t).VpcPeeringConnection
}

func (e *env) peerings(t *testing.T, filters ...types.Filter) []types.VpcPeeringConnection {
	t.Helper()
	var out []types.VpcPeeringConnection
	pg := ec2.NewDescribeVpcPeeringConnectionsPaginator(e.ec2, &ec2.DescribeVpcPeeringConnectionsInput{Filters: filters})
	for pg.HasMorePages() {
		out = append(out, mustDo(pg.NextPage(ctx()))(t).VpcPeeringConnections...)
	}
	return out
}

func (e *env) peeringStatus(t *testing.T, id string) types.VpcPeeringConnectionStateReasonCode {
	t.Helper()
	out := mustDo(e.ec2.DescribeVpcPeeringConnections(ctx(), &ec2.DescribeVpcPeeringConnectionsInput{VpcPeeringConnectionIds: []string{id}}))(t)
	return out.VpcPeeringConnections[0].Status.Code
}

func livePeerings(e *env) []string {
	var out []string
	for _, r := range e.sim.ListLive() {
		if r.Type == "vpc-peering-connection" {
			out = append(out, r.ID)
		}
	}
	return out
}

// A request to peer waits on its accepter, which refuses to be deleted meanwhile; once
// accepted, deleting either VPC deletes the connection with it, which stays listed as
// deleted for the retention period.
func TestVpcPeeringConnectionLife(t *testing.T) {
	e := newEnv(t)
	ours, theirs := e.vpc(t, "10.0.0.0/16"), e.vpc(t, "10.1.0.0/16")
	pcx := e.peer(t, theirs, ours, "Name", "team-b-link")
	id := aws.ToString(pcx.VpcPeeringConnectionId)
	if pcx.Status.Code != types.VpcPeeringConnectionStateReasonCodePendingAcceptance || aws.ToString(pcx.Status.Message) != "Pending Acceptance by "+awssim.Account ||
		aws.ToString(pcx.RequesterVpcInfo.VpcId) != theirs || aws.ToString(pcx.RequesterVpcInfo.CidrBlock) != "10.1.0.0/16" ||
		aws.ToString(pcx.RequesterVpcInfo.OwnerId) != awssim.Account || aws.ToString(pcx.AccepterVpcInfo.VpcId) != ours ||
		pcx.AccepterVpcInfo.CidrBlock != nil || aws.ToString(pcx.AccepterVpcInfo.Region) != "us-east-1" || len(pcx.Tags) != 1 {
		t.Fatalf("created %+v", pcx)
	}

	live := []string{"pending-acceptance", "provisioning", "active"}
	if got := e.peerings(t, filter("accepter-vpc-info.vpc-id", ours), filter("status-code", live...)); len(got) != 1 {
		t.Fatalf("peerings accepted by our VPC: %+v", got)
	}
	if got := e.peerings(t, filter("requester-vpc-info.vpc-id", ours), filter("status-code", live...)); len(got) != 0 {
		t.Fatalf("peerings requested by our VPC: %+v", got)
	}
	// Filters are ANDed: one call cannot ask for either side.
	if got := e.peerings(t, filter("requester-vpc-info.vpc-id", ours), filter("accepter-vpc-info.vpc-id", ours)); len(got) != 0 {
		t.Fatalf("both sides ours: %+v", got)
	}
	if got := e.peerings(t, filter("tag:Name", "team-b-link"), filter("accepter-vpc-info.cidr-block", "10.0.0.0/16")); len(got) != 0 {
		t.Fatalf("a pending request shows no accepter CIDR: %+v", got)
	}
	_, err := e.ec2.DescribeVpcPeeringConnections(ctx(), &ec2.DescribeVpcPeeringConnectionsInput{Filters: []types.Filter{filter("vpc-id", ours)}})
	expectCode(t, err, "InvalidParameterValue")

	_, err = e.ec2.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(ours)})
	expectCode(t, err, "DependencyViolation")

	accepted := mustDo(e.ec2.AcceptVpcPeeringConnection(ctx(), &ec2.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(id)}))(t).VpcPeeringConnection
	if accepted.Status.Code != types.VpcPeeringConnectionStateReasonCodeActive || aws.ToString(accepted.AccepterVpcInfo.CidrBlock) != "10.0.0.0/16" {
		t.Fatalf("accepted %+v", accepted)
	}
	_, err = e.ec2.AcceptVpcPeeringConnection(ctx(), &ec2.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(id)})
	expectCode(t, err, "InvalidStateTransition")
	_, err = e.ec2.RejectVpcPeeringConnection(ctx(), &ec2.RejectVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(id)})
	expectCode(t, err, "InvalidStateTransition")
	if got := livePeerings(e); len(got) != 1 || got[0] != id {
		t.Fatalf("live peering connections %v", got)
	}

	mustDo(e.ec2.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(ours)}))(t)
	if got := e.peeringStatus(t, id); got != types.VpcPeeringConnectionStateReasonCodeDeleted {
		t.Fatalf("status after its VPC was deleted: %s", got)
	}
	if got := e.peerings(t, filter("accepter-vpc-info.vpc-id", ours), filter("status-code", live...)); len(got) != 0 {
		t.Fatalf("a deleted connection is live: %+v", got)
	}
	_, err = e.ec2.DeleteVpcPeeringConnection(ctx(), &ec2.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(id)})
	expectCode(t, err, "InvalidStateTransition")
	if got := livePeerings(e); len(got) != 0 {
		t.Fatalf("live peering connections %v", got)
	}
	e.clock.Advance(2 * time.Hour)
	_, err = e.ec2.DescribeVpcPeeringConnections(ctx(), &ec2.DescribeVpcPeeringConnectionsInput{VpcPeeringConnectionIds: []string{id}})
	expectCode(t, err, "InvalidVpcPeeringConnectionID.NotFound")
}

// A request is rejected by its accepter or withdrawn by its requester (also by deleting
// the requester VPC); a rejected one cannot be deleted; one that cannot be made is failed.
func TestVpcPeeringConnectionEnds(t *testing.T) {
	e := newEnv(t)
	a, b := e.vpc(t, "10.0.0.0/16"), e.vpc(t, "10.1.0.0/16")

	rejected := aws.ToString(e.peer(t, a, b).VpcPeeringConnectionId)
	mustDo(e.ec2.RejectVpcPeeringConnection(ctx(), &ec2.RejectVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(rejected)}))(t)
	if got := e.peeringStatus(t, rejected); got != types.VpcPeeringConnectionStateReasonCodeRejected {
		t.Fatalf("rejected: %s", got)
	}
	_, err := e.ec2.DeleteVpcPeeringConnection(ctx(), &ec2.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(rejected)})
	expectCode(t, err, "InvalidStateTransition")

	withdrawn := aws.ToString(e.peer(t, a, b).VpcPeeringConnectionId)
	mustDo(e.ec2.DeleteVpcPeeringConnection(ctx(), &ec2.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(withdrawn)}))(t)
	if got := e.peeringStatus(t, withdrawn); got != types.VpcPeeringConnectionStateReasonCodeDeleted {
		t.Fatalf("withdrawn: %s", got)
	}

	for _, peer := range []string{a, "vpc-0000000000000dead"} {
		failed := e.peer(t, a, peer)
		if failed.Status.Code != types.VpcPeeringConnectionStateReasonCodeFailed {
			t.Fatalf("peering %s with %s: %+v", a, peer, failed.Status)
		}
	}
	_, err = e.ec2.CreateVpcPeeringConnection(ctx(), &ec2.CreateVpcPeeringConnectionInput{VpcId: aws.String("vpc-0000000000000dead"), PeerVpcId: aws.String(b)})
	expectCode(t, err, "InvalidVpcID.NotFound")
	_, err = e.ec2.AcceptVpcPeeringConnection(ctx(), &ec2.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String("pcx-0000000000000dead")})
	expectCode(t, err, "InvalidVpcPeeringConnectionID.NotFound")

	pending := aws.ToString(e.peer(t, a, b).VpcPeeringConnectionId)
	mustDo(e.ec2.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(a)}))(t)
	if got := e.peeringStatus(t, pending); got != types.VpcPeeringConnectionStateReasonCodeDeleted {
		t.Fatalf("request of a deleted VPC: %s", got)
	}
	mustDo(e.ec2.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(b)}))(t)
	if live := e.sim.ListLive(); len(live) != 0 {
		t.Fatalf("live %+v", live)
	}
}

// Creating a connection acts on the requester VPC and a new vpc-peering-connection;
// accepting, rejecting and deleting act on the connection.
func TestVpcPeeringConnectionAuthorization(t *testing.T) {
	e := newEnv(t)
	a, b := e.vpc(t, "10.0.0.0/16"), e.vpc(t, "10.1.0.0/16")
	id := aws.ToString(e.peer(t, a, b).VpcPeeringConnectionId)
	setPolicy(t, e.sim, policy(`{"Effect":"Allow","Action":"ec2:*","Resource":"arn:aws:ec2:*:*:vpc/*"}`))
	_, err := e.ec2.CreateVpcPeeringConnection(ctx(), &ec2.CreateVpcPeeringConnectionInput{VpcId: aws.String(a), PeerVpcId: aws.String(b)})
	denied(t, err, "UnauthorizedOperation", 403, "ec2:CreateVpcPeeringConnection", "arn:aws:ec2:us-east-1:123456789012:vpc-peering-connection/*")
	_, err = e.ec2.DeleteVpcPeeringConnection(ctx(), &ec2.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(id)})
	denied(t, err, "UnauthorizedOperation", 403, "ec2:DeleteVpcPeeringConnection", "arn:aws:ec2:us-east-1:123456789012:vpc-peering-connection/"+id)
}
