package network_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/stagetest"
)

// TestClientTokens: the creates that take a ClientToken (NAT gateways, route tables) send
// one derived from the object's UID and the resource's role. A create sent again, after a
// failure and a restart from the last saved status, carries the same token, so AWS hands
// back what a lost first try made; other roles and other objects get other tokens.
func TestClientTokens(t *testing.T) {
	r := newRig(t)
	tokens := func(fd *v1alpha1.FlaskDeployment) map[string][]string { // role -> tokens sent
		t.Helper()
		out := map[string][]string{}
		for _, action := range []string{"CreateNatGateway", "CreateRouteTable"} {
			for _, form := range r.sent.calls(action) {
				if tagOf(form, cloud.TagOwner) != cloud.NewOwner(r.cluster, fd).Ref() {
					continue
				}
				resource := tagOf(form, cloud.TagResource)
				// The keys of natgateways.go and routetables.go: the role plus the
				// parameters that, changed, must not reuse the token.
				key := "rtb/" + resource + "/" + form.Get("VpcId")
				if action == "CreateNatGateway" {
					key = "nat/" + strings.TrimPrefix(resource, "nat-") + "/" + form.Get("SubnetId") + "/" + form.Get("AllocationId")
				}
				tok := form.Get("ClientToken")
				if want := stage.ClientToken(fd.UID, key, fd.Status.Network.CreateAttempt, stage.EC2TokenLength); tok != want {
					t.Errorf("%s %s sent token %q, want %q from the UID and %q", action, resource, tok, want, key)
				}
				out[action+" "+resource] = append(out[action+" "+resource], tok)
			}
		}
		return out
	}
	converge := func(fd *v1alpha1.FlaskDeployment) map[string][]string {
		t.Helper()
		// AWS refuses the first try of each before acting: the create is sent again.
		r.sim.FailNext("ec2:CreateNatGateway", "InternalError", 1)
		r.sim.FailNext("ec2:CreateRouteTable", "InternalError", 1)
		st := &stagetest.Store{}
		failed, done := 0, false
		for i := 0; i < 30 && !done; i++ {
			res, err := r.pass(context.Background(), fd, st)
			if err != nil {
				failed++
				fd.Status = st.Load() // a restart: only what was saved survives
				continue
			}
			done = res.Done
			r.clock.Advance(2 * 60e9)
		}
		if failed != 2 || !done {
			t.Fatalf("%d failed passes, done %v: %+v", failed, done, fd.Status.Conditions)
		}
		return tokens(fd)
	}

	a := newFD("team-a", "shop")
	a.Spec.Network.NATGateways = v1alpha1.NATGatewayPerAZ
	aTokens := converge(a)
	if len(aTokens) != 5 { // two NAT gateways, the public and two private route tables
		t.Fatalf("creates by role: %v", aTokens)
	}
	seen := map[string]string{} // token -> role
	resent := 0
	for role, ts := range aTokens {
		if len(ts) > 1 {
			resent++
		}
		for _, tok := range ts {
			if len(tok) != 64 || tok != ts[0] {
				t.Errorf("%s sent tokens %q; want one token of 64 characters", role, ts)
			}
		}
		if other, ok := seen[ts[0]]; ok {
			t.Errorf("%s and %s share the token %s", role, other, ts[0])
		}
		seen[ts[0]] = role
	}
	if resent != 2 {
		t.Errorf("%d roles had their create sent again, want 2 (one failed NAT gateway, one failed route table): %v", resent, aTokens)
	}

	b := newFD("team-b", "shop")
	b.Spec.Network.NATGateways = v1alpha1.NATGatewayPerAZ
	for role, ts := range converge(b) {
		if other, ok := seen[ts[0]]; ok {
			t.Errorf("%s of another object has the token of %s", role, other)
		}
	}
}

// tagOf reads a tag from the TagSpecification parameters of an EC2 create.
func tagOf(form url.Values, key string) string {
	for k, v := range form {
		if strings.HasPrefix(k, "TagSpecification.1.Tag.") && strings.HasSuffix(k, ".Key") && v[0] == key {
			return form.Get(strings.TrimSuffix(k, ".Key") + ".Value")
		}
	}
	return ""
}
