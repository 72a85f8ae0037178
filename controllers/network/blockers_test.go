package network_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/network"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// deleteUntilBlocked runs delete passes until one waits on a DeletionBlocked reason, setting
// the DeletionBlocked condition from it as the orchestrator does.
func (r *rig) deleteUntilBlocked(fd *v1alpha1.FlaskDeployment) stage.Result {
	r.t.Helper()
	for range 30 {
		res, err := r.stage.Delete(context.Background(), fd)
		if err != nil {
			r.t.Fatalf("delete: %v", err)
		}
		if res.Done {
			r.t.Fatalf("deleted despite the blocker: %+v", res)
		}
		if res.Reason == v1alpha1.ReasonDeletionBlocked {
			meta.SetStatusCondition(&fd.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionDeletionBlocked,
				Status: metav1.ConditionTrue, Reason: res.Reason, Message: "deleting network: " + res.Message})
			return res
		}
		r.clock.Advance(time.Minute)
	}
	r.t.Fatalf("never blocked")
	return stage.Result{}
}

// A network interface someone else placed in our subnet, and then a security group of
// someone else's in our VPC, hold the deletion: the result names each (ID, type,
// description, owner), one event says what to do, and deletion finishes once they are gone.
func TestDeleteNamesWhatBlocksIt(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	fd := newFD("team-a", "shop")
	r.converge(fd)
	subnet := fd.Status.Network.PrivateSubnets[0].ID
	vpc := fd.Status.Network.VPCID
	eni, err := r.ec2.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{
		SubnetId: aws.String(subnet), Description: aws.String("debug box of team b"),
	})
	if err != nil {
		t.Fatal(err)
	}
	eniID := aws.ToString(eni.NetworkInterface.NetworkInterfaceId)
	sg, err := r.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("team-b-db"), Description: aws.String("team b"), VpcId: aws.String(vpc),
	})
	if err != nil {
		t.Fatal(err)
	}
	sgID := aws.ToString(sg.GroupId)
	drain(r.events)

	res := r.deleteUntilBlocked(fd)
	for _, want := range []string{"subnet " + subnet, eniID, "interface", `"debug box of team b"`, "owner ", "did not create"} {
		if !strings.Contains(res.Message, want) {
			t.Fatalf("blocked result %q does not name %q", res.Message, want)
		}
	}
	if strings.Contains(res.Message, "requester") {
		t.Fatalf("a user's interface has no requester: %q", res.Message)
	}
	evs := blockedEvents(drain(r.events))
	if len(evs) != 1 || !strings.Contains(evs[0], "detach and delete network interface "+eniID) || !strings.Contains(evs[0], "deletion resumes by itself") {
		t.Fatalf("events %q", evs)
	}
	r.clock.Advance(time.Minute)
	if res, err := r.stage.Delete(ctx, fd); err != nil || res.Reason != v1alpha1.ReasonDeletionBlocked {
		t.Fatalf("second blocked pass: %+v, %v", res, err)
	}
	if evs := blockedEvents(drain(r.events)); len(evs) != 0 {
		t.Fatalf("the blocker was told twice: %q", evs)
	}

	if _, err := r.ec2.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(eniID)}); err != nil {
		t.Fatal(err)
	}
	res = r.deleteUntilBlocked(fd)
	for _, want := range []string{"VPC " + vpc, "security group " + sgID, `"team-b-db"`} {
		if !strings.Contains(res.Message, want) {
			t.Fatalf("blocked result %q does not name %q", res.Message, want)
		}
	}
	if evs := blockedEvents(drain(r.events)); len(evs) != 1 || !strings.Contains(evs[0], "delete security group "+sgID) {
		t.Fatalf("events %q", evs)
	}

	if _, err := r.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(sgID)}); err != nil {
		t.Fatal(err)
	}
	r.deleteAll(fd)
	if live := r.sim.ListLive(); len(live) != 0 {
		t.Fatalf("left after delete: %+v", live)
	}
}

