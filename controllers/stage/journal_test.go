package stage

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

type namedStage struct{ Stage }

func (namedStage) Name() string      { return "network" }
func (namedStage) Condition() string { return v1alpha1.ConditionNetworkReady }

func journalFor(fd *v1alpha1.FlaskDeployment) (*Journal, *events.FakeRecorder) {
	rec := events.NewFakeRecorder(10)
	return NewJournal(namedStage{}, fd, rec, "demo"), rec
}

func TestNewJournalDropsOnlyTheStagesDriftOfTheLastPass(t *testing.T) {
	fd := &v1alpha1.FlaskDeployment{}
	fd.Status.Drift = []string{"network: a", "ecr: b", "network: c"}
	journalFor(fd)
	if !slices.Equal(fd.Status.Drift, []string{"ecr: b"}) {
		t.Fatalf("drift %v", fd.Status.Drift)
	}
	fd.Status.Drift = []string{"network: a"}
	journalFor(fd)
	if fd.Status.Drift != nil {
		t.Fatalf("drift %v, want nil", fd.Status.Drift)
	}
}

func TestJournalDrift(t *testing.T) {
	tests := []struct {
		name       string
		ready      bool
		wantDrift  []string
		wantEvents int
	}{
		{"a stage that was ready reports the repair", true, []string{"network: route restored"}, 1},
		{"before it was ever ready it finishes a set-up", false, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fd := &v1alpha1.FlaskDeployment{}
			if tt.ready {
				fd.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionNetworkReady, Status: metav1.ConditionTrue}}
			}
			j, rec := journalFor(fd)
			if got := j.Drift(context.Background(), "route %s", "restored"); got != tt.ready {
				t.Errorf("Drift reported %v", got)
			}
			j.ReportRepairs()
			if !slices.Equal(fd.Status.Drift, tt.wantDrift) || len(rec.Events) != tt.wantEvents {
				t.Fatalf("drift %v, %d events", fd.Status.Drift, len(rec.Events))
			}
		})
	}
}

func TestJournalUnfinished(t *testing.T) {
	t.Run("waits: the first names the reason, the soonest interval wins", func(t *testing.T) {
		j, _ := journalFor(&v1alpha1.FlaskDeployment{})
		j.WaitFor("WaitingForNATGateway", time.Minute, "NAT gateway %s pending", "nat-1")
		j.WaitFor("WaitingForDeletion", 10*time.Second, "subnet draining")
		r, ok := j.Unfinished(time.Hour, "")
		if !ok || r.Done || r.Reason != "WaitingForNATGateway" || r.RequeueAfter != 10*time.Second ||
			r.Message != "NAT gateway nat-1 pending; subnet draining" {
			t.Fatalf("%+v %v", r, ok)
		}
	})
	t.Run("nothing to wait for: the stage reports its own result", func(t *testing.T) {
		j, _ := journalFor(&v1alpha1.FlaskDeployment{})
		if r, ok := j.Unfinished(time.Hour, ""); ok {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("Observe: never writes, lists what is missing, reports what it would repair", func(t *testing.T) {
		fd := &v1alpha1.FlaskDeployment{}
		fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
		j, _ := journalFor(fd)
		if j.MayWrite(true, "VPC") || j.MayWrite(false, "DNS hostnames off") {
			t.Fatal("MayWrite under Observe")
		}
		r, ok := j.Unfinished(time.Minute, "")
		if !ok || r.Done || r.Reason != v1alpha1.ReasonObserved || !strings.Contains(r.Message, "missing VPC") {
			t.Fatalf("%+v", r)
		}
		if !slices.Equal(fd.Status.Drift, []string{"network: DNS hostnames off (not repaired: managementPolicy Observe)"}) {
			t.Fatalf("drift %v", fd.Status.Drift)
		}
	})
	t.Run("Observe with everything found is ready", func(t *testing.T) {
		fd := &v1alpha1.FlaskDeployment{}
		fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
		j, _ := journalFor(fd)
		r, ok := j.Unfinished(time.Minute, "VPC vpc-1 found")
		if !ok || !r.Done || r.Reason != v1alpha1.ReasonObserved || r.Message != "managementPolicy Observe: VPC vpc-1 found" {
			t.Fatalf("%+v", r)
		}
	})
}

func TestEventNoteFitsTheAPIServersLimit(t *testing.T) {
	long := strings.Repeat("é", 600) // 1200 bytes
	if got := EventNote(long); len(got) > 1024 || !strings.HasSuffix(got, " …") || !utf8.ValidString(got) {
		t.Fatalf("note of %d bytes: %q", len(got), got[len(got)-10:])
	}
	if got := EventNote("short"); got != "short" {
		t.Fatalf("short note changed: %q", got)
	}
}
