package network_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/network"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/stagetest"
)

func TestNATGatewayModes(t *testing.T) {
	for _, tc := range []struct {
		mode v1alpha1.NATGatewayMode
		want map[string]int
	}{
		{v1alpha1.NATGatewayPerAZ, map[string]int{"vpc": 1, "subnet": 4, "internet-gateway": 1, "elastic-ip": 2, "natgateway": 2, "route-table": 3}},
		{v1alpha1.NATGatewayNone, map[string]int{"vpc": 1, "subnet": 4, "internet-gateway": 1, "route-table": 2}},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			r := newRig(t)
			fd := newFD("team-a", "shop")
			fd.Spec.Network.NATGateways = tc.mode
			r.converge(fd)
			if err := checkTopology(context.Background(), r.ec2, r.cluster, fd); err != nil {
				t.Fatal(err)
			}
			if got := counts(r.sim, r.cluster, fd); !equalCounts(got, tc.want) {
				t.Fatalf("owned %v, want %v", got, tc.want)
			}
			r.deleteAll(fd)
			if live := r.sim.ListLive(); len(live) != 0 {
				t.Fatalf("left after delete: %+v", live)
			}
		})
	}
}

// TestNATGatewayModeChange moves a running network from Single to PerAZ and back: the
// private subnets move to their new tables and what is no longer asked for is deleted.
func TestNATGatewayModeChange(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	fd := newFD("team-a", "shop")
	r.converge(fd)
	for _, mode := range []v1alpha1.NATGatewayMode{v1alpha1.NATGatewayPerAZ, v1alpha1.NATGatewaySingle, v1alpha1.NATGatewayNone, v1alpha1.NATGatewaySingle} {
		fd.Spec.Network.NATGateways = mode
		r.converge(fd)
		if err := checkTopology(ctx, r.ec2, r.cluster, fd); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
	}
	r.deleteAll(fd)
	if live := r.sim.ListLive(); len(live) != 0 {
		t.Fatalf("left after delete: %+v", live)
	}
}

// TestSuspend deletes the NAT gateways and Elastic IPs, keeps the rest, and reports
// NetworkReady True with reason Suspended; resuming brings them back.
func TestSuspend(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	fd := newFD("team-a", "shop")
	r.converge(fd)
	fd.Spec.Suspend = true
	res := r.converge(fd)
	if res.Reason != v1alpha1.ReasonSuspended || !strings.Contains(res.Message, "suspended") {
		t.Fatalf("suspended result %+v", res)
	}
	want := map[string]int{"vpc": 1, "subnet": 4, "internet-gateway": 1, "route-table": 2}
	if got := counts(r.sim, r.cluster, fd); !equalCounts(got, want) {
		t.Fatalf("suspended: owned %v, want %v", got, want)
	}
	if err := checkTopology(ctx, r.ec2, r.cluster, fd); err != nil {
		t.Fatal(err)
	}
	if len(fd.Status.Network.NATGateways) != 0 {
		t.Fatalf("status still lists NAT gateways: %+v", fd.Status.Network.NATGateways)
	}
	for _, res := range r.sim.ListLive() {
		if res.Type == "natgateway" || res.Type == "elastic-ip" {
			t.Fatalf("%s %s still live while suspended: it is billed", res.Type, res.ID)
		}
	}
	evs := strings.Join(drain(r.events), "\n")
	if !strings.Contains(evs, "DeletedNATGateway") || !strings.Contains(evs, "DeletedElasticIP") {
		t.Fatalf("events %s", evs)
	}

	fd.Spec.Suspend = false
	if res := r.converge(fd); res.Reason != v1alpha1.ReasonReady {
		t.Fatalf("resumed result %+v", res)
	}
	if err := checkTopology(ctx, r.ec2, r.cluster, fd); err != nil {
		t.Fatal(err)
	}
}

