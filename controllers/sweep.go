package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	tagtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// sweepInterval is how often an object whose deletion left resources behind looks again.
const sweepInterval = 30 * time.Second

// Sweeper finds, once every stage is deleted, what still carries an object's ownership
// tags: a resource a stage does not know about, or one it failed to see go.
type Sweeper struct {
	Tagging func(region string) cloud.TaggingAPI
	// Cluster is the manager's --cluster-name, in every ownership tag.
	Cluster string
}

// regions are where fd's resources are listed: its own, and us-east-1, where the Tagging
// API lists IAM roles.
func regions(fd *v1alpha1.FlaskDeployment) []string {
	if r := stage.Region(fd); r != "us-east-1" {
		return []string{r, "us-east-1"}
	}
	return []string{"us-east-1"}
}

// release lets a new object of the same namespace/name adopt what a Retain deletion
// leaves: the resources lose the uid tag, and are owned by cluster and owner tags alone.
// Under Observe nothing is written, and an object that never got a region created nothing.
func (r *FlaskDeploymentReconciler) release(ctx context.Context, fd *v1alpha1.FlaskDeployment) error {
	if r.Sweep == nil || fd.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserve || fd.Status.Region == "" {
		return nil
	}
	owner := cloud.NewOwner(r.Sweep.Cluster, fd)
	for _, region := range regions(fd) {
		n, err := owner.Release(ctx, r.Sweep.Tagging(region))
		if err != nil {
			return fmt.Errorf("release retained resources in %s: %w", region, err)
		}
		log.FromContext(ctx).Info("Released retained resources for adoption", "region", region, "resources", n)
	}
	return nil
}

// leftovers lists the ARNs of the resources in fd's region (and IAM's, which the Tagging API
// lists in us-east-1) whose tags prove them fd's.
func (s *Sweeper) leftovers(ctx context.Context, fd *v1alpha1.FlaskDeployment) ([]string, error) {
	owner := cloud.NewOwner(s.Cluster, fd)
	var arns []string
	for _, region := range regions(fd) {
		pg := resourcegroupstaggingapi.NewGetResourcesPaginator(s.Tagging(region), &resourcegroupstaggingapi.GetResourcesInput{
			TagFilters: []tagtypes.TagFilter{
				{Key: aws.String(cloud.TagCluster), Values: []string{s.Cluster}},
				{Key: aws.String(cloud.TagOwner), Values: []string{owner.Ref()}},
			},
		})
		for pg.HasMorePages() {
			page, err := pg.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list resources tagged for %s in %s: %w", owner.Ref(), region, err)
			}
			for _, m := range page.ResourceTagMappingList {
				tags := map[string]string{}
				for _, t := range m.Tags {
					tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
				if arn := aws.ToString(m.ResourceARN); owner.Owns(tags) && !slices.Contains(arns, arn) {
					arns = append(arns, arn)
				}
			}
		}
	}
	slices.Sort(arns)
	return arns, nil
}

// sweep keeps the finalizer while anything carrying fd's ownership tags is left, naming it
// in status.leftovers and the DeletionBlocked condition; done is true once nothing is.
func (r *FlaskDeploymentReconciler) sweep(ctx context.Context, fd *v1alpha1.FlaskDeployment) (done bool, res ctrl.Result, err error) {
	if r.Sweep == nil {
		return true, ctrl.Result{}, nil
	}
	arns, err := r.Sweep.leftovers(ctx, fd)
	if err != nil {
		res, err := r.finish(ctx, fd, summarizeSweep(fd, stage.Classify(err)))
		return false, res, err
	}
	if len(arns) == 0 {
		return true, ctrl.Result{}, nil
	}
	status := newStatusWriter(r.Client, fd)
	told := slices.Equal(fd.Status.Leftovers, arns)
	fd.Status.Leftovers = arns
	msg := fmt.Sprintf("every stage is deleted, but %d AWS resource(s) still carry this object's ownership tags: %s; delete them (or remove their flaskops.io/owner tag) and deletion resumes by itself",
		len(arns), strings.Join(arns, ", "))
	meta.SetStatusCondition(&fd.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionDeletionBlocked,
		Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonDeletionBlocked, Message: msg, ObservedGeneration: fd.Generation})
	setReconciling(fd, v1alpha1.ReasonDeleting, msg)
	fd.Status.Message = msg
	if err := status.patch(ctx, fd); err != nil {
		return false, ctrl.Result{}, err
	}
	if !told {
		r.Recorder.Eventf(fd, nil, corev1.EventTypeWarning, v1alpha1.ReasonDeletionBlocked, "Delete", "%s", msg)
	}
	return false, ctrl.Result{RequeueAfter: r.capRequeue(sweepInterval)}, nil
}

// summarizeSweep reports a failed look for leftovers as a stage's failed deletion is
// reported: what AWS refuses for good (access denied) stalls, anything else is retried.
func summarizeSweep(fd *v1alpha1.FlaskDeployment, err error) summary {
	var s summary
	reason, msg := v1alpha1.ReasonRetrying, "every stage is deleted, but looking for AWS resources still tagged as this object's failed: "+err.Error()
	if t, terminal := stage.AsTerminal(err); terminal {
		s.stalled, reason = err, t.Reason
	} else {
		s.retriable = err
	}
	meta.SetStatusCondition(&fd.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionDeletionBlocked,
		Status: metav1.ConditionTrue, Reason: reason, Message: msg, ObservedGeneration: fd.Generation})
	if s.stalled != nil {
		s.newlyStalled = setStalled(fd, reason, err)
	} else {
		setReconciling(fd, v1alpha1.ReasonDeleting, msg)
	}
	fd.Status.Message = msg
	return s
}
