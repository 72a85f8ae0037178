package awssim

import (
	"maps"
	"slices"
	"testing"
)

// Every served operation is authorized by its own rule, and every rule names an operation
// that is served: a new operation without one would be checked on "*" only.
func TestEveryOperationHasAnAuthorizationRule(t *testing.T) {
	sim, err := New()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for name, svc := range sim.services {
		for op := range svc.Ops {
			served[name+":"+op] = true
			if _, ok := authzRules[name+":"+op]; !ok {
				t.Errorf("%s:%s has no entry in authzRules", name, op)
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(authzRules)) {
		if !served[key] {
			t.Errorf("authzRules has %s, which no service serves", key)
		}
	}
}