// TestObserve reads and reports, and never writes.
func TestObserve(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	fd := newFD("team-a", "shop")
	fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
	res, err := r.pass(ctx, fd, &stagetest.Store{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Done || res.Reason != v1alpha1.ReasonObserved || !strings.Contains(res.Message, "VPC") {
		t.Fatalf("observe on nothing: %+v", res)
	}
	if live := r.sim.ListLive(); len(live) != 0 {
		t.Fatalf("observe created %+v", live)
	}

	// Built by a Full pass, then broken: Observe reports the drift and leaves it.
	fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyFull
	r.converge(fd)
	st := fd.Status.Network
	if _, err := r.ec2.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(st.PublicRouteTableID), DestinationCidrBlock: aws.String("0.0.0.0/0")}); err != nil {
		t.Fatal(err)
	}
	fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
	fd.Spec.Suspend = true // would delete the NAT gateway if writes were allowed
	before := r.sim.Calls()
	res, err = r.pass(ctx, fd, &stagetest.Store{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Done || res.Reason != v1alpha1.ReasonObserved {
		t.Fatalf("observe result %+v", res)
	}
	if d := strings.Join(fd.Status.Drift, "\n"); !strings.Contains(d, "route 0.0.0.0/0 missing in route table "+st.PublicRouteTableID) ||
		!strings.Contains(d, "not repaired") || !strings.Contains(d, "is not in the spec") {
		t.Fatalf("drift %s", d)
	}
	for op, n := range r.sim.Calls() {
		if n > before[op] && !strings.Contains(op, ":Describe") {
			t.Fatalf("observe called %s", op)
		}
	}
}

// TestImmutableChangesStall: a VPC CIDR or zones change that reached the stage is Stalled
// with a message, never ignored and never applied.
func TestImmutableChangesStall(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	fd := newFD("team-a", "shop")
	r.converge(fd)

	cidr := fd.DeepCopy()
	cidr.Spec.Network.VPCCIDR = "10.1.0.0/16"
	_, err := r.pass(ctx, cidr, &stagetest.Store{})
	if term, ok := stage.AsTerminal(err); !ok || term.Reason != v1alpha1.ReasonImmutableField || !strings.Contains(err.Error(), "vpcCIDR cannot change") {
		t.Fatalf("CIDR change: %v", err)
	}

	azs := fd.DeepCopy()
	azs.Spec.Network.AvailabilityZones = []string{"us-east-1b", "us-east-1c"}
	_, err = r.pass(ctx, azs, &stagetest.Store{})
	if term, ok := stage.AsTerminal(err); !ok || term.Reason != v1alpha1.ReasonImmutableField || !strings.Contains(err.Error(), "availabilityZones cannot change") {
		t.Fatalf("zones change: %v", err)
	}
	if got := counts(r.sim, r.cluster, fd); got["vpc"] != 1 || got["subnet"] != 4 {
		t.Fatalf("a refused change created resources: %v", got)
	}
}

// TestExplicitZones places the subnets in the zones the spec names.
func TestExplicitZones(t *testing.T) {
	r := newRig(t)
	fd := newFD("team-a", "shop")
	fd.Spec.Network.AvailabilityZones = []string{"us-east-1c", "us-east-1d", "us-east-1f"}
	fd.Spec.Network.PublicSubnetCIDRs = []string{"10.0.1.0/24", "10.0.2.0/24", "10.0.5.0/24"}
	fd.Spec.Network.PrivateSubnetCIDRs = []string{"10.0.3.0/24", "10.0.4.0/24", "10.0.6.0/24"}
	fd.Spec.Network.NATGateways = v1alpha1.NATGatewayPerAZ
	r.converge(fd)
	if err := checkTopology(context.Background(), r.ec2, r.cluster, fd); err != nil {
		t.Fatal(err)
	}
	if got := counts(r.sim, r.cluster, fd); got["subnet"] != 6 || got["natgateway"] != 3 || got["route-table"] != 4 {
		t.Fatalf("owned %v", got)
	}
}

// TestTwoObjectsShareNothing: same name in two namespaces, side by side; deleting one
// leaves the other whole.
func TestTwoObjectsShareNothing(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	a, b := newFD("team-a", "shop"), newFD("team-b", "shop")
	r.converge(a)
	r.converge(b)
	ownedA, ownedB := ownedBy(r.sim, r.cluster, a), ownedBy(r.sim, r.cluster, b)
	for typ, ids := range ownedA {
		for _, id := range ids {
			for _, other := range ownedB[typ] {
				if id == other {
					t.Fatalf("%s %s owned by both", typ, id)
				}
			}
		}
	}
	if a.Status.Network.VPCID == b.Status.Network.VPCID {
		t.Fatal("same VPC")
	}
	r.deleteAll(a)
	if got := counts(r.sim, r.cluster, a); len(got) != 0 {
		t.Fatalf("a left %v", got)
	}
	if err := checkTopology(ctx, r.ec2, r.cluster, b); err != nil {
		t.Fatalf("b after a's delete: %v", err)
	}
	r.deleteAll(b)
	if live := r.sim.ListLive(); len(live) != 0 {
		t.Fatalf("left %+v", live)
	}
}

// TestTwoTaggedMatchesStall: two VPCs carrying the same owner and resource tags (someone
// copied the tags) are a conflict the stage does not resolve by guessing.
func TestTwoTaggedMatchesStall(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	fd := newFD("team-a", "shop")
	for range 2 {
		if _, err := r.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"),
			TagSpecifications: cloud.EC2TagSpec(ec2types.ResourceTypeVpc, cloud.NewOwner(r.cluster, fd).EC2Tags(network.Name, "vpc"))}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := r.pass(ctx, fd, &stagetest.Store{})
	if term, ok := stage.AsTerminal(err); !ok || term.Reason != v1alpha1.ReasonOwnershipConflict {
		t.Fatalf("want an ownership conflict, got %v", err)
	}
}

// TestDeleteWaitsOutDependencyViolation: a network interface someone else left in one of
// our subnets (here a private NAT gateway's, created outside the operator) makes AWS
// refuse the subnet's delete with DependencyViolation. The delete waits, naming the
// gateway as what blocks it, and finishes once the interface is gone.
func TestDeleteWaitsOutDependencyViolation(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	fd := newFD("team-a", "shop")
	r.converge(fd)
	held := fd.Status.Network.PrivateSubnets[0].ID
	out, err := r.ec2.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(held), ConnectivityType: ec2types.ConnectivityTypePrivate})
	if err != nil {
		t.Fatal(err)
	}
	var res stage.Result
	for range 10 {
		if res, err = r.stage.Delete(ctx, fd); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if res.Reason == v1alpha1.ReasonDeletionBlocked || res.Done {
			break
		}
		r.clock.Advance(2 * 60e9)
	}
	if res.Done || res.RequeueAfter <= 0 || !strings.Contains(res.Message, "subnet "+held+" is held by network interface") ||
		!strings.Contains(res.Message, aws.ToString(out.NatGateway.NatGatewayId)) {
		t.Fatalf("want a wait on subnet %s, got %+v", held, res)
	}
	if _, err := r.ec2.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: out.NatGateway.NatGatewayId}); err != nil {
		t.Fatal(err)
	}
	r.deleteAll(fd)
	if live := r.sim.ListLive(); len(live) != 0 {
		t.Fatalf("left %+v", live)
	}
}

