package stage

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
)

var kindThing = Kind{Name: "thing", Reason: "Thing", IDKey: "thingID"}

// recordingTagger applies tag changes to a map, as a service would.
type recordingTagger struct {
	tags  map[string]string
	calls int
}

func (r *recordingTagger) AddTags(_ context.Context, _ string, tags map[string]string) error {
	r.calls++
	maps.Copy(r.tags, tags)
	return nil
}

func (r *recordingTagger) RemoveTags(_ context.Context, _ string, keys []string) error {
	r.calls++
	for _, k := range keys {
		delete(r.tags, k)
	}
	return nil
}

func newFD() *v1alpha1.FlaskDeployment {
	fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "dev", Name: "shop", UID: "uid-1"}}
	fd.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionNetworkReady, Status: metav1.ConditionTrue}}
	return fd
}

func TestCheckOwner(t *testing.T) {
	fd := newFD()
	j, _ := journalFor(fd)
	if err := j.CheckOwner(kindThing, "t-1", j.Tags("thing")); err != nil {
		t.Fatalf("our own tags: %v", err)
	}
	foreign := map[string]string{cloud.TagCluster: "prod", cloud.TagOwner: "dev/shop"}
	err := j.CheckOwner(kindThing, "t-1", foreign)
	term, ok := AsTerminal(err)
	if !ok || term.Reason != v1alpha1.ReasonOwnershipConflict || !strings.Contains(err.Error(), `thing t-1`) || !strings.Contains(err.Error(), `of cluster "prod"`) {
		t.Fatalf("another cluster's resource: %v", err)
	}
	fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
	j, _ = journalFor(fd)
	if err := j.CheckOwner(kindThing, "t-1", foreign); err != nil || len(fd.Status.Drift) != 1 {
		t.Fatalf("Observe: %v, drift %v", err, fd.Status.Drift)
	}
}

func TestRepairTags(t *testing.T) {
	t.Run("restores a removed tag as drift and takes off a key that left spec.tags", func(t *testing.T) {
		fd := newFD()
		fd.Spec.Tags = map[string]string{"team": "a"}
		fd.Status.TagKeys = []string{"team", "cost"}
		j, rec := journalFor(fd)
		have := j.Tags("thing")
		delete(have, cloud.TagStage)
		have["cost"] = "x"
		have["backup"] = "someone else's"
		tg := &recordingTagger{tags: have}
		if err := j.RepairTags(context.Background(), kindThing, "t-1", j.Tags("thing"), maps.Clone(have), tg); err != nil {
			t.Fatal(err)
		}
		want := j.Tags("thing")
		want["backup"] = "someone else's"
		if !maps.Equal(tg.tags, want) || len(fd.Status.Drift) != 1 {
			t.Fatalf("tags %v, want %v; drift %v", tg.tags, want, fd.Status.Drift)
		}
		j.ReportRepairs()
		if len(rec.Events) != 1 {
			t.Fatalf("%d events", len(rec.Events))
		}
	})
	t.Run("a new spec tag is a change, not drift", func(t *testing.T) {
		fd := newFD()
		j, _ := journalFor(fd)
		have := j.Tags("thing")
		fd.Spec.Tags = map[string]string{"team": "a"}
		tg := &recordingTagger{tags: maps.Clone(have)}
		if err := j.RepairTags(context.Background(), kindThing, "t-1", j.Tags("thing"), have, tg); err != nil {
			t.Fatal(err)
		}
		if tg.tags["team"] != "a" || fd.Status.Drift != nil {
			t.Fatalf("tags %v, drift %v", tg.tags, fd.Status.Drift)
		}
	})
	t.Run("a spec tag's old value is a change after a spec change and drift otherwise", func(t *testing.T) {
		for _, c := range []struct {
			name       string
			generation int64
			drift      bool
		}{{"spec changed", 3, false}, {"spec unchanged", 2, true}} {
			fd := newFD()
			fd.Generation, fd.Status.ObservedGeneration = c.generation, 2
			fd.Spec.Tags = map[string]string{"team": "b"}
			fd.Status.TagKeys = []string{"team"}
			j, _ := journalFor(fd)
			have := j.Tags("thing")
			have["team"] = "a"
			tg := &recordingTagger{tags: maps.Clone(have)}
			if err := j.RepairTags(context.Background(), kindThing, "t-1", j.Tags("thing"), have, tg); err != nil {
				t.Fatal(err)
			}
			if tg.tags["team"] != "b" || (len(fd.Status.Drift) == 1) != c.drift {
				t.Fatalf("%s: tags %v, drift %v", c.name, tg.tags, fd.Status.Drift)
			}
		}
	})
	t.Run("a resource whose owner tag was removed is not re-tagged", func(t *testing.T) {
		fd := newFD()
		j, _ := journalFor(fd)
		have := j.Tags("thing")
		delete(have, cloud.TagOwner)
		tg := &recordingTagger{tags: maps.Clone(have)}
		err := j.RepairTags(context.Background(), kindThing, "t-1", j.Tags("thing"), have, tg)
		if term, ok := AsTerminal(err); !ok || term.Reason != v1alpha1.ReasonOwnershipConflict || tg.calls != 0 {
			t.Fatalf("%v after %d tag calls", err, tg.calls)
		}
	})
}

func TestRunStopsAtErrorOrStop(t *testing.T) {
	j, _ := journalFor(newFD())
	var ran []string
	step := func(name string, stop bool) func(context.Context) error {
		return func(context.Context) error {
			ran = append(ran, name)
			if stop {
				j.Stop()
			}
			return nil
		}
	}
	if err := j.Run(context.Background(), step("a", false), step("b", true), step("c", false)); err != nil || !slices.Equal(ran, []string{"a", "b"}) {
		t.Fatalf("ran %v, %v", ran, err)
	}
	done, err := RunDelete(context.Background(),
		func(context.Context) (bool, error) { return true, nil },
		func(context.Context) (bool, error) { return false, nil },
		func(context.Context) (bool, error) { t.Fatal("ran past a step not done"); return true, nil })
	if done || err != nil {
		t.Fatalf("RunDelete = %v, %v", done, err)
	}
}
