package stage

import (
	"context"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

// checklist is a stage's checklist of three steps that records which ran, in which kind of
// pass; the second is marked FullOnly, and the third, when drift is set, finds a resource
// gone: status forgets it, the pass waits, and asks to write.
type checklist struct {
	j     *Journal
	fd    *v1alpha1.FlaskDeployment
	drift bool
	ran   []string
	// mayWrite is every answer MayWrite gave, in order.
	mayWrite []bool
}

func (c *checklist) steps() []func(context.Context) error {
	step := func(name string) func(context.Context) error {
		return func(ctx context.Context) error {
			kind := "full"
			if c.j.Light() {
				kind = "light"
			}
			c.ran = append(c.ran, name+"/"+kind)
			return nil
		}
	}
	return []func(context.Context) error{
		step("read"),
		FullOnly(step("tags")),
		func(ctx context.Context) error {
			c.ran = append(c.ran, "repair")
			if !c.drift {
				return nil
			}
			c.fd.Status.Network.VPCID = ""
			c.j.WaitFor(v1alpha1.ReasonWaitingForNATGateway, time.Second, "pending")
			c.mayWrite = append(c.mayWrite, c.j.MayWrite(false, "route missing"))
			return nil
		},
	}
}

func newChecklist(drift bool) *checklist {
	fd := &v1alpha1.FlaskDeployment{}
	fd.Status.Network.VPCID = "vpc-1"
	fd.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionNetworkReady, Status: metav1.ConditionTrue}}
	j, _ := journalFor(fd)
	return &checklist{j: j, fd: fd, drift: drift}
}

func TestLightPassSkipsFullOnlyStepsAndWritesNothing(t *testing.T) {
	c := newChecklist(false)
	if err := c.j.Run(WithLight(context.Background()), c.steps()...); err != nil {
		t.Fatal(err)
	}
	if want := []string{"read/light", "repair"}; !slices.Equal(c.ran, want) {
		t.Fatalf("ran %v, want %v", c.ran, want)
	}
	if c.mayWrite != nil || c.fd.Status.Network.VPCID != "vpc-1" {
		t.Fatalf("asked to write %v, status %+v", c.mayWrite, c.fd.Status.Network)
	}
}

func TestLightPassFallsBackToAFullPassFromTheSameStatus(t *testing.T) {
	c := newChecklist(true)
	var vpcAtRerun string
	steps := append([]func(context.Context) error{func(context.Context) error {
		vpcAtRerun = c.fd.Status.Network.VPCID
		return nil
	}}, c.steps()...)
	if err := c.j.Run(WithLight(context.Background()), steps...); err != nil {
		t.Fatal(err)
	}
	if want := []string{"read/light", "repair", "read/full", "tags/full", "repair"}; !slices.Equal(c.ran, want) {
		t.Fatalf("ran %v, want %v", c.ran, want)
	}
	if !slices.Equal(c.mayWrite, []bool{false, true}) || c.j.Light() {
		t.Fatalf("MayWrite answered %v: the light pass must be refused, the full pass allowed", c.mayWrite)
	}
	if vpcAtRerun != "vpc-1" {
		t.Fatalf("the full pass started from status VPC %q, not the light pass's", vpcAtRerun)
	}
	if r, _ := c.j.Unfinished(time.Hour, ""); r.Message != "pending" {
		t.Fatalf("waits %q: the light pass's are dropped, the full pass's kept", r.Message)
	}
}

func TestFullPassRunsEveryStepOnce(t *testing.T) {
	c := newChecklist(true)
	c.j.NeedFull("no effect in a full pass")
	if err := c.j.Run(context.Background(), c.steps()...); err != nil {
		t.Fatal(err)
	}
	if want := []string{"read/full", "tags/full", "repair"}; !slices.Equal(c.ran, want) || !slices.Equal(c.mayWrite, []bool{true}) {
		t.Fatalf("ran %v, MayWrite answered %v", c.ran, c.mayWrite)
	}
}

func TestNeedIDs(t *testing.T) {
	for _, tc := range []struct {
		name string
		ids  []string
		full bool
	}{
		{"all there", []string{"VPC", "vpc-1", "route table", "rtb-1"}, false},
		{"one missing", []string{"VPC", "vpc-1", "route table", ""}, true},
	} {
		c := newChecklist(false)
		step := func(context.Context) error {
			c.j.NeedIDs(tc.ids...)
			return nil
		}
		if err := c.j.Run(WithLight(context.Background()), step, FullOnly(func(context.Context) error {
			c.ran = append(c.ran, "full")
			return nil
		})); err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(c.ran, "full"); got != tc.full {
			t.Errorf("%s: fell back to a full pass %v, want %v", tc.name, got, tc.full)
		}
	}
}

func TestDriftIsNotedByTheFullPassOnly(t *testing.T) {
	c := newChecklist(false)
	step := func(ctx context.Context) error {
		c.j.Drift(ctx, "VPC %s no longer exists", "vpc-1")
		return nil
	}
	if err := c.j.Run(WithLight(context.Background()), step); err != nil {
		t.Fatal(err)
	}
	if want := []string{"network: VPC vpc-1 no longer exists"}; !slices.Equal(c.fd.Status.Drift, want) {
		t.Fatalf("drift %v, want %v", c.fd.Status.Drift, want)
	}
}

func TestKnown(t *testing.T) {
	for _, tc := range []struct {
		name          string
		light         bool
		status, found string
		known, full   bool
	}{
		{"full pass: tags decide next", false, "arn-1", "arn-2", true, false},
		{"light pass, the resource status names", true, "arn-1", "arn-1", true, false},
		{"light pass, another one", true, "arn-1", "arn-2", false, true},
	} {
		c := newChecklist(false)
		ctx := context.Background()
		if tc.light {
			ctx = WithLight(ctx)
		}
		var known []bool
		if err := c.j.Run(ctx, func(context.Context) error {
			known = append(known, c.j.Known(tc.status, tc.found))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if known[0] != tc.known || (len(known) == 2) != tc.full {
			t.Errorf("%s: known %v", tc.name, known)
		}
	}
}
