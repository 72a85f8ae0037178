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
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/stagetest"
)

// TestClustersShareNothing: the managers of two clusters, one AWS account, an object of
// the same namespace, name and even UID in each. Neither adopts the other's VPC or
// subnets; deleting one network leaves the other whole.
func TestClustersShareNothing(t *testing.T) {
	ctx := context.Background()
	a := newRig(t)
	b := a.inCluster("other")
	fdA := newFD("team-a", "shop")
	fdB := fdA.DeepCopy()
	a.converge(fdA)
	b.converge(fdB)
	ownedA, ownedB := ownedBy(a.sim, a.cluster, fdA), ownedBy(b.sim, b.cluster, fdB)
	if len(ownedA["vpc"]) != 1 || len(ownedB["vpc"]) != 1 || len(ownedA["subnet"]) != 4 || len(ownedB["subnet"]) != 4 {
		t.Fatalf("cluster %s owns %v, cluster %s owns %v", a.cluster, ownedA, b.cluster, ownedB)
	}
	for typ, ids := range ownedA {
		for _, id := range ids {
			if slices.Contains(ownedB[typ], id) {
				t.Fatalf("%s %s is both clusters'", typ, id)
			}
		}
	}
	a.deleteAll(fdA)
	if got := counts(a.sim, a.cluster, fdA); len(got) != 0 {
		t.Fatalf("cluster %s left %v", a.cluster, got)
	}
	if err := checkTopology(ctx, b.ec2, b.cluster, fdB); err != nil {
		t.Fatalf("cluster %s after the other's delete: %v", b.cluster, err)
	}
	b.deleteAll(fdB)
	if live := b.sim.ListLive(); len(live) != 0 {
		t.Fatalf("left %+v", live)
	}
}

// TestStatusNamedResourceNotOursStalls: status is a cache, not a proof. A resource status
// names whose tags no longer say it is this object's (its owner tag removed, or another
// cluster's tag put on it) is an OwnershipConflict naming it; neither Reconcile nor Delete
// writes anything, not even elsewhere, and it is never deleted.
func TestStatusNamedResourceNotOursStalls(t *testing.T) {
	for _, tc := range []struct {
		name    string
		id      func(v1alpha1.NetworkStatus) string
		retag   func(ctx context.Context, c *ec2.Client, id string) error
		typ     string
		message string
	}{
		{
			name: "VPC whose owner tag was removed",
			id:   func(st v1alpha1.NetworkStatus) string { return st.VPCID },
			retag: func(ctx context.Context, c *ec2.Client, id string) error {
				_, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String(cloud.TagOwner)}}})
				return err
			},
			typ: "vpc", message: "it carries no flaskops.io/owner tag",
		},
		{
			name: "subnet carrying another cluster's tag",
			id:   func(st v1alpha1.NetworkStatus) string { return st.PrivateSubnets[0].ID },
			retag: func(ctx context.Context, c *ec2.Client, id string) error {
				_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id},
					Tags: []ec2types.Tag{{Key: aws.String(cloud.TagCluster), Value: aws.String("other")}}})
				return err
			},
			typ: "subnet", message: `of cluster "other"`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			r := newRig(t)
			fd := newFD("team-a", "shop")
			r.converge(fd)
			id := tc.id(fd.Status.Network)
			if err := tc.retag(ctx, r.ec2, id); err != nil {
				t.Fatal(err)
			}
			// Drift the pass would repair before it reached the subnets, but for the conflict.
			if _, err := r.ec2.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(fd.Status.Network.VPCID),
				EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(false)}}); err != nil {
				t.Fatal(err)
			}
			stalls := func(what string, run func() error) {
				t.Helper()
				before := r.sim.Calls()
				err := run()
				term, ok := stage.AsTerminal(err)
				if !ok || term.Reason != v1alpha1.ReasonOwnershipConflict || !strings.Contains(err.Error(), id) || !strings.Contains(err.Error(), tc.message) {
					t.Fatalf("%s: want an OwnershipConflict naming %s (%s), got %v", what, id, tc.message, err)
				}
				for op, n := range r.sim.Calls() {
					if n > before[op] && !strings.Contains(op, ":Describe") {
						t.Errorf("%s called %s %d times", what, op, n-before[op])
					}
				}
			}
			stalls("Reconcile", func() error { _, err := r.pass(ctx, fd, &stagetest.Store{}); return err })
			stalls("Delete", func() error { _, err := r.stage.Delete(ctx, fd); return err })
			if !slices.ContainsFunc(r.sim.ListLive(), func(res awssim.Resource) bool { return res.ID == id && res.Type == tc.typ }) {
				t.Fatalf("%s %s was deleted", tc.typ, id)
			}
		})
	}
}
