package stage

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// Journal is what one pass of a stage notes while it walks its checklist: what it waits
// for, what it would create under managementPolicy Observe, the drift it repaired (or under
// Observe only saw), and the events of the resources it created and deleted. A stage's pass
// embeds it.
type Journal struct {
	name     string
	fd       *v1alpha1.FlaskDeployment
	recorder events.EventRecorder
	owner    cloud.Owner
	observe  bool
	stopped  bool
	// light: the pass is light (see light.go); fullBecause says why it needs a full pass;
	// before is the status the light pass started from.
	light       bool
	fullBecause string
	before      *v1alpha1.FlaskDeploymentStatus
	// converged says the stage was ready before this pass. Until then a difference is an
	// interrupted set-up being finished (a crash between a create and its follow-up call),
	// not drift.
	converged bool

	waits    []wait
	missing  []string
	repaired []string
}

type wait struct {
	reason, message string
	after           time.Duration
}

// Kind is a type of AWS resource a stage creates and deletes.
type Kind struct {
	Name   string // in log messages and event notes: "NAT gateway"
	Reason string // suffix of the event reasons: CreatedNATGateway, DeletedNATGateway
	IDKey  string // log key of the resource's ID
}

// NewJournal starts the journal of one pass of stage s over fd, under the manager of
// cluster. The stage's status.drift entries of the last pass are dropped: this pass adds
// what it finds.
func NewJournal(s Stage, fd *v1alpha1.FlaskDeployment, recorder events.EventRecorder, cluster string) *Journal {
	prefix := s.Name() + ": "
	kept := fd.Status.Drift[:0:0]
	for _, d := range fd.Status.Drift {
		if !strings.HasPrefix(d, prefix) {
			kept = append(kept, d)
		}
	}
	if len(kept) == 0 {
		kept = nil
	}
	fd.Status.Drift = kept
	return &Journal{
		name: s.Name(), fd: fd, recorder: recorder, owner: cloud.NewOwner(cluster, fd),
		observe:   fd.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserve,
		converged: meta.IsStatusConditionTrue(fd.Status.Conditions, s.Condition()),
	}
}

// Observing reports whether the pass only reads and reports (managementPolicy Observe).
func (j *Journal) Observing() bool { return j.observe }

// Converged reports whether the stage was ready before this pass.
func (j *Journal) Converged() bool { return j.converged }

// WaitFor records something the pass is waiting for; the first one names the reason.
// A light pass hands what it waits for to a full pass.
func (j *Journal) WaitFor(reason string, after time.Duration, format string, args ...any) {
	j.NeedFull(format, args...)
	j.waits = append(j.waits, wait{reason: reason, after: after, message: fmt.Sprintf(format, args...)})
}

// Blocked records a resource of someone else's, kind id, that holds the object's deletion:
// a DeletionBlocked wait saying message, and a Warning event saying what to do (remedy).
// The user is told once: while the DeletionBlocked condition already names id, the event
// was sent.
func (j *Journal) Blocked(after time.Duration, kind, id, message, remedy string) {
	j.WaitFor(v1alpha1.ReasonDeletionBlocked, after, "%s", message)
	if blocked := meta.FindStatusCondition(j.fd.Status.Conditions, v1alpha1.ConditionDeletionBlocked); blocked == nil || !strings.Contains(blocked.Message, id) {
		j.recorder.Eventf(j.fd, AWSResource(kind, id), corev1.EventTypeWarning, v1alpha1.ReasonDeletionBlocked, "Delete",
			"%s", EventNote(remedy+"; deletion resumes by itself"))
	}
}

// MayWrite reports whether the pass may change AWS. Under Observe it notes what it would
// have done instead: "would create" things as missing, repairs as drift. A light pass
// writes nothing: it falls back to a full pass instead.
func (j *Journal) MayWrite(create bool, format string, args ...any) bool {
	what := fmt.Sprintf(format, args...)
	if j.light {
		j.NeedFull("%s", what)
		return false
	}
	if !j.observe {
		return true
	}
	if create {
		j.missing = append(j.missing, what)
	} else {
		j.fd.Status.Drift = append(j.fd.Status.Drift, j.name+": "+what+" (not repaired: managementPolicy Observe)")
	}
	return false
}

