package network_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
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

func blockedEvents(evs []string) []string {
	var out []string
	for _, e := range evs {
		if strings.Contains(e, v1alpha1.ReasonDeletionBlocked) {
			out = append(out, e)
		}
	}
	return out
}