// A peering connection team b made with our VPC holds the VPC's deletion, pending and then
// active (when DeleteVpc would delete it along with the VPC): the result names it (ID,
// state, the other VPC and its account, its Name), one event says what to do, the
// connection is left as it is, and deletion finishes once its owner deletes it.
func TestDeleteWaitsForSomeoneElsesPeering(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	fd := newFD("team-a", "shop")
	r.converge(fd)
	vpc := fd.Status.Network.VPCID
	theirs := aws.ToString(mustDo(r.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")}))(t).Vpc.VpcId)
	pcx := aws.ToString(mustDo(r.ec2.CreateVpcPeeringConnection(ctx, &ec2.CreateVpcPeeringConnectionInput{VpcId: aws.String(theirs),
		PeerVpcId: aws.String(vpc), TagSpecifications: cloud.EC2TagSpec(ec2types.ResourceTypeVpcPeeringConnection, map[string]string{"Name": "team-b-link"}),
	}))(t).VpcPeeringConnection.VpcPeeringConnectionId)
	drain(r.events)

	res := r.deleteUntilBlocked(fd)
	for _, want := range []string{"VPC " + vpc + " is held by VPC peering connection " + pcx, "pending-acceptance",
		"peer VPC " + theirs + " of account " + awssim.Account, `Name "team-b-link"`, "did not create"} {
		if !strings.Contains(res.Message, want) {
			t.Fatalf("blocked result %q does not name %q", res.Message, want)
		}
	}
	if evs := blockedEvents(drain(r.events)); len(evs) != 1 || !strings.Contains(evs[0], "reject or delete VPC peering connection "+pcx) ||
		!strings.Contains(evs[0], "deletion resumes by itself") {
		t.Fatalf("events %q", evs)
	}

	mustDo(r.ec2.AcceptVpcPeeringConnection(ctx, &ec2.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(pcx)}))(t)
	r.clock.Advance(time.Minute)
	res, err := r.stage.Delete(ctx, fd)
	if err != nil || res.Reason != v1alpha1.ReasonDeletionBlocked || !strings.Contains(res.Message, pcx+" (active") {
		t.Fatalf("pass with the connection active: %+v, %v", res, err)
	}
	if evs := blockedEvents(drain(r.events)); len(evs) != 0 {
		t.Fatalf("the blocker was told twice: %q", evs)
	}
	if st := peeringStatus(t, r, pcx); st != ec2types.VpcPeeringConnectionStateReasonCodeActive {
		t.Fatalf("team b's connection is %s", st)
	}

	mustDo(r.ec2.DeleteVpcPeeringConnection(ctx, &ec2.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(pcx)}))(t)
	r.deleteAll(fd)
	if owned := ownedBy(r.sim, r.cluster, fd); len(owned) != 0 {
		t.Fatalf("left after delete: %v", owned)
	}
	if _, err := r.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{theirs}}); err != nil {
		t.Fatalf("team b's VPC: %v", err)
	}
}

// A peering connection carrying the object's ownership tags is the object's: it holds
// nothing and goes with the VPC, as AWS deletes it.
func TestDeleteTakesItsOwnPeeringAlong(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	fd := newFD("team-a", "shop")
	r.converge(fd)
	theirs := aws.ToString(mustDo(r.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")}))(t).Vpc.VpcId)
	pcx := aws.ToString(mustDo(r.ec2.CreateVpcPeeringConnection(ctx, &ec2.CreateVpcPeeringConnectionInput{VpcId: aws.String(fd.Status.Network.VPCID),
		PeerVpcId: aws.String(theirs), TagSpecifications: cloud.EC2TagSpec(ec2types.ResourceTypeVpcPeeringConnection,
			cloud.NewOwner(r.cluster, fd).EC2Tags(network.Name, "peering")),
	}))(t).VpcPeeringConnection.VpcPeeringConnectionId)
	mustDo(r.ec2.AcceptVpcPeeringConnection(ctx, &ec2.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(pcx)}))(t)

	r.deleteAll(fd)
	if st := peeringStatus(t, r, pcx); st != ec2types.VpcPeeringConnectionStateReasonCodeDeleted {
		t.Fatalf("the object's connection is %s", st)
	}
	if evs := blockedEvents(drain(r.events)); len(evs) != 0 {
		t.Fatalf("blocked by its own connection: %q", evs)
	}
}

// mustDo(call())(t) fails the test on error and returns the output.
func mustDo[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func peeringStatus(t *testing.T, r *rig, id string) ec2types.VpcPeeringConnectionStateReasonCode {
	t.Helper()
	out, err := r.ec2.DescribeVpcPeeringConnections(context.Background(), &ec2.DescribeVpcPeeringConnectionsInput{VpcPeeringConnectionIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	return out.VpcPeeringConnections[0].Status.Code
}

func blockedEvents(evs []string) []string {
	var out []string
	for _, e := range evs {
		if strings.Contains(e, v1alpha1.ReasonDeletionBlocked) {
			out = append(out, e)
		}
	}
	return out
}
