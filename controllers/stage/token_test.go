package stage

import (
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

func TestClientToken(t *testing.T) {
	const uid = types.UID("0b6f2a1e-5d3c-4f7a-9e8b-1c2d3e4f5a6b")
	tests := []struct {
		name      string
		a, b      string
		attemptA  int32
		attemptB  int32
		n         int
		wantEqual bool
	}{
		{name: "same key and attempt", a: "nat/subnet-1", b: "nat/subnet-1", n: EC2TokenLength, wantEqual: true},
		{name: "different key", a: "nat/subnet-1", b: "nat/subnet-2", n: EC2TokenLength},
		{name: "bumped attempt", a: "nat/subnet-1", b: "nat/subnet-1", attemptB: 1, n: EC2TokenLength},
		{name: "ecs length", a: "service", b: "service", n: ECSTokenLength, wantEqual: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := ClientToken(uid, tt.a, tt.attemptA, tt.n)
			y := ClientToken(uid, tt.b, tt.attemptB, tt.n)
			if len(x) != tt.n {
				t.Fatalf("token %q has length %d, want %d", x, len(x), tt.n)
			}
			if (x == y) != tt.wantEqual {
				t.Fatalf("tokens %q and %q: equal=%v, want %v", x, y, x == y, tt.wantEqual)
			}
		})
	}
}