// Drift notes one repaired difference between AWS and the spec. It reports whether the
// change went into the pass's RepairedDrift event; false means it finished an interrupted
// set-up, which the caller reports like any other set-up.
func (j *Journal) Drift(ctx context.Context, format string, args ...any) bool {
	msg := fmt.Sprintf(format, args...)
	if j.light {
		j.NeedFull("%s", msg) // which notes it
		return true
	}
	if !j.converged {
		log.FromContext(ctx).Info("Finished an interrupted set-up", "change", msg)
		return false
	}
	j.fd.Status.Drift = append(j.fd.Status.Drift, j.name+": "+msg)
	j.repaired = append(j.repaired, msg)
	log.FromContext(ctx).Info("Repaired drift", "drift", msg)
	return true
}

// ReportRepairs sends one event for all the repairs of the pass: the events API folds
// events of one reason about one object into a series, so one event per repair would lose
// all but the first note.
func (j *Journal) ReportRepairs() {
	if len(j.repaired) > 0 {
		j.recorder.Eventf(j.fd, nil, corev1.EventTypeNormal, "RepairedDrift", "Repair", "%s", EventNote("Repaired drift: "+strings.Join(j.repaired, "; ")))
	}
}

// Created records the creation of an AWS resource: a log line and an event.
func (j *Journal) Created(ctx context.Context, k Kind, id string) {
	log.FromContext(ctx).Info("Created "+k.Name, k.IDKey, id)
	j.recorder.Eventf(j.fd, AWSResource(k.Reason, id), corev1.EventTypeNormal, "Created"+k.Reason, "Create", "Created %s %s", k.Name, id)
}

// Deleted records the deletion of an AWS resource.
func (j *Journal) Deleted(ctx context.Context, k Kind, id string) {
	log.FromContext(ctx).Info("Deleted "+k.Name, k.IDKey, id)
	j.recorder.Eventf(j.fd, AWSResource(k.Reason, id), corev1.EventTypeNormal, "Deleted"+k.Reason, "Delete", "Deleted %s %s", k.Name, id)
}

// AWSResource is the related object of an event about one AWS resource: kind is its type
// (Subnet, LoadBalancer), id its ID or name. Without it, the events of one object with the
// same type, reason and action within minutes are one series, which keeps the note of the
// first: "Deleted subnet subnet-1" would stand for every subnet a pass deleted.
func AWSResource(kind, id string) *corev1.ObjectReference {
	return &corev1.ObjectReference{Kind: kind, Name: id}
}

// Unfinished is the result of a pass that is waiting, or that runs under Observe; ok is
// false when the pass is neither and the stage reports its own ready result. found names
// what Observe found, for the ready message.
func (j *Journal) Unfinished(observeInterval time.Duration, found string) (r Result, ok bool) {
	if len(j.waits) > 0 {
		msgs := make([]string, 0, len(j.waits))
		after := j.waits[0].after
		for _, w := range j.waits {
			msgs = append(msgs, w.message)
			after = min(after, w.after)
		}
		return Waiting(j.waits[0].reason, after, "%s", strings.Join(msgs, "; ")), true
	}
	if !j.observe {
		return Result{}, false
	}
	if len(j.missing) > 0 {
		return Waiting(v1alpha1.ReasonObserved, observeInterval, "managementPolicy Observe: missing %s", strings.Join(j.missing, ", ")), true
	}
	r = Ready("managementPolicy Observe: " + found)
	r.Reason = v1alpha1.ReasonObserved
	return r, true
}

// maxEventNote is the API server's limit on an event's note: a longer one is refused and
// the event lost.
const maxEventNote = 1024

// EventNote cuts msg to what an event's note may hold.
func EventNote(msg string) string {
	if len(msg) <= maxEventNote {
		return msg
	}
	cut := msg[:maxEventNote-len(" …")]
	for !utf8.ValidString(cut) {
		cut = cut[:len(cut)-1]
	}
	return cut + " …"
}
