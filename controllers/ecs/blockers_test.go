package ecs_test

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
	"github.com/flaskops/flask-operator/controllers/stage"
)

// Security groups of someone else's whose rules reference the stage's groups, one by an
// ingress rule and one by an egress rule, hold the deletion: the result names each (ID,
// name, owner) and the group it holds, one Warning event per group says what to do, and
// deletion finishes once they are gone.
func TestDeleteNamesTheGroupsReferencingOurs(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	fd := newFD("team-a", "shop")
	r.buildNetwork(fd)
	r.converge(fd)
	st := fd.Status.Service
	ec2c := r.clients.EC2(region)
	group := func(name string) string {
		out, err := ec2c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name),
			Description: aws.String("team b"), VpcId: aws.String(fd.Status.Network.VPCID)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.GroupId)
	}
	perm := func(peer string) []ec2types.IpPermission {
		return []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432),
			UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(peer)}}}}
	}
	db, probe := group("team-b-db"), group("team-b-probe")
	if _, err := ec2c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(db), IpPermissions: perm(st.ServiceSecurityGroupID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ec2c.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{
		GroupId: aws.String(probe), IpPermissions: perm(st.LoadBalancerSecurityGroupID)}); err != nil {
		t.Fatal(err)
	}
	drain(r)

	var res stage.Result
	for range 20 {
		var err error
		if res, err = r.stage.Delete(ctx, fd); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if res.Done {
			t.Fatalf("deleted despite the groups referencing ours")
		}
		if res.Reason == v1alpha1.ReasonDeletionBlocked {
			break
		}
		r.clock.Advance(time.Minute)
	}
	for _, want := range []string{
		"security group " + st.ServiceSecurityGroupID + " is held by security group " + db + ` ("team-b-db", owner `,
		"security group " + st.LoadBalancerSecurityGroupID + " is held by security group " + probe + ` ("team-b-probe", owner `,
		"carries no flaskops.io/owner tag", "did not create",
	} {
		if res.Reason != v1alpha1.ReasonDeletionBlocked || !strings.Contains(res.Message, want) {
			t.Fatalf("result %s %q does not name %q", res.Reason, res.Message, want)
		}
	}
	blocked := func() []string {
		var out []string
		for _, e := range drain(r) {
			if strings.HasPrefix(e, "Warning "+v1alpha1.ReasonDeletionBlocked+" ") {
				out = append(out, e)
			}
		}
		return out
	}
	evs := blocked()
	if len(evs) != 2 ||
		!strings.Contains(strings.Join(evs, "\n"), "remove the rules of security group "+db+" that reference "+st.ServiceSecurityGroupID+", or delete that group; deletion resumes by itself") ||
		!strings.Contains(strings.Join(evs, "\n"), "remove the rules of security group "+probe+" that reference "+st.LoadBalancerSecurityGroupID) {
		t.Fatalf("events %q", evs)
	}

	// Told once: the next pass, with the condition naming them, sends no event again.
	meta.SetStatusCondition(&fd.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionDeletionBlocked,
		Status: metav1.ConditionTrue, Reason: res.Reason, Message: "deleting ecs: " + res.Message})
	if res, err := r.stage.Delete(ctx, fd); err != nil || res.Reason != v1alpha1.ReasonDeletionBlocked {
		t.Fatalf("second blocked pass: %+v, %v", res, err)
	}
	if evs := blocked(); len(evs) != 0 {
		t.Fatalf("told again: %q", evs)
	}

	for _, g := range []string{db, probe} {
		if _, err := ec2c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(g)}); err != nil {
			t.Fatal(err)
		}
	}
	r.deleteAll(fd)
	if left := r.owned(fd); len(left) != 0 {
		t.Fatalf("left of fd's after delete: %v", left)
	}
}
