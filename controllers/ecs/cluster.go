package ecs

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const resourceCluster = "cluster"

// maxECSName is the limit of ECS cluster, service and task definition family names.
const maxECSName = 255

// ecsName is an ECS name of fd's: <namespace>-<name>-<suffix> within 255 characters, with
// anything but letters, digits, '-' and '_' (a '.' in a Kubernetes name) turned into '-'.
func ecsName(fd *v1alpha1.FlaskDeployment, suffix string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, cloud.ShortName(fd, suffix, maxECSName))
}

func clusterName(fd *v1alpha1.FlaskDeployment) string { return ecsName(fd, "cluster") }

// reconcileCluster finds (by name plus owner tag) or creates the ECS cluster.
func (p *pass) reconcileCluster(ctx context.Context) error {
	name := clusterName(p.fd)
	st := &p.fd.Status.Service
	cl, err := p.findCluster(ctx, name)
	if err != nil {
		return err
	}
	if cl == nil {
		if st.ClusterARN != "" {
			p.Drift(ctx, "ECS cluster %s was deleted; creating it again", name)
			st.ClusterARN, st.ServiceARN = "", ""
		}
		if !p.MayWrite(true, "ECS cluster %s", name) {
			p.stop = true
			return nil
		}
		out, err := p.ECS.CreateCluster(ctx, &ecs.CreateClusterInput{
			ClusterName: aws.String(name), Tags: cloud.ToECS(p.tags(resourceCluster)),
		})
		if err != nil {
			return fmt.Errorf("create ECS cluster %s: %w", name, err)
		}
		if !cloud.IsOwned(cloud.FromECS(out.Cluster.Tags), p.fd) {
			// CreateCluster hands back an ACTIVE cluster of that name as it is: one created
			// since we looked, by someone else.
			return p.checkClusterOwner(ctx, out.Cluster)
		}
		st.ClusterARN = aws.ToString(out.Cluster.ClusterArn)
		p.Created(ctx, kindCluster, st.ClusterARN)
		return stage.CheckpointCreated(ctx, "ECS cluster "+name)
	}
	if err := p.checkClusterOwner(ctx, cl); err != nil {
		return err
	}
	st.ClusterARN = aws.ToString(cl.ClusterArn)
	return nil
}

// findCluster describes the ACTIVE cluster of that name, with its tags; nil when there is
// none (an INACTIVE one is a deleted cluster).
func (p *pass) findCluster(ctx context.Context, name string) (*ecstypes.Cluster, error) {
	out, err := p.ECS.DescribeClusters(ctx, &ecs.DescribeClustersInput{
		Clusters: []string{name}, Include: []ecstypes.ClusterField{ecstypes.ClusterFieldTags},
	})
	if cloud.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe ECS cluster %s: %w", name, err)
	}
	for i := range out.Clusters {
		if aws.ToString(out.Clusters[i].Status) == "ACTIVE" {
			return &out.Clusters[i], nil
		}
	}
	return nil, nil
}

// checkClusterOwner refuses a cluster of our name that is not ours and repairs the tags of
// one that is.
func (p *pass) checkClusterOwner(ctx context.Context, cl *ecstypes.Cluster) error {
	name, arn := aws.ToString(cl.ClusterName), aws.ToString(cl.ClusterArn)
	have := cloud.FromECS(cl.Tags)
	if !cloud.IsOwned(have, p.fd) && p.fd.Status.Service.ClusterARN != arn {
		if p.Observing() {
			p.MayWrite(false, "ECS cluster %s does not carry this object's %s tag", name, cloud.TagOwner)
			return nil
		}
		return stage.Terminalf(ReasonOwnershipConflict,
			"ECS cluster %s already exists and is not owned by this FlaskDeployment (tag %s is %q, want %q); the operator never adopts a cluster it did not create: delete that cluster, or tag it %s=%s if it really belongs here",
			name, cloud.TagOwner, have[cloud.TagOwner], cloud.Owner(p.fd), cloud.TagOwner, cloud.Owner(p.fd))
	}
	return p.reconcileECSTags(ctx, "ECS cluster", arn, resourceCluster, have)
}

// reconcileECSTags takes tags that left spec.tags off an ECS resource and puts back the
// ones that differ.
func (p *pass) reconcileECSTags(ctx context.Context, what, arn, resource string, have map[string]string) error {
	if removed := cloud.RemovedTags(p.fd, have); len(removed) > 0 && p.MayWrite(false, "%s %s has tags %s no longer in spec.tags", what, arn, removed) {
		if _, err := p.ECS.UntagResource(ctx, &ecs.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: removed}); err != nil {
			return fmt.Errorf("remove tags %s from %s %s: %w", strings.Join(removed, ", "), what, arn, err)
		}
	}
	if missing := cloud.MissingTags(p.tags(resource), have); len(missing) > 0 && p.MayWrite(false, "%s %s tags differ from the spec", what, arn) {
		if _, err := p.ECS.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: aws.String(arn), Tags: cloud.ToECS(missing)}); err != nil {
			return fmt.Errorf("tag %s %s: %w", what, arn, err)
		}
		p.repair(ctx, "UpdatedTags", "tags %s of %s %s set", strings.Join(keys(missing), ", "), what, arn)
	}
	return nil
}

// deleteCluster deletes the cluster if it carries fd's owner tag. A service still draining
// in it is a wait.
func (p *pass) deleteCluster(ctx context.Context) (bool, error) {
	name := clusterName(p.fd)
	cl, err := p.findCluster(ctx, name)
	if err != nil {
		return false, err
	}
	if cl != nil && cloud.IsOwned(cloud.FromECS(cl.Tags), p.fd) {
		if _, err := p.ECS.DeleteCluster(ctx, &ecs.DeleteClusterInput{Cluster: cl.ClusterArn}); err != nil {
			switch {
			case cloud.IsNotFound(err):
			case cloud.IsDependencyViolation(err):
				p.WaitFor(ReasonWaitingForDeletion, deletePollInterval, "ECS cluster %s still has services or tasks stopping", name)
				return false, nil
			default:
				return false, fmt.Errorf("delete ECS cluster %s: %w", name, err)
			}
		} else {
			p.Deleted(ctx, kindCluster, aws.ToString(cl.ClusterArn))
		}
	}
	p.fd.Status.Service.ClusterARN = ""
	return true, nil
}

// specChanged reports whether the spec changed since the stage last reported on it: a
// difference found now is then the spec's change being applied, not drift.
func (p *pass) specChanged() bool {
	c := meta.FindStatusCondition(p.fd.Status.Conditions, v1alpha1.ConditionServiceReady)
	return c == nil || c.ObservedGeneration != p.fd.Generation
}

// repair records a setting put back to the spec: a change (an event) when the spec changed
// since the last pass, drift when AWS did.
func (p *pass) repair(ctx context.Context, reason, format string, args ...any) {
	if p.specChanged() && p.Converged() {
		p.changed(ctx, reason, format, args...)
		return
	}
	p.Drift(ctx, format, args...)
}

func keys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
