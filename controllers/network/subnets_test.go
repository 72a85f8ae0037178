package network

import (
	"testing"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

func TestSetSubnet(t *testing.T) {
	azs := []string{"a", "b"}
	var list []v1alpha1.SubnetStatus
	list = setSubnet(list, azs, v1alpha1.SubnetStatus{ID: "subnet-b", AvailabilityZone: "b"})
	list = setSubnet(list, azs, v1alpha1.SubnetStatus{ID: "subnet-a", AvailabilityZone: "a"})
	if len(list) != 2 || list[0].ID != "subnet-a" || list[1].ID != "subnet-b" {
		t.Fatalf("ordered by zone: %+v", list)
	}
	list = setSubnet(list, azs, v1alpha1.SubnetStatus{AvailabilityZone: "a"})
	if len(list) != 1 || list[0].ID != "subnet-b" {
		t.Fatalf("a deleted subnet leaves status: %+v", list)
	}
	if subnetIn(list, "b") != "subnet-b" || subnetIn(list, "a") != "" {
		t.Fatalf("subnetIn")
	}
	if got := subnetResource(tierPrivate, "us-east-1a"); got != "private-subnet-us-east-1a" {
		t.Fatalf("resource %s", got)
	}
}
