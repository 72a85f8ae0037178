package controllers

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

// fullChecks remembers, per object and in memory only, when the object's last full pass
// ran and whether its last pass ended steady (nothing to look at before the resync). A
// restarted manager remembers nothing, so its first pass of each object is full, and
// nothing of this is written to status. Entries are keyed by name, so that a request for
// a name whose object is gone (deleted behind the operator's back, its finalizer removed
// by hand) drops what was remembered of it.
type fullChecks struct {
	mu      sync.Mutex
	objects map[types.NamespacedName]fullCheck
}

type fullCheck struct {
	uid    types.UID // an object created again under the name is another object
	at     time.Time // of the last full pass; zero before one
	steady bool
	// annotations are the object's at its last pass: a change is a manual nudge, which
	// gets a full pass.
	annotations string
}

// light decides whether the pass of fd starting now is light (see stage.WithLight): fd is
// Ready for its current spec and not being deleted, its last pass ended steady (a stage
// polling something in progress, such as a pipeline execution or a connection's handshake,
// gets full passes), and its last full pass ran less than period ago. An object under
// managementPolicy Observe always gets full passes: its status.drift lists every
// difference, which only a full pass sees. So does a pass after the object's annotations
// changed (a manual nudge).
func (c *fullChecks) light(fd *v1alpha1.FlaskDeployment, period time.Duration, now time.Time) bool {
	if period <= 0 || !fd.DeletionTimestamp.IsZero() || fd.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserve ||
		fd.Status.ObservedGeneration != fd.Generation || !meta.IsStatusConditionTrue(fd.Status.Conditions, v1alpha1.ConditionReady) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.objects[client.ObjectKeyFromObject(fd)]
	return ok && o.uid == fd.UID && o.steady && !o.at.IsZero() && now.Sub(o.at) < period && o.annotations == annotationsOf(fd)
}

// annotationsOf is fd's annotations in one comparable string.
func annotationsOf(fd *v1alpha1.FlaskDeployment) string {
	keys := slices.Sorted(maps.Keys(fd.Annotations))
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%q=%q;", k, fd.Annotations[k])
	}
	return b.String()
}

// passed records how a pass of fd that started at start ended: full is whether it was a
// full pass that ran to its end (no retriable error), steady whether it asked for no look
// before the resync.
func (c *fullChecks) passed(fd *v1alpha1.FlaskDeployment, start time.Time, full, steady bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.objects == nil {
		c.objects = map[types.NamespacedName]fullCheck{}
	}
	key := client.ObjectKeyFromObject(fd)
	o := c.objects[key]
	if o.uid != fd.UID {
		o = fullCheck{uid: fd.UID}
	}
	if full {
		o.at = start
	}
	o.steady, o.annotations = steady, annotationsOf(fd)
	c.objects[key] = o
}

// forget drops what is remembered of the object of that name.
func (c *fullChecks) forget(name types.NamespacedName) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.objects, name)
}
