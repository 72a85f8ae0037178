package stage

import (
	"context"
	"fmt"
	"slices"
	"strings"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// Owner is the identity the pass's resources carry: tags, ownership and names.
func (j *Journal) Owner() cloud.Owner { return j.owner }

// Tags is the full tag set of one of the stage's resources.
func (j *Journal) Tags(resource string) map[string]string { return j.owner.Tags(j.name, resource) }

// EC2Tags is Tags plus the EC2 Name tag.
func (j *Journal) EC2Tags(resource string) map[string]string {
	return j.owner.EC2Tags(j.name, resource)
}

// Filters are the EC2 filters of the stage's resources ("" for all of them).
func (j *Journal) Filters(resource string) []ec2types.Filter {
	return j.owner.Filters(j.name, resource)
}

// CheckOwner is the one ownership check every stage makes before it uses, changes or
// deletes a resource it found, by the ID in status or by name: only the tags prove the
// resource is this object's. A resource that is not is an OwnershipConflict (terminal)
// naming it and its current owner; under Observe it is only reported, as nothing is
// written anyway. A resource of ours whose owner tag someone removed is not ours any
// more: the operator does not re-tag what it cannot prove it created.
func (j *Journal) CheckOwner(k Kind, id string, tags map[string]string) error {
	if j.owner.Owns(tags) {
		return nil
	}
	if j.observe {
		j.fd.Status.Drift = append(j.fd.Status.Drift, fmt.Sprintf("%s: %s %s is not this object's: %s", j.name, k.Name, id, j.owner.Describe(tags)))
		return nil
	}
	return Terminalf(v1alpha1.ReasonOwnershipConflict,
		"%s %s is not this FlaskDeployment's: %s, want %s; the operator never adopts, changes or deletes a resource its tags do not prove its own: remove or rename that resource, or point the spec elsewhere",
		k.Name, id, j.owner.Describe(tags), j.owner.Want())
}

// Deletable reports whether the pass may delete a resource it found: only when the tags
// prove it ours. Anything else is left in place, and said so in the log and an event.
func (j *Journal) Deletable(ctx context.Context, k Kind, id string, tags map[string]string) bool {
	if j.owner.Owns(tags) {
		return true
	}
	msg := fmt.Sprintf("Left %s %s in place: not this object's (%s)", k.Name, id, j.owner.Describe(tags))
	log.FromContext(ctx).Info(msg, k.IDKey, id)
	j.recorder.Eventf(j.fd, AWSResource(k.Reason, id), corev1.EventTypeWarning, "Kept"+k.Reason, "Delete", "%s", EventNote(msg))
	return false
}

// RepairTags makes a resource's tags what they should be, after the ownership check:
// missing or changed tags of want are put back (drift; a key newly added to spec.tags is
// a spec change), keys that left spec.tags are taken off (a spec change), and tags
// someone else added are never touched. id is what t's calls take.
func (j *Journal) RepairTags(ctx context.Context, k Kind, id string, want, have map[string]string, t cloud.Tagger) error {
	if err := j.CheckOwner(k, id, have); err != nil || !j.owner.Owns(have) {
		return err
	}
	if removed := cloud.RemovedTags(j.fd, have); len(removed) > 0 &&
		j.MayWrite(false, "tags %s removed from spec.tags are still on %s %s", strings.Join(removed, ", "), k.Name, id) {
		if err := t.RemoveTags(ctx, id, removed); err != nil {
			return fmt.Errorf("remove tags %s from %s %s: %w", strings.Join(removed, ", "), k.Name, id, err)
		}
		log.FromContext(ctx).Info("Removed tags no longer in spec.tags", k.IDKey, id, "keys", removed)
	}
	missing := cloud.MissingTags(want, have)
	if len(missing) == 0 {
		return nil
	}
	keys := make([]string, 0, len(missing))
	for key := range missing {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	if !j.MayWrite(false, "tags %s missing on %s %s", strings.Join(keys, ", "), k.Name, id) {
		return nil
	}
	if err := t.AddTags(ctx, id, missing); err != nil {
		return fmt.Errorf("tag %s %s: %w", k.Name, id, err)
	}
	if j.newSpecTags(keys) {
		j.Changed(ctx, "UpdatedTags", "Set tags %s on %s %s", strings.Join(keys, ", "), k.Name, id)
		return nil
	}
	j.Drift(ctx, "tags %s restored on %s %s", strings.Join(keys, ", "), k.Name, id)
	return nil
}

// newSpecTags reports whether every key is a spec.tags edit, not drift: a user tag the
// operator has not applied before, or one whose value may have changed with a spec change
// this pass is the first to converge (the generation is not yet observed).
func (j *Journal) newSpecTags(keys []string) bool {
	specChanged := j.fd.Status.ObservedGeneration != j.fd.Generation
	for _, k := range keys {
		if _, inSpec := j.fd.Spec.Tags[k]; !inSpec || (slices.Contains(j.fd.Status.TagKeys, k) && !specChanged) {
			return false
		}
	}
	return true
}

// Changed records a change the pass made because the spec changed: a log line and an
// event (not drift).
func (j *Journal) Changed(ctx context.Context, reason, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	log.FromContext(ctx).Info(msg)
	j.recorder.Eventf(j.fd, nil, corev1.EventTypeNormal, reason, "Update", "%s", EventNote(msg))
}
