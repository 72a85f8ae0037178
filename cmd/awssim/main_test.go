package main

import (
	"testing"

	"github.com/flaskops/flask-operator/internal/awssim"
)

func TestApplyFailNext(t *testing.T) {
	sim, err := awssim.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := applyFailNext(sim, "ec2:CreateVpc=InternalError:2,CreateSubnet=RequestLimitExceeded:1"); err != nil {
		t.Fatalf("valid spec: %v", err)
	}
	for _, bad := range []string{"CreateVpc", "CreateVpc=Code", "CreateVpc=Code:x", "=Code:1"} {
		if err := applyFailNext(sim, bad); err == nil {
			t.Fatalf("spec %q accepted", bad)
		}
	}
}
