package ecs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const resourceCluster = "cluster"

// clusterName is the name of fd's ECS cluster.
func (p *pass) clusterName() string { return p.name(cloud.ECSName, "cluster") }

// reconcileCluster finds (by the ARN in status, then by name, then the ownership check) or
// creates the ECS cluster, and repairs its tags.
func (p *pass) reconcileCluster(ctx context.Context) error {
	name := p.clusterName()
	st := &p.fd.Status.Service
	cl, err := p.findCluster(ctx)
	if err != nil {
		return err
	}
	if cl == nil {
		if st.ClusterARN != "" {
			p.Drift(ctx, "ECS cluster %s was deleted; creating it again", name)
			st.ClusterARN, st.ServiceARN = "", ""
		}
		if !p.MayWrite(true, "ECS cluster %s", name) {
			p.Stop()
			return nil
		}
		out, err := p.ECS.CreateCluster(ctx, &ecs.CreateClusterInput{
			ClusterName: aws.String(name), Tags: cloud.ToECS(p.Tags(resourceCluster)),
		})
		if err != nil {
			return fmt.Errorf("create ECS cluster %s: %w", name, err)
		}
		if !p.Owner().Owns(cloud.FromECS(out.Cluster.Tags)) {
			// CreateCluster hands back an ACTIVE cluster of that name as it is: one created
			// since we looked, by someone else.
			return p.repairClusterTags(ctx, out.Cluster)
		}
		st.ClusterARN = aws.ToString(out.Cluster.ClusterArn)
		p.Created(ctx, kindCluster, st.ClusterARN)
		return stage.CheckpointCreated(ctx, "ECS cluster "+name)
	}
	if err := p.repairClusterTags(ctx, cl); err != nil {
		return err
	}
	st.ClusterARN = aws.ToString(cl.ClusterArn)
	return nil
}

// findCluster describes fd's ACTIVE cluster with its tags, by the ARN in status, then by
// name; nil when there is none (an INACTIVE one is a deleted cluster).
func (p *pass) findCluster(ctx context.Context) (*ecstypes.Cluster, error) {
	for _, ref := range []string{p.fd.Status.Service.ClusterARN, p.clusterName()} {
		if ref == "" {
			continue
		}
		out, err := p.ECS.DescribeClusters(ctx, &ecs.DescribeClustersInput{
			Clusters: []string{ref}, Include: []ecstypes.ClusterField{ecstypes.ClusterFieldTags},
		})
		if err != nil && !cloud.IsNotFound(err) {
			return nil, fmt.Errorf("describe ECS cluster %s: %w", ref, err)
		}
		if err == nil {
			for i := range out.Clusters {
				if aws.ToString(out.Clusters[i].Status) == "ACTIVE" {
					return &out.Clusters[i], nil
				}
			}
		}
	}
	return nil, nil
}

// repairClusterTags is the ownership check of a cluster found, and its tag repair.
func (p *pass) repairClusterTags(ctx context.Context, cl *ecstypes.Cluster) error {
	return p.RepairTags(ctx, kindCluster, aws.ToString(cl.ClusterArn), p.Tags(resourceCluster), cloud.FromECS(cl.Tags), cloud.ECSTagger(p.ECS))
}

// deleteCluster deletes the cluster if its tags prove it fd's. A service still draining
// in it is a wait.
func (p *pass) deleteCluster(ctx context.Context) (bool, error) {
	cl, err := p.findCluster(ctx)
	if err != nil {
		return false, err
	}
	if cl != nil && p.Deletable(ctx, kindCluster, aws.ToString(cl.ClusterArn), cloud.FromECS(cl.Tags)) {
		name := aws.ToString(cl.ClusterName)
		if _, err := p.ECS.DeleteCluster(ctx, &ecs.DeleteClusterInput{Cluster: cl.ClusterArn}); err != nil {
			switch {
			case cloud.IsNotFound(err):
			case cloud.IsDependencyViolation(err):
				p.WaitFor(v1alpha1.ReasonWaitingForDeletion, deletePollInterval, "ECS cluster %s still has services or tasks stopping", name)
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
		p.Changed(ctx, reason, format, args...)
		return
	}
	p.Drift(ctx, format, args...)
}
