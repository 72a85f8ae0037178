package network

import (
	"slices"
	"testing"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

func TestNATAZs(t *testing.T) {
	azs := []string{"a", "b", "c"}
	for _, tc := range []struct {
		mode    v1alpha1.NATGatewayMode
		suspend bool
		want    []string
	}{
		{v1alpha1.NATGatewaySingle, false, []string{"a"}},
		{"", false, []string{"a"}}, // unset is the default, Single
		{v1alpha1.NATGatewayPerAZ, false, azs},
		{v1alpha1.NATGatewayNone, false, nil},
		{v1alpha1.NATGatewaySingle, true, nil},
		{v1alpha1.NATGatewayPerAZ, true, nil},
	} {
		fd := &v1alpha1.FlaskDeployment{}
		fd.Spec.Network.NATGateways, fd.Spec.Suspend = tc.mode, tc.suspend
		if got := natAZs(fd, azs); !slices.Equal(got, tc.want) {
			t.Errorf("%s suspend=%v: %v, want %v", tc.mode, tc.suspend, got, tc.want)
		}
	}
	if got := natAZs(&v1alpha1.FlaskDeployment{}, nil); got != nil {
		t.Errorf("no zones yet: %v", got)
	}
}

func TestSetNAT(t *testing.T) {
	azs := []string{"a", "b"}
	var list []v1alpha1.NATGatewayStatus
	list = setNAT(list, azs, v1alpha1.NATGatewayStatus{AvailabilityZone: "b", AllocationID: "eipalloc-b"})
	list = setNAT(list, azs, v1alpha1.NATGatewayStatus{AvailabilityZone: "a", ID: "nat-a", AllocationID: "eipalloc-a"})
	if len(list) != 2 || list[0].AvailabilityZone != "a" || list[1].AllocationID != "eipalloc-b" {
		t.Fatalf("ordered by zone: %+v", list)
	}
	list = setNAT(list, azs, v1alpha1.NATGatewayStatus{AvailabilityZone: "b"})
	if len(list) != 1 || list[0].ID != "nat-a" {
		t.Fatalf("an empty entry is removed: %+v", list)
	}
	if got := natIn(list, "b"); got.AvailabilityZone != "b" || got.ID != "" {
		t.Fatalf("natIn of a missing zone: %+v", got)
	}
}