// TestInjectedFaultsAreRetriedNotDuplicated: a throttled or failed create is returned as a
// retriable error; the next pass converges without duplicates.
func TestInjectedFaultsAreRetriedNotDuplicated(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	fd := newFD("team-a", "shop")
	r.sim.FailNext("ec2:CreateSubnet", "RequestLimitExceeded", 1)
	r.sim.FailNext("ec2:CreateNatGateway", "InternalError", 1)
	r.sim.FailNext("ec2:CreateRoute", "RequestLimitExceeded", 1)
	errs := 0
	for range 30 {
		res, err := r.pass(ctx, fd, &stagetest.Store{})
		if err != nil {
			if _, terminal := stage.AsTerminal(err); terminal {
				t.Fatalf("a throttle became terminal: %v", err)
			}
			errs++
			continue
		}
		if res.Done {
			break
		}
		r.clock.Advance(2 * 60e9)
	}
	if errs != 3 {
		t.Fatalf("%d passes failed, want 3", errs)
	}
	if err := checkTopology(ctx, r.ec2, r.cluster, fd); err != nil {
		t.Fatal(err)
	}
}

// TestAWSValidationErrorIsTerminal: AWS refusing a request as invalid is Stalled.
func TestAWSValidationErrorIsTerminal(t *testing.T) {
	r := newRig(t)
	fd := newFD("team-a", "shop")
	fd.Spec.Network.VPCCIDR = "10.0.0.0/8" // CEL refuses this; if it got through, AWS does
	_, err := r.pass(context.Background(), fd, &stagetest.Store{})
	if term, ok := stage.AsTerminal(stage.Classify(err)); !ok || term.Reason != v1alpha1.ReasonAWSValidationError {
		t.Fatalf("want AWSValidationError, got %v", err)
	}
}

// TestAccessDeniedIsTerminal: a caller without ec2:Describe* permission is Stalled, not
// retried forever.
func TestAccessDeniedIsTerminal(t *testing.T) {
	r := newRig(t)
	fd := newFD("team-a", "shop")
	r.converge(fd)
	r.sim.FailNext("ec2:DescribeVpcs", "UnauthorizedOperation", 1)
	_, err := r.pass(context.Background(), fd, &stagetest.Store{})
	if term, ok := stage.AsTerminal(stage.Classify(err)); !ok || term.Reason != v1alpha1.ReasonAccessDenied {
		t.Fatalf("want AccessDenied, got %v", err)
	}
}

// TestModeChangeIsNotDrift: subnets moving to new route tables after a natGateways change
// are set-up, not drift.
func TestModeChangeIsNotDrift(t *testing.T) {
	r := newRig(t)
	fd := newFD("team-a", "shop")
	r.converge(fd)
	fd.Spec.Network.NATGateways = v1alpha1.NATGatewayPerAZ
	st := &stagetest.Store{}
	for range 10 {
		res, err := r.pass(context.Background(), fd, st)
		if err != nil {
			t.Fatal(err)
		}
		if len(fd.Status.Drift) != 0 {
			t.Fatalf("drift after a spec change: %v", fd.Status.Drift)
		}
		if res.Done {
			return
		}
		r.clock.Advance(2 * 60e9)
	}
	t.Fatal("not converged")
}
