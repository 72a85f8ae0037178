package network

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
)

func TestFirstZones(t *testing.T) {
	zones := func(names ...string) []ec2types.AvailabilityZone {
		var out []ec2types.AvailabilityZone
		for _, n := range names {
			out = append(out, ec2types.AvailabilityZone{ZoneName: aws.String(n)})
		}
		return out
	}
	got, err := firstZones(zones("ap-south-1c", "ap-south-1a", "ap-south-1b"), 2)
	if err != nil || !slices.Equal(got, []string{"ap-south-1a", "ap-south-1b"}) {
		t.Fatalf("%v %v", got, err)
	}
	_, err = firstZones(zones("x-1a"), 2)
	if term, ok := stage.AsTerminal(err); !ok || term.Reason != v1alpha1.ReasonInvalidSpec {
		t.Fatalf("too few zones: %v", err)
	}
}

// TestAvailabilityZonesArePinned: the zones in status win; the spec may repeat them but
// not change them, and the number of subnet CIDRs must match.
func TestAvailabilityZonesArePinned(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  []string
		spec    []string
		public  int
		wantErr string
	}{
		{name: "pinned, spec empty", status: []string{"a", "b"}, public: 2},
		{name: "pinned, spec repeats", status: []string{"a", "b"}, spec: []string{"a", "b"}, public: 2},
		{name: "pinned, spec changes", status: []string{"a", "b"}, spec: []string{"b", "c"}, public: 2, wantErr: "availabilityZones cannot change"},
		{name: "pinned, CIDR count changes", status: []string{"a", "b"}, public: 3, wantErr: "number of zones cannot change"},
		{name: "spec zones and CIDRs disagree", spec: []string{"a", "b", "c"}, public: 2, wantErr: "lists 3 availability zones"},
		{name: "from the spec", spec: []string{"a", "b"}, public: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fd := &v1alpha1.FlaskDeployment{}
			fd.Spec.Network.AvailabilityZones = tc.spec
			for range tc.public {
				fd.Spec.Network.PublicSubnetCIDRs = append(fd.Spec.Network.PublicSubnetCIDRs, "x")
				fd.Spec.Network.PrivateSubnetCIDRs = append(fd.Spec.Network.PrivateSubnetCIDRs, "y")
			}
			fd.Status.Network.AvailabilityZones = tc.status
			p := &pass{fd: fd, azs: tc.status}
			err := p.reconcileAvailabilityZones(t.Context())
			if tc.wantErr == "" {
				if err != nil || len(p.azs) == 0 || !slices.Equal(fd.Status.Network.AvailabilityZones, p.azs) {
					t.Fatalf("err %v azs %v status %v", err, p.azs, fd.Status.Network.AvailabilityZones)
				}
				return
			}
			if _, ok := stage.AsTerminal(err); !ok || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("want terminal %q, got %v", tc.wantErr, err)
			}
		})
	}
}
