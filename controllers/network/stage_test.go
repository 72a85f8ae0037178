package network_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/stagetest"
)

func TestConvergeSeedTopologyAndDelete(t *testing.T) {
	// Pages big enough that "one Describe per resource type" can be counted as one call.
	r := newRig(t, awssim.WithPageSize(100))
	fd := newFD("team-a", "shop")
	res := r.converge(fd)
	if res.Reason != v1alpha1.ReasonReady {
		t.Fatalf("result %+v", res)
	}
	if err := checkTopology(context.Background(), r.ec2, r.cluster, fd); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"vpc": 1, "subnet": 4, "internet-gateway": 1, "elastic-ip": 1, "natgateway": 1, "route-table": 2}
	if got := counts(r.sim, r.cluster, fd); !equalCounts(got, want) {
		t.Fatalf("owned resources %v, want %v", got, want)
	}
	st := fd.Status.Network
	if st.VPCID == "" || st.InternetGatewayID == "" || len(st.PublicSubnets) != 2 || len(st.PrivateSubnets) != 2 ||
		len(st.NATGateways) != 1 || st.NATGateways[0].State != "available" || st.NATGateways[0].AllocationID == "" ||
		st.PublicRouteTableID == "" || len(st.PrivateRouteTables) != 1 || strings.Join(st.AvailabilityZones, ",") != "us-east-1a,us-east-1b" {
		t.Fatalf("status %+v", st)
	}
	evs := strings.Join(drain(r.events), "\n")
	for _, reason := range []string{"CreatedVPC", "CreatedSubnet", "CreatedInternetGateway", "CreatedElasticIP", "CreatedNATGateway", "CreatedRouteTable",
		"AttachedInternetGateway Attached internet gateway " + st.InternetGatewayID + " to VPC " + st.VPCID,
		"CreatedRoute Created route 0.0.0.0/0 to " + st.InternetGatewayID + " in route table " + st.PublicRouteTableID,
		"CreatedRoute Created route 0.0.0.0/0 to " + st.NATGateways[0].ID + " in route table " + st.PrivateRouteTables[0].ID,
		"AssociatedRouteTable Associated route table " + st.PublicRouteTableID + " with subnet " + st.PublicSubnets[1].ID,
		"AssociatedRouteTable Associated route table " + st.PrivateRouteTables[0].ID + " with subnet " + st.PrivateSubnets[0].ID,
	} {
		if !strings.Contains(evs, reason) {
			t.Errorf("no %s event in\n%s", reason, evs)
		}
	}
	if strings.Contains(evs, "RepairedDrift") {
		t.Errorf("setting the network up was reported as drift:\n%s", evs)
	}

	// A resync with nothing changed writes nothing and reads once per resource type.
	before := r.sim.Calls()
	if res := r.converge(fd); !res.Done {
		t.Fatalf("resync %+v", res)
	}
	for op, n := range r.sim.Calls() {
		if d := n - before[op]; d > 0 && !strings.Contains(op, ":Describe") {
			t.Errorf("resync called %s %d times", op, d)
		} else if d > 1 && op != "ec2:DescribeVpcAttribute" {
			t.Errorf("resync called %s %d times, want at most 1", op, d)
		}
	}
	if len(fd.Status.Drift) != 0 {
		t.Errorf("drift on a clean resync: %v", fd.Status.Drift)
	}

	// Spelled out before the delete empties the status lists they come from.
	wantDeleteEvents := []string{
		"DisassociatedRouteTable Disassociated route table " + st.PublicRouteTableID + " from subnet " + st.PublicSubnets[0].ID,
		"DisassociatedRouteTable Disassociated route table " + st.PrivateRouteTables[0].ID + " from subnet " + st.PrivateSubnets[1].ID,
		"DeletedRoute Deleted route 0.0.0.0/0 to " + st.InternetGatewayID + " from route table " + st.PublicRouteTableID,
		"DeletedRoute Deleted route 0.0.0.0/0 to " + st.NATGateways[0].ID + " from route table " + st.PrivateRouteTables[0].ID,
		"DetachedInternetGateway Detached internet gateway " + st.InternetGatewayID + " from VPC " + st.VPCID,
		"DeletedNATGateway", "DeletedElasticIP", "DeletedInternetGateway", "DeletedSubnet", "DeletedRouteTable", "DeletedVPC",
	}
	drain(r.events)
	r.deleteAll(fd)
	if live := r.sim.ListLive(); len(live) != 0 {
		t.Fatalf("left after delete: %+v", live)
	}
	evs = strings.Join(drain(r.events), "\n")
	for _, reason := range wantDeleteEvents {
		if !strings.Contains(evs, reason) {
			t.Errorf("no %s event in\n%s", reason, evs)
		}
	}
	if fd.Status.Network.VPCID != "" {
		t.Fatalf("status after delete %+v", fd.Status.Network)
	}
}

func TestWaitingForNATGatewayIsAMessageNotABlock(t *testing.T) {
	r := newRig(t)
	fd := newFD("team-a", "shop")
	res, err := r.pass(context.Background(), fd, &stagetest.Store{})
	if err != nil {
		t.Fatal(err)
	}
	nat := fd.Status.Network.NATGateways[0].ID
	if res.Done || res.Reason != v1alpha1.ReasonWaitingForNATGateway || res.RequeueAfter <= 0 ||
		!strings.Contains(res.Message, "NAT gateway "+nat+" pending") {
		t.Fatalf("first pass %+v", res)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A key removed from spec.tags comes off every resource that carries it; a tag someone
// else added is left alone.
func TestTagRemovedFromSpecIsRemovedFromAWS(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	fd := newFD("team-a", "shop")
	r.converge(fd)
	fd.Status.TagKeys = []string{"environment", "owner", "project"}
	if _, err := r.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{fd.Status.Network.VPCID},
		Tags: []ec2types.Tag{{Key: aws.String("backup"), Value: aws.String("daily")}}}); err != nil {
		t.Fatal(err)
	}

	delete(fd.Spec.Tags, "owner")
	r.converge(fd)
	carrying := 0
	for _, res := range r.sim.ListLive() {
		if !cloud.NewOwner(r.cluster, fd).Owns(res.Tags) {
			continue
		}
		carrying++
		if _, ok := res.Tags["owner"]; ok {
			t.Errorf("%s %s still carries the tag removed from spec.tags: %v", res.Type, res.ID, res.Tags)
		}
		if res.Tags["project"] != "mane" {
			t.Errorf("%s %s lost a tag still in spec.tags: %v", res.Type, res.ID, res.Tags)
		}
		if res.ID == fd.Status.Network.VPCID && res.Tags["backup"] != "daily" {
			t.Errorf("the VPC lost a tag the operator never set: %v", res.Tags)
		}
	}
	if carrying < 10 {
		t.Fatalf("only %d resources of the object were checked", carrying)
	}
}
